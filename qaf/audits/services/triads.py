"""Triad audits (why auditor and moderator grades differed) and appreciative inquiries (what
went well in an audited team): recorded once each, whatever the double clicks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Invalid, NotAllowed
from qaf.common.permissions import allowed
from qaf.organisation.models import Staff, Team

from ..models import AppreciativeInquiry, Audit, AuditStatus, Cycle, Triad
from ..permissions import may_sit_as_triad_manager, may_sit_as_triad_qa_member
from .common import clean_text, require_qa_unit


@transaction.atomic
def triad_record(
    *,
    cycle: Cycle,
    audits: Sequence[Audit],
    manager_one: Staff,
    manager_two: Staff,
    qa_member: Staff,
    date: dt.date,
    discussion: str,
    variance_reasons: str,
    learning: str,
    by: User,
    idempotency_key: str,
) -> Triad:
    existing = Triad.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    require_qa_unit(by)
    if not audits:
        raise Invalid("Choose at least one moderated audit the triad discussed.")
    if any(a.cycle_id != cycle.pk or a.status != AuditStatus.FINALISED for a in audits):
        raise Invalid("A triad discusses finalised audits of this cycle only.")
    if manager_one.pk == manager_two.pk:
        raise Invalid("Choose two different managers.")
    for m in (manager_one, manager_two):
        if not may_sit_as_triad_manager(m):
            raise Invalid(f"{m} is not a manager: a triad is two managers and a QA member.")
    if not may_sit_as_triad_qa_member(qa_member):
        raise Invalid(f"{qa_member} is not in the QA unit.")
    if date > clock.today():
        raise Invalid("The date of the triad must be today or in the past.")
    values = {
        "discussion": clean_text(discussion, "what the triad discussed"),
        "variance_reasons": clean_text(variance_reasons, "the reasons for the variance"),
        "learning": clean_text(learning, "the learning"),
    }
    try:
        with transaction.atomic():
            triad = Triad.objects.create(
                cycle=cycle,
                manager_one=manager_one,
                manager_two=manager_two,
                qa_member=qa_member,
                date=date,
                created_by=by,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
                **values,
            )
            triad.audits.set(audits)
    except IntegrityError:  # the same form at the same moment (PostgreSQL's unique index)
        return Triad.objects.get(idempotency_key=idempotency_key)
    return triad


@transaction.atomic
def appreciative_inquiry_record(
    *,
    cycle: Cycle,
    team: Team,
    date: dt.date,
    went_well: str,
    made_it_work: str,
    better_next_time: str,
    by: User,
    idempotency_key: str,
) -> AppreciativeInquiry:
    existing = AppreciativeInquiry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if not allowed(by, "audits.record_inquiry", team):
        raise NotAllowed("The QA unit or the team's manager records the appreciative inquiry.")
    if not Audit.objects.filter(cycle=cycle, team=team).exists():
        raise Invalid(f"{team} has no audits in {cycle}.")
    if date > clock.today():
        raise Invalid("The date must be today or in the past.")
    values = {
        "went_well": clean_text(went_well, "what went well"),
        "made_it_work": clean_text(made_it_work, "what made it work"),
        "better_next_time": clean_text(better_next_time, "what could be better next time"),
    }
    try:
        with transaction.atomic():
            return AppreciativeInquiry.objects.create(
                cycle=cycle,
                team=team,
                date=date,
                created_by=by,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
                **values,
            )
    except IntegrityError:  # the same form at the same moment (PostgreSQL's unique index)
        return AppreciativeInquiry.objects.get(idempotency_key=idempotency_key)
