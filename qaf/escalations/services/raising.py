"""Raising a concern: routed from the child's open involvement, with its deadline, and the
district service manager told at once."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q

from qaf.accounts.models import User
from qaf.cases.models import Child, Involvement
from qaf.common import clock
from qaf.common.errors import Invalid, NotAllowed
from qaf.common.permissions import allowed

from ..models import (
    Escalation,
    EscalationKind,
    EscalationSource,
    EscalationStatus,
    EscalationStep,
    PracticeGrade,
)
from .deadlines import escalation_deadline
from .notify import notify_raised

MAX_REASON = 5000


def _reference_fields(reference: models.Model | None) -> dict[str, Any]:
    if reference is None:
        return {"reference_type": None, "reference_id": ""}
    if reference.pk is None:
        raise Invalid("The reference must be saved before an escalation can point to it.")
    return {
        "reference_type": ContentType.objects.get_for_model(reference),
        "reference_id": str(reference.pk),
    }


def _open_involvement(child: Child) -> Involvement | None:
    today = clock.today()
    return (
        child.involvements.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("team__district")
        .order_by("-start_date", "-pk")
        .first()
    )


def _validate_raise(kind: str, source: str, reason: str) -> str:
    if kind not in EscalationKind.values:
        raise Invalid("Choose whether this is a safeguarding concern or a practice concern.")
    if source not in EscalationSource.values:
        raise Invalid(f"Unknown source of concern: {source!r}")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Describe the concern.")
    if len(reason) > MAX_REASON:
        raise Invalid(f"The description of the concern must be {MAX_REASON} characters or fewer.")
    return reason


@transaction.atomic
def escalation_raise(
    *,
    child: Child,
    kind: str,
    raised_by: User | None,
    source: str,
    reason: str,
    reference: models.Model | None = None,
) -> Escalation:
    """Raise a concern on a child's case and notify the district service manager at once,
    copying the QA service manager and the principal social worker. An escalation is always
    raised by someone: with no account (None) it is refused, like an account that sees no
    child, and the caller routes the concern elsewhere (feedback's duty inbox)."""
    reason = _validate_raise(kind, source, reason)
    if raised_by is None or not allowed(raised_by, "escalations.raise_escalation"):
        raise NotAllowed("This account cannot raise concerns about a child.")
    now = clock.now()
    deadline_on, deadline_at = escalation_deadline(kind=kind, raised_at=now)
    involvement = _open_involvement(child)
    escalation = Escalation.objects.create(
        child=child,
        kind=kind,
        source=source,
        reason=reason,
        district=involvement.team.district if involvement else None,
        team=involvement.team if involvement else None,
        practitioner=involvement.allocated_worker if involvement else None,
        raised_by=raised_by,
        raised_at=now,
        deadline_on=deadline_on,
        deadline_at=deadline_at,
        **_reference_fields(reference),
    )
    EscalationStep.objects.create(
        escalation=escalation,
        action="raise",
        from_status="",
        to_status=EscalationStatus.RAISED,
        by=raised_by,
        at=now,
        note=reason,
    )
    notify_raised(escalation)
    return escalation


@dataclass(frozen=True)
class EscalationProposal:
    """An escalation an Inadequate grade proposes: not saved until the auditor confirms."""

    child: Child
    kind: str
    source: str
    reason: str
    raised_by: User
    reference: models.Model | None
    deadline_on: dt.date

    def confirm(self) -> Escalation:
        return escalation_raise(
            child=self.child,
            kind=self.kind,
            raised_by=self.raised_by,
            source=self.source,
            reason=self.reason,
            reference=self.reference,
        )


def escalation_propose_for_grade(
    *,
    child: Child,
    grade: str,
    raised_by: User,
    source: str,
    reason: str,
    kind: str = EscalationKind.PRACTICE,
    reference: models.Model | None = None,
) -> EscalationProposal | None:
    """An Inadequate grade proposes an escalation (unsaved); any other grade proposes none."""
    if grade not in PracticeGrade.values:
        raise Invalid(f"Unknown grade: {grade!r}")
    if grade != PracticeGrade.INADEQUATE:
        return None
    reason = _validate_raise(kind, source, reason)
    deadline_on, _ = escalation_deadline(kind=kind, raised_at=clock.now())
    return EscalationProposal(
        child=child,
        kind=kind,
        source=source,
        reason=reason,
        raised_by=raised_by,
        reference=reference,
        deadline_on=deadline_on,
    )
