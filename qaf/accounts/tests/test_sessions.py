"""Session security: key rotated at sign-in, idle timeout, absolute lifetime, keepalive."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from qaf.accounts.models import UserSession
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import page, post_sign_in, signed_in_client

START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def is_timed_out(response) -> bool:
    if response.status_code != 302:
        return False
    parts = urlsplit(response["Location"])
    return parts.path == "/accounts/sign-in/" and parse_qs(parts.query).get("timed_out") == ["1"]


def test_session_key_rotated_at_sign_in(alice):
    client = Client()
    session = client.session  # an anonymous session exists before signing in
    session["seen_before"] = True
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = post_sign_in(client, "alice")

    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(user=alice).session_key == after


def test_idle_29_minutes_is_fine_31_minutes_signs_out(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(alice)
        traveller.move_to(START + dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200

        traveller.move_to(START + dt.timedelta(minutes=29 + 31))
        response = client.get("/")
        assert is_timed_out(response)
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/"]
        assert "_auth_user_id" not in client.session

        # The sign-in page it lands on says why.
        landing = client.get(response["Location"])
        inset = page(landing).select_one(".govuk-inset-text")
        assert inset is not None and "did nothing for 30 minutes" in inset.get_text()


def test_idle_timeout_for_htmx_sends_the_whole_window_to_sign_in(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(alice)
        traveller.move_to(START + dt.timedelta(minutes=31))
        response = client.get("/", HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert response["HX-Redirect"] == "/accounts/sign-in/?timed_out=1"


def test_absolute_lifetime_ends_even_an_active_session(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(alice)
        minutes = 0
        while minutes + 20 <= 12 * 60:
            minutes += 20
            traveller.move_to(START + dt.timedelta(minutes=minutes))
            assert client.get("/").status_code == 200, f"signed out early at {minutes} min"
        traveller.move_to(START + dt.timedelta(minutes=minutes + 20))
        assert is_timed_out(client.get("/"))


def test_timeout_warning_is_on_pages_with_its_settings(alice):
    response = signed_in_client(alice).get("/")
    warning = page(response).select_one("#qaf-timeout-warning")
    assert warning is not None
    assert warning.has_attr("hidden")
    assert warning["role"] == "alertdialog"
    assert warning["data-idle-seconds"] == "1800"
    assert warning["data-warning-seconds"] == "300"
    assert warning["data-keepalive-url"] == "/accounts/keepalive/"
    assert warning["data-signed-out-url"] == "/accounts/sign-in/?timed_out=1"
    assert warning.find("h2").get_text(strip=True) == "You will be signed out soon"
    assert warning.find("button").get_text(strip=True) == "Stay signed in"


def test_no_timeout_warning_when_signed_out(db):
    assert page(Client().get("/accounts/sign-in/")).select_one("#qaf-timeout-warning") is None


def test_keepalive_resets_the_idle_clock(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(alice)
        traveller.move_to(START + dt.timedelta(minutes=25))
        assert client.get("/accounts/keepalive/").status_code == 204
        traveller.move_to(START + dt.timedelta(minutes=50))  # 25 idle since the keepalive
        assert client.get("/").status_code == 200
        traveller.move_to(START + dt.timedelta(minutes=81))
        assert is_timed_out(client.get("/"))


def test_keepalive_after_timeout_answers_401(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(alice)
        traveller.move_to(START + dt.timedelta(minutes=31))
        assert client.get("/accounts/keepalive/").status_code == 401
        assert "_auth_user_id" not in client.session


def test_session_without_clocks_is_treated_as_expired(alice):
    client = signed_in_client(alice)
    session = client.session
    del session["qaf_login_at"]
    session.save()
    assert is_timed_out(client.get("/"))


def test_sign_out_forgets_the_tracked_session(alice):
    client = signed_in_client(alice)
    assert UserSession.objects.filter(user=alice).count() == 1
    response = client.post("/accounts/sign-out/")
    assert response["Location"] == "/accounts/sign-in/"
    assert not UserSession.objects.filter(user=alice).exists()
