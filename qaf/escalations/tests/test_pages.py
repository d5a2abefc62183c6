"""Escalation pages: headings, labels, error-summary links and scoping (HTML parsed)."""

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail

from qaf.accounts.models import Role
from qaf.escalations.models import ClosureDay, Escalation, EscalationStatus
from qaf.escalations.tests.conftest import at

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def error_links(page):
    return [
        (a["href"], a.get_text(strip=True)) for a in page.select(".govuk-error-summary__list a")
    ]


def summary(page):
    return {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }


def test_raise_form_errors_link_to_fields(client_for):
    page = soup(client_for(Role.QA_OFFICER).post("/escalations/raise/", {}))
    assert page.h1.get_text(strip=True) == "Raise a concern"
    assert error_links(page) == [
        ("#id_child_id", "Enter the council child ID"),
        ("#id_kind_0", "Choose whether this is a safeguarding or a practice concern"),
        ("#id_source", "Choose where the concern came from"),
        ("#id_reason", "Describe the concern"),
    ]
    labels = [label.get_text(strip=True) for label in page.select("label.govuk-label--s, legend")]
    assert "Council child ID" in labels and "Describe the concern" in labels


def test_out_of_scope_child_cannot_be_raised_on(council, client_for):
    response = client_for(Role.PRACTITIONER).post(
        "/escalations/raise/",
        {
            "child_id": council.far_child.council_child_id,
            "kind": "practice",
            "source": "manual",
            "reason": "r",
        },
    )
    assert error_links(soup(response)) == [
        ("#id_child_id", "There is no child with that ID among the children you can see")
    ]
    assert not Escalation.objects.exists()


def test_raise_shows_the_deadline_in_local_time(
    council, client_for, django_capture_on_commit_callbacks
):
    client = client_for(Role.QA_OFFICER)
    with time_machine.travel(at(2025, 12, 24, 16, 45), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/escalations/raise/",
                {
                    "child_id": council.own_child.council_child_id,
                    "kind": "safeguarding",
                    "source": "audit",
                    "reason": "No visit for eight weeks",
                },
            )
        escalation = Escalation.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/escalations/{escalation.pk}/"
        page = soup(client.get(response["Location"]))
    rows = summary(page)
    assert rows["Deadline"] == "End of Monday 29 December 2025"
    assert rows["Raised"].startswith("24 December 2025, 16:45")
    assert len(mail.outbox) == 1


def test_service_manager_walks_every_step_through_the_pages(
    council, client_for, raise_on, django_capture_on_commit_callbacks
):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    sm, tm = client_for(Role.SERVICE_MANAGER), client_for(Role.TEAM_MANAGER)
    url = f"/escalations/{escalation.pk}/"
    steps = [
        (sm, "acknowledge", {"note": ""}),
        (sm, "agree_actions", {"discussion": "Talked it through", "actions": "Visit\nUpdate plan"}),
        (tm, "confirm_on_file", {"note": "Case note 12 March"}),
        (sm, "sign_off", {"note": "Oversight recorded on the file"}),
        (sm, "close", {"note": ""}),
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for client, action, data in steps:
            links = [a["href"] for a in soup(client.get(url)).select("main ul.govuk-list a")]
            assert f"{url}{action}/" in links
            response = client.post(f"{url}{action}/", data)
            assert response.status_code == 302, soup(response).select(".govuk-error-summary")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CLOSED
    director = council.home_team.district.area.assistant_director
    assert [director.email] in [m.to for m in mail.outbox]


def test_step_form_errors_and_illegal_step(council, client_for, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    sm = client_for(Role.SERVICE_MANAGER)
    page = soup(sm.post(f"/escalations/{escalation.pk}/cancel/", {"note": ""}))
    assert error_links(page) == [("#id_note", "Enter the reason for cancelling")]
    page = soup(sm.post(f"/escalations/{escalation.pk}/sign_off/", {"note": "Early"}))
    assert error_links(page) == [
        (
            "#form-errors",
            "This escalation is raised: “Record management oversight and sign off” is not "
            "possible now.",
        )
    ]
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RAISED


def test_out_of_scope_escalation_and_a_step_not_for_the_role_are_404(council, client_for, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0), child=council.far_child)
    assert client_for(Role.SERVICE_MANAGER).get(f"/escalations/{escalation.pk}/").status_code == 404
    assert client_for(Role.ELECTED_MEMBER).get(f"/escalations/{escalation.pk}/").status_code == 404
    assert client_for(Role.ELECTED_MEMBER).get("/escalations/").status_code == 404
    mine = raise_on(at(2026, 3, 2, 10, 0))
    assert (
        client_for(Role.PRACTITIONER).get(f"/escalations/{mine.pk}/acknowledge/").status_code == 404
    )


def test_list_shows_only_visible_escalations(council, client_for, raise_on):
    raise_on(at(2026, 3, 2, 10, 0))
    raise_on(at(2026, 3, 2, 10, 0), child=council.far_child)
    page = soup(client_for(Role.TEAM_MANAGER).get("/escalations/"))
    assert page.h1.get_text(strip=True) == "Escalations"
    children = [tr.select("td")[0].get_text(strip=True) for tr in page.select("tbody tr")]
    assert children == [council.own_child.council_child_id]


def test_second_person_pages(council, client_for, raise_on):
    escalation = raise_on(at(2026, 3, 2, 10, 0))
    sm, qa = client_for(Role.SERVICE_MANAGER), client_for(Role.QA_OFFICER)
    page = soup(sm.post(f"/escalations/{escalation.pk}/request/", {}))
    assert error_links(page) == [
        ("#id_kind_0", "Choose what you want to do"),
        ("#id_reason", "Enter the reason"),
    ]
    sm.post(f"/escalations/{escalation.pk}/request/", {"kind": "downgrade", "reason": "Low risk"})
    second = escalation.requests.get()
    assert sm.get(f"/escalations/requests/{second.pk}/").status_code == 403  # not the asker
    response = qa.post(f"/escalations/requests/{second.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.kind == "practice"


def test_elected_member_sees_the_dashboard_without_children(council, client_for, raise_on):
    raise_on(at(2026, 3, 2, 10, 0))
    response = client_for(Role.ELECTED_MEMBER).get("/escalations/dashboard/")
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Escalations dashboard"
    captions = [c.get_text(strip=True) for c in page.select("caption")]
    assert captions == [
        "Open and overdue escalations by district",
        "Signed off within the deadline, by month raised",
    ]
    assert council.own_child.council_child_id not in response.content.decode()


def test_closure_days_are_managed_by_the_qa_unit(client_for):
    qa = client_for(Role.QA_OFFICER)
    page = soup(qa.post("/escalations/closure-days/", {"date": "31/2/2026", "reason": "x"}))
    assert error_links(page) == [("#id_date", "Enter a real date, for example 27/3/2026")]
    page = soup(qa.post("/escalations/closure-days/", {"date": "26/12/2025", "reason": "x"}))
    assert error_links(page) == [("#id_date", "That day is already a bank holiday.")]
    assert (
        qa.post(
            "/escalations/closure-days/", {"date": "29/12/2025", "reason": "Office closed"}
        ).status_code
        == 302
    )
    closure = ClosureDay.objects.get()
    assert [
        th.get_text(strip=True)
        for th in soup(qa.get("/escalations/closure-days/")).select("tbody th")
    ] == ["Monday 29 December 2025"]
    assert client_for(Role.SERVICE_MANAGER).get("/escalations/closure-days/").status_code == 404
    qa.post(f"/escalations/closure-days/{closure.pk}/remove/")
    assert not ClosureDay.objects.exists()


@pytest.mark.parametrize("state", ["raised", "actions_on_file", "signed_off"])
@pytest.mark.parametrize("kind", ["safeguarding", "practice"])
def test_the_page_offers_each_role_exactly_the_steps_the_specification_gives_it(
    council, client_for, raise_on, state, kind
):
    from qaf.escalations.tests.spec import LEGAL, who_may

    escalation = raise_on(at(2026, 3, 2, 10, 0), kind=kind)
    Escalation.objects.filter(pk=escalation.pk).update(status=state)
    url = f"/escalations/{escalation.pk}/"
    for role in Role:
        response = client_for(role).get(url)
        if role in {Role.CP_CHAIR, Role.IRO, Role.PARTNER_AUDITOR, Role.ELECTED_MEMBER}:
            assert response.status_code == 404, role  # not on their caseload
            continue
        links = [a["href"] for a in soup(response).select("main ul.govuk-list a")]
        offered = sorted(link.removeprefix(url).strip("/") for link in links)
        expected = sorted(
            step for s, step, _ in LEGAL if s == state and role in who_may(step, kind)
        )
        assert offered == expected, (role, offered)


def test_a_safeguarding_concern_is_cancelled_through_a_second_person_on_the_pages(
    council, client_for, raise_on
):
    """Issue 17: no Cancel for one person; the request page offers it, another approves."""
    escalation = raise_on(at(2026, 3, 2, 10, 0))  # safeguarding
    sm, qa = client_for(Role.SERVICE_MANAGER), client_for(Role.QA_OFFICER)
    url = f"/escalations/{escalation.pk}/"
    page = soup(sm.get(url))
    assert "Cancel" not in [a.get_text(strip=True) for a in page.select("main ul.govuk-list a")]
    assert page.find("a", string="Ask a second authorised person to agree a change")
    response = sm.post(f"{url}cancel/", {"note": "Raised on the wrong child"})
    assert response.status_code == 403
    assert "needs a second authorised person" in soup(response).get_text()
    options = [
        label.get_text(strip=True) for label in soup(sm.get(f"{url}request/")).select("label")
    ]
    assert "Cancel the safeguarding concern" in options
    sm.post(f"{url}request/", {"kind": "cancel", "reason": "Raised on the wrong child"})
    second = escalation.requests.get()
    assert (
        qa.post(f"/escalations/requests/{second.pk}/", {"decision": "approve"}).status_code == 302
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.CANCELLED
    assert escalation.steps.last().action == "cancel_agreed"
    practice = raise_on(at(2026, 3, 2, 10, 0), kind="practice")
    options = [
        label.get_text(strip=True)
        for label in soup(sm.get(f"/escalations/{practice.pk}/request/")).select("label")
    ]
    assert "Cancel the safeguarding concern" not in options
