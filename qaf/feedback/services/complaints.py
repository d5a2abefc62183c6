"""The complaints and compliments log (the QA unit's), with the stage 1 response deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from qaf.accounts.models import User
from qaf.calendar import add_working_days
from qaf.common import clock
from qaf.common.errors import NotAllowed
from qaf.common.permissions import allowed
from qaf.escalations.selectors import closure_days

from ..models import MAX_TEXT, ComplaintEntry, FeedbackKind
from .checks import SubmissionInvalid, text_problem

COMPLAINT_TEXT_FIELDS = ("summary", "learning")


def complaint_due_on(*, received_on: dt.date) -> dt.date:
    """Stage 1: a response within the council's timescale (QAF_COMPLAINT_STAGE1_WORKING_DAYS,
    10 working days by default) after the day received."""
    return add_working_days(
        received_on, settings.QAF_COMPLAINT_STAGE1_WORKING_DAYS, closures=closure_days()
    )


def _complaint_check(values: dict[str, Any]) -> dict[str, Any]:
    errors = {}
    for name in COMPLAINT_TEXT_FIELDS:
        value = values.get(name) or ""
        problem = text_problem(value)
        if problem:
            errors[name] = f"The {name} {problem}"
        elif len(value) > MAX_TEXT:
            errors[name] = f"The {name} must be {MAX_TEXT:,} characters or fewer"
    if not (values.get("summary") or "").strip():
        errors["summary"] = "Enter a summary"
    received = values.get("received_on")
    if received is not None and received > clock.today():
        errors["received_on"] = "The date received must be today or in the past"
    responded = values.get("responded_on")
    if responded is not None and received is not None and responded < received:
        errors["responded_on"] = "The date responded must be on or after the date received"
    if responded is not None and responded > clock.today():
        errors["responded_on"] = "The date responded must be today or in the past"
    if errors:
        raise SubmissionInvalid(errors)
    return values


@transaction.atomic
def complaint_create(*, by: User, **values: Any) -> ComplaintEntry:
    if not allowed(by, "feedback.keep_complaints_log"):
        raise NotAllowed("Only the QA unit keeps the complaints log.")
    _complaint_check(values)
    entry = ComplaintEntry(recorded_by=by, recorded_at=clock.now(), **values)
    if entry.team is not None and entry.service is None:
        entry.service = entry.team.service
    if entry.kind == FeedbackKind.COMPLAINT and entry.response_due_on is None:
        entry.response_due_on = complaint_due_on(received_on=entry.received_on)
    entry.save()
    return entry


@transaction.atomic
def complaint_update(*, entry: ComplaintEntry, by: User, **values: Any) -> ComplaintEntry:
    if not allowed(by, "feedback.keep_complaints_log"):
        raise NotAllowed("Only the QA unit keeps the complaints log.")
    merged = {"received_on": entry.received_on, "summary": entry.summary, **values}
    _complaint_check(merged)
    locked = ComplaintEntry.objects.select_for_update().get(pk=entry.pk)
    for name, value in values.items():
        setattr(locked, name, value)
    if locked.team is not None and locked.service is None:
        locked.service = locked.team.service
    if locked.kind == FeedbackKind.COMPLAINT and locked.response_due_on is None:
        locked.response_due_on = complaint_due_on(received_on=locked.received_on)
    locked.save()
    return locked
