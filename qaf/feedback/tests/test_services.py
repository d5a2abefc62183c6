"""Feedback services: tokens, single use, consent, the safety trigger, rate limits, complaints."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from qaf.accounts.models import Role
from qaf.cases.tests.factories import ChildFactory, InvolvementFactory
from qaf.common.errors import IllegalTransition, Invalid, NotAllowed, NotFound, RateLimited
from qaf.escalations.models import Escalation, EscalationKind, EscalationSource
from qaf.feedback import services
from qaf.feedback.forms import new_submission_key
from qaf.feedback.models import (
    AlertRoute,
    Anonymity,
    Audience,
    ComplaintEntry,
    FeedbackKind,
    FeedbackResponse,
    Mode,
    SafetyAlert,
)
from qaf.feedback.tests.factories import CHILD_7_11_ANSWERS, PARENT_ANSWERS, open_link, request_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def _child_aged(council, years: int):
    child = ChildFactory(date_of_birth=dt.date(2026 - years, 1, 1))
    InvolvementFactory(
        child=child,
        team=council.home_team,
        allocated_worker=council.users[Role.PRACTITIONER].staff,
    )
    return child


# Tokens ------------------------------------------------------------------------------------


def test_a_token_has_at_least_128_bits_and_only_its_hash_is_stored(council):
    request, token = request_for(
        council.users[Role.QA_OFFICER], audience=Audience.PARTNER, recipient="School DSL"
    )
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert request.token_hash == services.token_hash(token) != token
    assert token not in str(request.__dict__)
    assert services.link_find(token=token) == request


def test_unknown_expired_and_used_links_are_all_none(council):
    qa = council.users[Role.QA_OFFICER]
    request, token = request_for(qa, audience=Audience.PARTNER)
    assert services.link_find(token="x" * 43) is None
    assert services.link_find(token="") is None
    assert services.link_find(token="y" * 5000) is None
    with time_machine.travel(request.expires_at + dt.timedelta(seconds=1)):
        assert services.link_find(token=token) is None
    services.feedback_response_submit(
        target=request,
        answers={"pa_agency": "health", "pa_contact": 3, "pa_decisions": 2, "pa_plans": 4},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    assert services.link_find(token=token) is None


def test_age_band_is_chosen_from_the_date_of_birth(council):
    with time_machine.travel(NOW):
        for age, audience in [
            (7, "child_7_11"),
            (10, "child_7_11"),
            (11, "child_11_16"),
            (15, "child_11_16"),
            (16, "young_person_16_21"),
            (21, "young_person_16_21"),
        ]:
            assert services.audience_for_child(child=_child_aged(council, age)) == audience
        for age, message in ((5, "The child is 5: the children's surveys start at age 7"),
                             (22, "The young person is 22: the surveys go up to age 21")):  # fmt: skip
            with pytest.raises(Invalid, match=message):
                services.audience_for_child(child=_child_aged(council, age))
        with pytest.raises(Invalid, match="date of birth is not recorded"):
            services.audience_for_child(child=ChildFactory(date_of_birth=None))


def test_a_practitioner_asks_only_about_their_own_cases(council):
    practitioner = council.users[Role.PRACTITIONER]
    with time_machine.travel(NOW):
        own = _child_aged(council, 9)
        request, _ = request_for(practitioner, audience="child", child=own)
        assert request.audience == Audience.CHILD_7_11
        assert request.team == council.home_team
        # A child out of the practitioner's scope is not found, never "not allowed".
        with pytest.raises(NotFound, match="children in your caseload"):
            request_for(practitioner, audience=Audience.PARENT_CARER, child=council.team_child)
        with pytest.raises(NotAllowed, match="Only the QA unit sends staff surveys"):
            request_for(practitioner, audience=Audience.STAFF)
    with pytest.raises(NotAllowed, match="Only practitioners and the QA unit create"):
        request_for(council.users[Role.TEAM_MANAGER], audience=Audience.PARTNER)


def test_a_request_can_be_emailed_after_commit(council, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.feedback_request_create(
            by=council.users[Role.QA_OFFICER], audience=Audience.PARTNER, email="dsl@school.example"
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dsl@school.example"]
    assert made.url in mail.outbox[0].body
    with pytest.raises(Invalid, match="email address"):
        services.feedback_request_create(
            by=council.users[Role.QA_OFFICER], audience=Audience.PARTNER, email="not an email"
        )


# Responses and consent ---------------------------------------------------------------------


def test_a_response_is_linked_to_the_child_only_with_consent(council):
    qa = council.users[Role.QA_OFFICER]
    request, _ = request_for(qa, audience=Audience.PARENT_CARER, child=council.own_child)
    done = services.feedback_response_submit(
        target=request,
        answers=PARENT_ANSWERS,
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=True,
        submission_key=new_submission_key(),
    )
    assert done.response.child is None and not done.response.consent_to_link
    assert done.response.consent_to_quote
    request2, _ = request_for(qa, audience=Audience.PARENT_CARER, child=council.own_child)
    done2 = services.feedback_response_submit(
        target=request2,
        answers=PARENT_ANSWERS,
        anonymity=Anonymity.NAMED,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    assert done2.response.child == council.own_child and done2.response.consent_to_link
    request2.refresh_from_db()
    assert request2.used_at is not None


def test_a_second_submission_on_a_used_link_is_refused_and_changes_nothing(council):
    request, _ = request_for(
        council.users[Role.QA_OFFICER], audience=Audience.PARENT_CARER, child=council.own_child
    )
    services.feedback_response_submit(
        target=request,
        answers=PARENT_ANSWERS,
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    with pytest.raises(IllegalTransition, match="This survey link is answered"):
        services.feedback_response_submit(
            target=request,
            answers=PARENT_ANSWERS,
            anonymity=Anonymity.ANONYMOUS,
            consent_to_quote=False,
            submission_key=new_submission_key(),
        )
    assert FeedbackResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("a\x00b", "null"), ("a\ud800b", "broken character"), ("x" * 5001, "5,000 characters")],
)
def test_bad_text_is_refused_with_a_clear_message(council, text, message):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    with pytest.raises(services.SubmissionInvalid, match=message) as e:
        services.feedback_response_submit(
            target=link,
            answers={**CHILD_7_11_ANSWERS, "own_words": text},
            anonymity=Anonymity.ANONYMOUS,
            consent_to_quote=False,
            submission_key=new_submission_key(),
        )
    assert set(e.value.errors) == {"own_words"}
    assert FeedbackResponse.objects.count() == 0


def test_unusual_text_is_stored_exactly_as_typed(council):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    text = "  \u202eevil\u202c zero\u200bwidth, e\u0301, 👩🏽‍👧 and trailing space  \n"
    done = services.feedback_response_submit(
        target=link,
        answers={**CHILD_7_11_ANSWERS, "own_words": text},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    done.response.refresh_from_db()
    assert done.response.answers["own_words"] == text


def test_missing_and_unknown_answers_are_refused(council):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    with pytest.raises(
        services.SubmissionInvalid, match="Select an answer for “Do you feel safe"
    ) as e:
        services.feedback_response_submit(
            target=link,
            answers={"c7_comfortable": 9},
            anonymity=Anonymity.ANONYMOUS,
            consent_to_quote=False,
            submission_key=new_submission_key(),
        )
    assert "c7_comfortable" in e.value.errors and "feel_safe" in e.value.errors
    with pytest.raises(services.SubmissionInvalid, match="not in this survey"):
        services.feedback_response_submit(
            target=link,
            answers={**CHILD_7_11_ANSWERS, "surprise": "x"},
            anonymity=Anonymity.ANONYMOUS,
            consent_to_quote=False,
            submission_key=new_submission_key(),
        )


# The safety trigger -------------------------------------------------------------------------


def test_not_feeling_safe_on_an_open_link_alerts_the_duty_inbox_exactly_once(
    council, django_capture_on_commit_callbacks, settings
):
    settings.QAF_DUTY_INBOX_EMAIL = "duty@council.example"
    link, _ = open_link(council.users[Role.QA_OFFICER])
    key = new_submission_key()
    for _attempt in range(3):  # the same submission, retried
        with django_capture_on_commit_callbacks(execute=True):
            done = services.feedback_response_submit(
                target=link,
                answers={**CHILD_7_11_ANSWERS, "feel_safe": "no"},
                anonymity=Anonymity.ANONYMOUS,
                consent_to_quote=False,
                submission_key=key,
            )
    assert FeedbackResponse.objects.count() == 1
    alert = SafetyAlert.objects.get()
    assert alert.route == AlertRoute.DUTY_INBOX and alert.escalation is None
    assert done.alert == alert
    duty = [m for m in mail.outbox if m.to == ["duty@council.example"]]
    assert len(duty) == 1
    assert alert.reference_code in duty[0].subject


def test_safety_check_twice_on_one_response_raises_one_alert(council):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    done = services.feedback_response_submit(
        target=link,
        answers={**CHILD_7_11_ANSWERS, "own_words": "he hits me"},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    again, _ = services.safety_check(response=done.response, raised_by=None)
    assert again == done.alert and SafetyAlert.objects.count() == 1
    assert done.alert.reasons == ["Wrote a word or phrase on the safety list: “hits me”"]


def test_a_linked_child_raises_a_safeguarding_escalation_to_the_team(
    council, django_capture_on_commit_callbacks
):
    practitioner = council.users[Role.PRACTITIONER]
    with time_machine.travel(NOW):
        child = _child_aged(council, 9)
        request, _ = request_for(practitioner, audience="child", child=child)
        with django_capture_on_commit_callbacks(execute=True):
            done = services.feedback_response_submit(
                target=request,
                answers={**CHILD_7_11_ANSWERS, "feel_safe": "sometimes"},
                anonymity=Anonymity.NAMED,
                consent_to_quote=False,
                submission_key=new_submission_key(),
            )
    escalation = Escalation.objects.get()
    assert escalation.child == child and escalation.kind == EscalationKind.SAFEGUARDING
    assert escalation.source == EscalationSource.FEEDBACK and escalation.team == council.home_team
    assert done.alert.route == AlertRoute.TEAM and done.alert.escalation == escalation
    assert any(m.to == ["qa-duty@example.invalid"] for m in mail.outbox)


def test_an_anonymous_child_with_a_request_goes_to_the_duty_inbox_not_the_case(council):
    with time_machine.travel(NOW):
        child = _child_aged(council, 12)
        request, _ = request_for(council.users[Role.PRACTITIONER], audience="child", child=child)
        answers = {
            "c11_space": 3,
            "c11_voice": 3,
            "c11_audience": 3,
            "c11_influence": 3,
            "feel_safe": "no",
            "c11_overall": 2,
        }
        done = services.feedback_response_submit(
            target=request,
            answers=answers,
            anonymity=Anonymity.ANONYMOUS,
            consent_to_quote=False,
            submission_key=new_submission_key(),
        )
    assert done.alert.route == AlertRoute.DUTY_INBOX
    assert Escalation.objects.count() == 0


def test_staff_and_partner_answers_never_trigger(council):
    request, _ = request_for(council.users[Role.QA_OFFICER], audience=Audience.PARTNER)
    done = services.feedback_response_submit(
        target=request,
        answers={
            "pa_agency": "police",
            "pa_contact": 1,
            "pa_decisions": 1,
            "pa_plans": 1,
            "pa_improve": "a child told us he hits me",
        },
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    assert done.alert is None


def test_acknowledging_an_alert(council):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    done = services.feedback_response_submit(
        target=link,
        answers={**CHILD_7_11_ANSWERS, "feel_safe": "no"},
        anonymity=Anonymity.ANONYMOUS,
        consent_to_quote=False,
        submission_key=new_submission_key(),
    )
    with pytest.raises(NotAllowed, match="You cannot “acknowledge the alert” on this alert"):
        services.safety_alert_acknowledge(
            alert=done.alert, by=council.users[Role.DIRECTOR], action_taken="x"
        )
    with pytest.raises(Invalid, match="Enter the action taken"):
        services.safety_alert_acknowledge(
            alert=done.alert, by=council.users[Role.QA_OFFICER], action_taken="  "
        )
    alert = services.safety_alert_acknowledge(
        alert=done.alert, by=council.users[Role.QA_OFFICER], action_taken="Poster site visited"
    )
    assert alert.acknowledged_at is not None
    with pytest.raises(IllegalTransition, match="This alert is acknowledged"):
        services.safety_alert_acknowledge(
            alert=alert, by=council.users[Role.QA_OFFICER], action_taken="again"
        )


# Staff entry -------------------------------------------------------------------------------


def test_staff_enter_a_telephone_survey_marked_as_such(council):
    qa = council.users[Role.QA_OFFICER]
    done = services.feedback_response_enter(
        by=qa,
        audience=Audience.PARENT_CARER,
        mode=Mode.TELEPHONE,
        answers=PARENT_ANSWERS,
        child=council.own_child,
        consent_to_link=True,
        consent_to_quote=True,
        team=None,
        submission_key=new_submission_key(),
    )
    assert done.response.mode == Mode.TELEPHONE and done.response.entered_by == qa
    assert done.response.child == council.own_child
    with pytest.raises(services.SubmissionInvalid, match="Choose how the feedback was given"):
        services.feedback_response_enter(
            by=qa,
            audience=Audience.PARENT_CARER,
            mode=Mode.ONLINE,
            answers=PARENT_ANSWERS,
            child=None,
            consent_to_link=False,
            consent_to_quote=True,
            team=None,
            submission_key=new_submission_key(),
        )
    with pytest.raises(NotFound, match="children you can see"):
        services.feedback_response_enter(
            by=council.users[Role.PRACTITIONER],
            audience=Audience.PARENT_CARER,
            mode=Mode.PAPER,
            answers=PARENT_ANSWERS,
            child=council.far_child,
            consent_to_link=True,
            consent_to_quote=True,
            team=None,
            submission_key=new_submission_key(),
        )


# Rate limits -------------------------------------------------------------------------------


def admitted(link, client: str) -> bool:
    try:
        services.open_link_admit(link=link, client=client)
    except RateLimited as refusal:
        assert "Wait a few minutes" in str(refusal)
        return False
    return True


def test_rate_limit_per_client_and_per_link(council):
    link, _ = open_link(council.users[Role.QA_OFFICER])
    with time_machine.travel(NOW, tick=False) as traveller:
        results = [admitted(link, "a") for _ in range(15)]
        assert results == [True] * 10 + [False] * 5
        assert admitted(link, "b")
        traveller.shift(dt.timedelta(minutes=10, seconds=1))
        assert admitted(link, "a")
    other, _ = open_link(council.users[Role.QA_OFFICER], title="Leaflet")
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        count = sum(admitted(other, f"client-{i}") for i in range(210))
    assert count == services.LINK_LIMIT


# Complaints --------------------------------------------------------------------------------


def test_a_complaint_is_due_in_ten_working_days_and_timescale_is_worked_out(council):
    qa = council.users[Role.QA_OFFICER]
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)):
        entry = services.complaint_create(
            by=qa,
            kind=FeedbackKind.COMPLAINT,
            received_on=dt.date(2026, 3, 30),
            service=None,
            team=council.home_team,
            category="delay",
            summary="Late reply",
            outcome="",
            learning="",
            responded_on=None,
        )
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank holidays.
    assert entry.response_due_on == dt.date(2026, 4, 15)
    assert entry.service == council.home_team.service
    assert entry.within_timescale is None
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC)):
        entry = services.complaint_update(entry=entry, by=qa, responded_on=dt.date(2026, 4, 16))
    assert entry.within_timescale is False
    compliment = services.complaint_create(
        by=qa,
        kind=FeedbackKind.COMPLIMENT,
        received_on=dt.date(2026, 3, 2),
        service=None,
        team=None,
        category="service_quality",
        summary="Thank you",
        outcome="",
        learning="",
        responded_on=None,
    )
    assert compliment.response_due_on is None and compliment.within_timescale is None


def test_complaint_problems_are_refused(council):
    qa = council.users[Role.QA_OFFICER]
    with time_machine.travel(NOW), pytest.raises(services.SubmissionInvalid, match="summary") as e:
        services.complaint_create(
            by=qa,
            kind=FeedbackKind.COMPLAINT,
            received_on=dt.date(2026, 4, 1),
            service=None,
            team=None,
            category="delay",
            summary="a\x00",
            outcome="",
            learning="",
            responded_on=dt.date(2026, 3, 1),
        )
    assert set(e.value.errors) == {"summary", "received_on", "responded_on"}
    assert ComplaintEntry.objects.count() == 0
    with pytest.raises(NotAllowed, match="Only the QA unit keeps the complaints log"):
        services.complaint_create(by=council.users[Role.DIRECTOR], kind="complaint")
