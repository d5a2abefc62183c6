"""Each role lands on its own home page; elected members see aggregates and never a child."""

import pytest
from bs4 import BeautifulSoup

from qaf.accounts.models import Role
from qaf.web.views import HOME_HEADINGS

pytestmark = pytest.mark.django_db


def page(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize("role", list(Role))
def test_home_heading_for_each_role(client_for, role):
    response = client_for(role).get("/")
    assert response.status_code == 200
    assert page(response).h1.get_text(strip=True) == HOME_HEADINGS[role]


def test_practitioner_home_lists_only_their_caseload(council, client_for):
    soup = page(client_for(Role.PRACTITIONER).get("/"))
    ids = [a.get_text(strip=True) for a in soup.select("main table a")]
    assert ids == [council.own_child.council_child_id]


def test_elected_member_home_shows_no_child(council, client_for):
    html = client_for(Role.ELECTED_MEMBER).get("/").content.decode()
    for child in (council.own_child, council.far_child, council.cp_child):
        assert child.council_child_id not in html
        assert child.family_name not in html
    assert "/children/" not in html


def test_navigation_is_role_aware(client_for):
    qa = [
        a.get_text(strip=True)
        for a in page(client_for(Role.QA_OFFICER).get("/")).select("#navigation a")
    ]
    member = [
        a.get_text(strip=True)
        for a in page(client_for(Role.ELECTED_MEMBER).get("/")).select("#navigation a")
    ]
    assert "Access log" in qa and "Children" in qa
    assert "Children" not in member and "Access log" not in member


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
