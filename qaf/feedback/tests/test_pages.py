"""Feedback pages: the public survey (tokens, abuse, safety), and every staff view escaping
free text. Pages are parsed; nothing here asserts on raw substrings of HTML."""

import csv
import io
import re
import secrets

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client

from qaf.accounts.models import Role
from qaf.feedback import services
from qaf.feedback.models import ComplaintEntry, FeedbackResponse, SafetyAlert, SubmissionEvent
from qaf.feedback.tests.factories import (
    CHILD_7_11_ANSWERS,
    PARENT_ANSWERS,
    open_link,
    post_data,
    request_for,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<div hx-get="/feedback/analysis/export.csv" hx-trigger="load">x</div>',
]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def assert_no_injection(page: BeautifulSoup) -> None:
    main = page.find("main")
    assert main is not None
    assert main.find("script") is None
    assert main.find("img") is None
    for tag in main.find_all(True):
        for attr in tag.attrs:
            assert not attr.startswith(("on", "hx-")), (tag.name, attr)
        assert not str(tag.get("href", "")).startswith("javascript:")


# Tokens -------------------------------------------------------------------------------------


def test_unknown_used_and_expired_links_answer_the_same(council):
    qa = council.users[Role.QA_OFFICER]
    _request, token = request_for(qa, audience="parent_carer", child=council.own_child)
    client = Client()
    assert client.get(f"/f/{token}/").status_code == 200
    guesses = [client.get(f"/f/{secrets.token_urlsafe(32)}/") for _ in range(5)]
    assert (
        client.post(f"/f/{token}/", post_data(PARENT_ANSWERS, anonymity="anonymous")).status_code
        == 200
    )
    replay_get = client.get(f"/f/{token}/")
    replay_post = client.post(f"/f/{token}/", post_data(PARENT_ANSWERS, anonymity="anonymous"))
    # The same page byte for byte, apart from the per-response CSP nonce.
    bodies = {
        re.sub(rb'nonce="[^"]*"', b"", r.content) for r in [*guesses, replay_get, replay_post]
    }
    assert {r.status_code for r in [*guesses, replay_get, replay_post]} == {404}
    assert len(bodies) == 1
    assert soup(replay_get).h1.get_text(strip=True) == "This link does not work"
    assert FeedbackResponse.objects.count() == 1


def test_a_retried_submission_shows_the_confirmation_again_and_stores_once(council):
    _request, token = request_for(
        council.users[Role.QA_OFFICER], audience="parent_carer", child=council.own_child
    )
    data = post_data(PARENT_ANSWERS, anonymity="named")
    client = Client()
    first = client.post(f"/f/{token}/", data)
    again = client.post(f"/f/{token}/", data)
    assert first.status_code == again.status_code == 200
    assert soup(again).h1.get_text(strip=True) == "Thank you"
    assert FeedbackResponse.objects.get().child == council.own_child


def test_the_public_page_has_no_staff_navigation_even_when_signed_in(council, client_for):
    _, token = open_link(council.users[Role.QA_OFFICER])
    page = soup(client_for(Role.QA_OFFICER).get(f"/f/{token}/"))
    assert page.find(id="navigation") is None
    assert page.find(id="qaf-timeout-warning") is None
    assert page.h1.get_text(strip=True) == "Tell us what you think (ages 7 to 11)"


def test_the_childrens_picture_scale_always_has_text_labels(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    page = soup(Client().get(f"/f/{token}/"))
    legend = page.find("legend", string=lambda s: s and "How did it feel talking" in s)
    fieldset = legend.find_parent("fieldset")
    labels = [label.get_text(" ", strip=True) for label in fieldset.find_all("label")]
    assert labels == ["Really not good", "Not good", "OK", "Good", "Really good"]
    for svg in fieldset.find_all("svg"):
        assert svg["aria-hidden"] == "true"
    honeypot = page.find("input", attrs={"name": "website"})
    assert honeypot.find_parent(attrs={"hidden": True}) is not None


# Errors -------------------------------------------------------------------------------------


def test_missing_answers_are_listed_in_the_error_summary(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    response = Client().post(f"/f/{token}/", post_data({}))
    page = soup(response)
    links = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert "Select an answer for “Do you feel safe?”" in links
    assert page.title.get_text().startswith("Error:")
    assert FeedbackResponse.objects.count() == 0


def test_nul_bytes_are_refused_with_a_clear_message(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    response = Client().post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "a\x00b"})
    )
    assert response.status_code == 200
    errors = [a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary a")]
    assert errors == [
        "Tell us in your own words has a hidden “null” character that cannot be saved. "
        "Delete it and try again"
    ]
    assert FeedbackResponse.objects.count() == 0


def test_lone_surrogates_in_the_body_are_refused_cleanly(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    fields = post_data(CHILD_7_11_ANSWERS)
    body = "&".join(f"{k}={v}" for k, v in fields.items()) + "&own_words=%ED%A0%80"
    response = Client().post(f"/f/{token}/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    errors = [a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary a")]
    assert errors == ["Your answers had a broken character we cannot save. Please type them again."]
    assert FeedbackResponse.objects.count() == 0


def test_a_10_mb_body_is_refused(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    response = Client().post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "x" * (10 * 1024 * 1024)})
    )
    assert response.status_code in (400, 413)
    assert FeedbackResponse.objects.count() == 0


def test_an_over_long_answer_is_refused(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    response = Client().post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "x" * 5001})
    )
    errors = [a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary a")]
    assert errors == ["“Tell us in your own words” must be 5,000 characters or fewer"]


# Open links: abuse --------------------------------------------------------------------------


def test_a_burst_of_1000_submissions_is_mostly_refused_and_another_client_is_unaffected(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    codes = [
        attacker.post(f"/f/{token}/", post_data(CHILD_7_11_ANSWERS)).status_code
        for _ in range(1000)
    ]
    assert codes.count(200) == services.CLIENT_LIMIT
    assert codes.count(429) == 1000 - services.CLIENT_LIMIT
    refused = attacker.post(f"/f/{token}/", post_data(CHILD_7_11_ANSWERS))
    assert soup(refused).h1.get_text(strip=True) == "Please wait a few minutes"
    visitor = Client(REMOTE_ADDR="198.51.100.20")
    ok = visitor.post(f"/f/{token}/", post_data(CHILD_7_11_ANSWERS))
    assert ok.status_code == 200 and soup(ok).h1.get_text(strip=True) == "Thank you"
    assert FeedbackResponse.objects.count() == services.CLIENT_LIMIT + 1


def test_a_filled_honeypot_looks_accepted_but_is_discarded(council):
    _, token = open_link(council.users[Role.QA_OFFICER])
    response = Client().post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "feel_safe": "no"}, website="http://spam")
    )
    assert response.status_code == 200
    assert soup(response).h1.get_text(strip=True) == "Thank you"
    assert FeedbackResponse.objects.count() == 0 and SafetyAlert.objects.count() == 0
    assert SubmissionEvent.objects.count() == 1


# The safety trigger on the page -------------------------------------------------------------


def test_not_feeling_safe_on_an_open_link_tells_the_child_who_to_contact_and_alerts_once(
    council, django_capture_on_commit_callbacks, settings
):
    settings.QAF_DUTY_INBOX_EMAIL = "duty@council.example"
    settings.QAF_CHILDRENS_FRONT_DOOR_PHONE = "01632 960 000"
    _, token = open_link(council.users[Role.QA_OFFICER])
    data = post_data({**CHILD_7_11_ANSWERS, "feel_safe": "no"})
    client = Client()
    for _ in range(3):  # the child presses the button again, or the browser retries
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/f/{token}/", data)
    page = soup(response)
    assert page.find("h2", id="get-help").get_text(strip=True) == "Who you can talk to now"
    help_text = page.find("h2", id="get-help").find_next("ul").get_text(" ", strip=True)
    for number in ("999", "0800 1111", "01632 960 000"):
        assert number in help_text
    assert SafetyAlert.objects.count() == 1
    assert len([m for m in mail.outbox if m.to == ["duty@council.example"]]) == 1


# Staff views escape everything --------------------------------------------------------------


def _hostile_data(council):
    qa = council.users[Role.QA_OFFICER]
    link, token = open_link(qa, title=HOSTILE[1])
    client = Client()
    for text in HOSTILE:
        client.post(f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": text}))
    request, rtoken = request_for(qa, audience="partner", recipient=HOSTILE[0])
    client.post(
        f"/f/{rtoken}/",
        post_data(
            {
                "pa_agency": "health",
                "pa_contact": 2,
                "pa_decisions": 2,
                "pa_plans": 2,
                "pa_strengths": HOSTILE[2],
                "pa_improve": HOSTILE[3],
            }
        ),
    )
    services.complaint_create(
        by=qa,
        kind="complaint",
        received_on=__import__("datetime").date(2026, 1, 5),
        service=None,
        team=None,
        category="delay",
        summary=HOSTILE[3],
        outcome="",
        learning=HOSTILE[0],
        responded_on=None,
    )
    return link, request


def test_every_staff_view_escapes_hostile_free_text(council, client_for):
    link, request = _hostile_data(council)
    assert FeedbackResponse.objects.count() == 5
    qa = client_for(Role.QA_OFFICER)
    urls = [
        "/feedback/",
        "/feedback/responses/",
        "/feedback/analysis/",
        "/feedback/analysis/?text=script",
        "/feedback/duty-inbox/",
        "/feedback/complaints/",
        f"/feedback/open-links/{link.pk}/",
        f"/feedback/open-links/{link.pk}/print/",
        "/feedback/open-links/",
        f"/feedback/requests/{request.pk}/",
    ]
    urls += [f"/feedback/responses/{r.pk}/" for r in FeedbackResponse.objects.all()]
    urls += [f"/feedback/complaints/{c.pk}/" for c in ComplaintEntry.objects.all()]
    urls += [f"/feedback/duty-inbox/{a.pk}/" for a in SafetyAlert.objects.all()]
    for url in urls:
        response = qa.get(url)
        assert response.status_code == 200, url
        assert_no_injection(soup(response))


def test_childrens_words_are_shown_as_quotations_exactly(council, client_for):
    _, token = open_link(council.users[Role.QA_OFFICER])
    words = "I like my worker \u202eevil\u202c 👩🏽‍👧  <b>really</b>"
    Client().post(f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": words}))
    response = FeedbackResponse.objects.get()
    page = soup(client_for(Role.QA_OFFICER).get(f"/feedback/responses/{response.pk}/"))
    quote = page.find("blockquote", class_="qaf-quote")
    assert quote.get_text() == words
    assert quote.find("b") is None


def test_the_csv_exports_escape_formulas_and_keep_the_words(council, client_for):
    _hostile_data(council)
    _, token = open_link(council.users[Role.QA_OFFICER], title="Second")
    Client().post(f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "=HYPERLINK(1)"}))
    qa = client_for(Role.QA_OFFICER)
    rows = list(csv.reader(io.StringIO(qa.get("/feedback/analysis/export.csv").content.decode())))
    answers = [row[8] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in answers and "=HYPERLINK(1)" not in answers
    assert HOSTILE[0] in answers and HOSTILE[3] in answers
    rows = list(csv.reader(io.StringIO(qa.get("/feedback/complaints/export.csv").content.decode())))
    assert rows[1][6] == HOSTILE[3] and rows[1][8] == HOSTILE[0]


# Staff pages work -----------------------------------------------------------------------------


def test_a_practitioner_creates_a_request_and_sees_the_link_and_qr_once(council, client_for):
    client = client_for(Role.PRACTITIONER)
    page = soup(client.get("/feedback/requests/new/"))
    assert page.h1.get_text(strip=True) == "Ask for feedback"
    response = client.post(
        "/feedback/requests/new/",
        {"audience": "parent_carer", "child_id": council.own_child.council_child_id},
    )
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Feedback link created"
    assert page.find("svg", attrs={"aria-label": "QR code for the survey link"}) is not None
    url = page.find("code").get_text(strip=True)
    assert council.own_child.council_child_id not in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert Client().get(f"/f/{token}/").status_code == 200


def test_a_request_for_a_child_outside_the_caseload_is_refused(council, client_for):
    response = client_for(Role.PRACTITIONER).post(
        "/feedback/requests/new/",
        {"audience": "parent_carer", "child_id": council.team_child.council_child_id},
    )
    errors = [a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary a")]
    assert errors == ["No child in your caseload has that ID"]


def test_staff_enter_a_paper_form(council, client_for):
    client = client_for(Role.QA_OFFICER)
    url = "/feedback/enter/?audience=parent_carer&mode=paper_transcribed"
    assert soup(client.get(url)).h1.get_text(strip=True) == "Parent or carer"
    data = post_data(
        PARENT_ANSWERS,
        **{"entry-child_id": council.own_child.council_child_id, "entry-consent_to_link": "on"},
    )
    response = client.post(url, data)
    assert response.status_code == 302
    saved = FeedbackResponse.objects.get()
    assert saved.mode == "paper_transcribed" and saved.child == council.own_child
    assert saved.entered_by == council.users[Role.QA_OFFICER]


def test_the_analysis_shows_rates_and_filters_comments(council, client_for):
    qa = council.users[Role.QA_OFFICER]
    request_for(qa, audience="partner")
    _, token = open_link(qa)
    Client().post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "The youth club is great"})
    )
    Client(REMOTE_ADDR="10.0.0.2").post(
        f"/f/{token}/", post_data({**CHILD_7_11_ANSWERS, "own_words": "Too far away"})
    )
    page = soup(client_for(Role.QA_OFFICER).get("/feedback/analysis/?text=great"))
    captions = [c.get_text(strip=True) for c in page.find_all("caption")]
    assert captions == ["Response rates", "Ratings"]
    quotes = [q.get_text() for q in page.find_all("blockquote")]
    assert quotes == ["The youth club is great"]
    bad = soup(client_for(Role.QA_OFFICER).get("/feedback/analysis/?date_from=31/02/2026"))
    errors = [a.get_text(strip=True) for a in bad.select(".govuk-error-summary a")]
    assert errors == ["Enter the start date as dd/mm/yyyy, for example 01/04/2026"]


def test_the_qa_unit_records_a_complaint(council, client_for):
    client = client_for(Role.QA_OFFICER)
    response = client.post(
        "/feedback/complaints/new/",
        {
            "kind": "complaint",
            "received_on": "02/03/2026",
            "category": "delay",
            "summary": "Waited weeks for a call back",
            "team": council.home_team.pk,
        },
    )
    assert response.status_code == 302
    page = soup(client.get(response["Location"]))
    rows = {
        dt.get_text(strip=True): dd.get_text(strip=True)
        for dt, dd in zip(page.select("dt"), page.select("dd"), strict=True)
    }
    assert rows["Response due"] == "16 March 2026"
    assert rows["Within timescale"] == "Not responded yet"
