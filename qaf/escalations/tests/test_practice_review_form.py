"""CP chair and IRO QA forms from the tool library: start, fill through the tool engine's pages,
submit; the overall grade sends an appreciation or raises a practice alert (HTML parsed)."""

import datetime as dt

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail

from qaf.accounts.models import Role
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.escalations.models import (
    Escalation,
    EscalationSource,
    PracticeAppreciation,
    PracticeReview,
)
from qaf.escalations.selectors import practice_review_list_visible
from qaf.escalations.services import practice_review_start, practice_review_submit
from qaf.escalations.tests.conftest import at
from qaf.tools.services import FormIncomplete, form_response_save_section, form_response_set_grade

pytestmark = pytest.mark.django_db

SCALES = ["iro_plan_needs_risks", "iro_actions_timeframe", "iro_plan_smart", "iro_visits"]


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def fill_iro(review, user, point):
    response = review.form
    response = form_response_save_section(
        response=response,
        section_key="iro_review",
        data={"iro_review_timely": "yes", "iro_child_participation": "attended"},
        by=user,
        expected_version=response.row_version,
        complete=True,
    ).response
    response = form_response_save_section(
        response=response,
        section_key="iro_plan",
        data={k: str(point) for k in SCALES},
        by=user,
        expected_version=response.row_version,
        complete=True,
    ).response
    return form_response_save_section(
        response=response,
        section_key="iro_outcome",
        data={"iro_outcome": "practice_alert", "iro_outcome_reason": "No plan for contact"},
        by=user,
        expected_version=response.row_version,
        complete=True,
    ).response


def test_iro_form_graded_inadequate_raises_a_practice_alert(
    council, django_capture_on_commit_callbacks
):
    iro = council.users[Role.IRO]
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        review = practice_review_start(
            child=council.cic_child, by=iro, meeting_date=dt.date(2026, 3, 2), kind="cic_review"
        )
        assert review.is_draft and review.form.tool_version.tool.key == "iro-post-review-qa"
        assert review.form.author == iro and review.form.child == council.cic_child
        with pytest.raises(FormIncomplete, match="The form cannot be submitted yet"):
            practice_review_submit(review=review, by=iro)
        review.refresh_from_db()
        assert review.is_draft and not Escalation.objects.exists()
        response = fill_iro(review, iro, 1)
        form_response_set_grade(
            response=response,
            section_key=None,
            grade="inadequate",
            reason="",
            by=iro,
            expected_version=response.row_version,
        )
        with django_capture_on_commit_callbacks(execute=True):
            review = practice_review_submit(review=review, by=iro)
    assert review.grade == "inadequate" and review.notes == "No plan for contact"
    alert = Escalation.objects.get()
    assert review.alert == alert and alert.source == EscalationSource.IRO
    assert alert.kind == "practice"
    assert len(mail.outbox) == 1 and alert.child.council_child_id in mail.outbox[0].body
    with pytest.raises(IllegalTransition, match="already been recorded"):
        practice_review_submit(review=review, by=iro)


def test_cp_chair_form_graded_outstanding_sends_an_appreciation(council):
    chair = council.users[Role.CP_CHAIR]
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        review = practice_review_start(
            child=council.cp_child, by=chair, meeting_date=dt.date(2026, 3, 2), kind="cp_conference"
        )
    assert review.form.tool_version.tool.key == "cp-chair-post-conference-qa"
    assert review.involvement == council.cp_child.involvements.get()


def test_midway_review_needs_a_plan_and_uses_the_reviewers_form(council):
    iro = council.users[Role.IRO]
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        review = practice_review_start(
            child=council.cic_child, by=iro, meeting_date=dt.date(2026, 3, 1), kind="midway_review"
        )
        assert review.form.tool_version.tool.key == "iro-post-review-qa"
        assert review.involvement is not None
        with pytest.raises(Invalid, match="does not record child protection"):
            practice_review_start(
                child=council.cp_child,
                by=iro,
                meeting_date=dt.date(2026, 3, 2),
                kind="cp_conference",
            )


def test_pages_start_fill_and_submit_an_iro_form(
    council, client_for, django_capture_on_commit_callbacks
):
    client = client_for(Role.IRO)
    page = soup(client.post("/escalations/practice-reviews/new/", {}))
    assert [a["href"] for a in page.select(".govuk-error-summary__list a")] == [
        "#id_child_id",
        "#id_kind_0",
        "#id_meeting_date",
    ]
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        started = client.post(
            "/escalations/practice-reviews/new/",
            {
                "child_id": council.cic_child.council_child_id,
                "kind": "cic_review",
                "meeting_date": "2/3/2026",
            },
        )
        review = PracticeReview.objects.get()
        tasks_url = f"/escalations/practice-reviews/{review.pk}/form/"
        assert started["Location"] == tasks_url
        page = soup(client.get(tasks_url))
        assert page.h1.get_text(strip=True) == "IRO post-review quality assurance"
        links = [a["href"] for a in page.select(".govuk-task-list a")]
        assert links == [f"{tasks_url}{k}/" for k in ("iro_review", "iro_plan", "iro_outcome")]
        # other accounts never reach the draft form
        assert client_for(Role.QA_OFFICER).get(tasks_url).status_code == 404
        assert client_for(Role.CP_CHAIR).get(tasks_url).status_code == 404
        section = soup(client.get(f"{tasks_url}iro_plan/"))
        assert section.select_one("main form")["action"] == f"{tasks_url}iro_plan/"
        version = section.select_one("input[name=row_version]")["value"]
        saved = client.post(
            f"{tasks_url}iro_plan/",
            {**dict.fromkeys(SCALES, "1"), "row_version": version, "action": "continue"},
        )
        assert saved["Location"] == tasks_url
        check = soup(client.post(f"{tasks_url}check/", {"overall_grade": "inadequate"}))
        assert check.select_one(".govuk-error-summary") is not None
        assert f"{tasks_url}iro_review/#id_iro_review_timely" in [
            a["href"] for a in check.select(".govuk-error-summary__list a")
        ]
        assert not Escalation.objects.exists()
        review.refresh_from_db()
        fill_iro(review, council.users[Role.IRO], 1)
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(f"{tasks_url}check/", {"overall_grade": "inadequate"})
        detail = soup(client.get(done["Location"]))
        gone = client.get(tasks_url).status_code
    assert done["Location"] == f"/escalations/practice-reviews/{review.pk}/"
    review.refresh_from_db()
    assert review.grade == "inadequate" and review.alert is not None
    assert detail.select_one(f"a[href='/escalations/{review.alert.pk}/']") is not None
    assert "The care plan" in [h.get_text(strip=True) for h in detail.select("h2")]
    assert gone == 404
    assert not PracticeAppreciation.objects.exists()


def test_reviewers_pick_the_child_from_their_caseload(council, client_for):
    client = client_for(Role.IRO)
    page = soup(client.get("/escalations/practice-reviews/new/"))
    assert page.h1.get_text(strip=True) == "Start a practice review"
    assert page.select_one("label[for=id_child_id]").get_text(strip=True) == "Child"
    options = [o["value"] for o in page.select("#id_child_id option") if o["value"]]
    assert council.cic_child.council_child_id in options
    assert council.cp_child.council_child_id not in options
    page = soup(
        client.post(
            "/escalations/practice-reviews/new/",
            {
                "child_id": council.cp_child.council_child_id,
                "kind": "cic_review",
                "meeting_date": "2/3/2026",
            },
        )
    )
    assert [
        (a["href"], a.get_text(strip=True)) for a in page.select(".govuk-error-summary__list a")
    ] == [("#id_child_id", "Choose a child from your caseload")]
    assert not PracticeReview.objects.exists()
    # the QA unit sees every child: it types the council child ID
    page = soup(client_for(Role.QA_OFFICER).get("/escalations/practice-reviews/new/"))
    assert page.select_one("input#id_child_id") is not None


def test_a_draft_review_is_seen_by_its_reviewer_and_the_qa_unit_only(council):
    iro = council.users[Role.IRO]
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        review = practice_review_start(
            child=council.cic_child, by=iro, meeting_date=dt.date(2026, 3, 2), kind="cic_review"
        )

    def seen_by(role):
        return practice_review_list_visible(user=council.users[role]).filter(pk=review.pk).exists()

    assert (seen_by(Role.IRO), seen_by(Role.QA_OFFICER), seen_by(Role.DIRECTOR)) == (
        True,
        True,
        False,
    )
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        fill_iro(review, iro, 4)
        review.form.refresh_from_db()
        form_response_set_grade(
            response=review.form,
            section_key=None,
            grade="outstanding",
            reason="",
            by=iro,
            expected_version=review.form.row_version,
        )
        review = practice_review_submit(review=review, by=iro)
    assert review.grade == "outstanding" and review.alert is None
    assert PracticeAppreciation.objects.filter(review=review).exists()
    assert seen_by(Role.DIRECTOR) and not seen_by(Role.PRACTITIONER)
    other = practice_review_start(
        child=council.cic_child, by=iro, meeting_date=dt.date(2026, 3, 2), kind="cic_review"
    )
    with pytest.raises(NotAllowed, match="Only the reviewer submits their QA form"):
        practice_review_submit(review=other, by=council.users[Role.QA_OFFICER])


def test_a_form_submitted_on_the_engines_own_pages_still_records_its_outcome(
    council, client_for, django_capture_on_commit_callbacks
):
    iro = council.users[Role.IRO]
    client = client_for(Role.IRO)
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        review = practice_review_start(
            child=council.cic_child, by=iro, meeting_date=dt.date(2026, 3, 2), kind="cic_review"
        )
        fill_iro(review, iro, 1)
        generic = client.post(f"/forms/{review.form_id}/check/", {"overall_grade": "inadequate"})
        assert generic.status_code == 302
        review.refresh_from_db()
        assert review.form.is_submitted and review.is_draft
        url = f"/escalations/practice-reviews/{review.pk}/form/"
        assert client.get(url)["Location"] == f"{url}check/"
        assert client.get(f"{url}iro_plan/").status_code == 404
        page = soup(client.get(f"{url}check/"))
        assert page.h1.get_text(strip=True) == "Record the outcome of your review"
        assert page.select_one("h1 + p strong").get_text(strip=True) == "Inadequate"
        assert client_for(Role.QA_OFFICER).post(f"{url}check/").status_code == 404
        assert not Escalation.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(f"{url}check/")
        assert client.post(f"{url}check/").status_code == 404
    review.refresh_from_db()
    assert done["Location"] == f"/escalations/practice-reviews/{review.pk}/"
    assert review.grade == "inadequate" and review.alert is not None
    assert len(mail.outbox) == 1
