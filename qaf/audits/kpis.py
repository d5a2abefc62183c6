"""The audit cycle's measures on the KPI scorecard (group "Quality assurance"), registered by
``AuditsConfig.ready`` through ``qaf.performance.kpis.register_kpi``. docs/kpis.md defines them.

Each answers every window of the ``KpiInput`` with ONE aggregate query (grouped by day, or by day
and grade: few distinct rows) and adds the days up per window in Python, like the case-register
KPIs. Dates are the council's local dates (Europe/London): a timestamp is counted on the day it
falls in London, not in UTC.

Scope, the same narrowing the scorecard applies to case events:
- ``team_ids``: the audit's team (the team of the audited involvement when the cycle was drawn);
- ``staff_id``: audits of that worker's cases (``Audit.practitioner``, the allocated worker when
  the cycle was committed);
- ``reviewer_id``: audits of children whose involvement the CP chair or IRO reviews.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, F, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from qaf.cases.models import Involvement
from qaf.common import clock
from qaf.performance.kpis import (
    Kpi,
    KpiInput,
    Result,
    Window,
    register_kpi,
    result_pct,
    sum_by_window,
    windows_span,
)
from qaf.tools.definition import GradeScale
from qaf.tools.selectors import grade_scales_by_version

from .agreement import agreement, shipped_case_audit_scale
from .models import Audit, AuditStatus, ModerationStatus

GROUP = "Quality assurance"
# Submitted and not returned: the auditor's work is done (a returned audit is complete again
# only when it is resubmitted, and ``submitted_at`` is then the resubmission).
COMPLETE = (AuditStatus.SUBMITTED, AuditStatus.IN_MODERATION, AuditStatus.FINALISED)


def scoped_audits(inp: KpiInput) -> QuerySet[Audit]:
    """Audits the KPI input covers, without cancelled ones (nothing is due from them)."""
    audits = Audit.objects.exclude(status=AuditStatus.CANCELLED)
    if inp.team_ids is not None:
        audits = audits.filter(team_id__in=inp.team_ids)
    if inp.staff_id is not None:
        audits = audits.filter(practitioner_id=inp.staff_id)
    if inp.reviewer_id is not None:
        reviewed = Involvement.objects.filter(independent_reviewer_id=inp.reviewer_id)
        audits = audits.filter(child__in=reviewed.values("child"))
    return audits


def _local_bounds(windows: tuple[Window, ...]) -> tuple[dt.datetime, dt.datetime]:
    """From local midnight on the first day to local midnight after the last (exclusive)."""
    first, last = windows_span(windows)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)),
    )


def _scales(version_ids: set[int | None]) -> dict[int | None, GradeScale | None]:
    """The grade scale of each audit's pinned tool version (the version its form was started
    on); an audit without a form, which the product never grades, is read on the shipped case
    audit's scale."""
    pinned = grade_scales_by_version(version_ids={v for v in version_ids if v is not None})
    scales: dict[int | None, GradeScale | None] = {None: shipped_case_audit_scale()}
    scales.update(pinned.items())
    return scales


def audit_completion(inp: KpiInput) -> list[Result]:
    """Audits due in the window (``due_date``) submitted on or before their due date (the local
    date of ``submitted_at``, status submitted, in moderation or finalised) / audits due in the
    window whose outcome is known: submitted, or not submitted and the due date has passed. An
    audit due today or later that is not yet submitted is not counted yet (it cannot be late);
    cancelled audits are never counted."""
    first, last = windows_span(inp.windows)
    today = clock.today()
    complete = Q(status__in=COMPLETE)
    rows = (
        scoped_audits(inp)
        .filter(due_date__gte=first, due_date__lte=last)
        .alias(done_on=TruncDate("submitted_at"))
        .order_by()
        .values("due_date")
        .annotate(
            known=Count("pk", filter=complete | Q(due_date__lt=today)),
            on_time=Count("pk", filter=complete & Q(done_on__lte=F("due_date"))),
        )
    )
    per_day = {r["due_date"]: (r["on_time"], r["known"]) for r in rows}
    return sum_by_window(per_day, inp.windows)


def audit_good_or_better(inp: KpiInput) -> list[Result]:
    """Audits submitted in the window (local date of ``submitted_at``; submitted, in moderation
    or finalised) whose final overall grade counts as good or better / those with an overall
    grade on their scale. The scale, and which of its grades count as good or better, are those
    of the audit's own tool version (its ``grade_scale``: Outstanding and Good on Ofsted's); an
    audit whose scale marks none is not counted. The final grade is the moderator's once the
    moderation is finalised, else the auditor's (``submitted_overall_grade``)."""
    start, stop = _local_bounds(inp.windows)
    rows = (
        scoped_audits(inp)
        .filter(status__in=COMPLETE, submitted_at__gte=start, submitted_at__lt=stop)
        .annotate(
            day=TruncDate("submitted_at"),
            grade=Case(
                When(
                    moderation__status=ModerationStatus.FINALISED,
                    then=F("moderation__overall_grade"),
                ),
                default=F("submitted_overall_grade"),
            ),
        )
        .order_by()
        .values("day", "form__tool_version", "grade")
        .annotate(n=Count("pk"))
    )
    scales = _scales({row["form__tool_version"] for row in rows})
    per_day: dict[dt.date, tuple[int, int]] = {}
    for row in rows:
        scale = scales.get(row["form__tool_version"])
        if scale is None or not scale.good_or_better or row["grade"] not in scale:
            continue
        good, graded = per_day.get(row["day"], (0, 0))
        per_day[row["day"]] = (
            good + (row["n"] if row["grade"] in scale.good_or_better else 0),
            graded + row["n"],
        )
    return sum_by_window(per_day, inp.windows)


def moderation_agreement(inp: KpiInput) -> list[Result]:
    """Audits whose moderation was finalised in the window (local date of the moderation's
    ``finalised_at``) where the moderator's overall grade equals the auditor's / those audits.
    Agreement is counted by ``agreement.agreement`` on the (auditor, moderator) overall-grade
    pairs, on the grade scale of each audit's own tool version (pairs outside it dropped)."""
    start, stop = _local_bounds(inp.windows)
    rows = (
        scoped_audits(inp)
        .filter(
            moderation__status=ModerationStatus.FINALISED,
            moderation__finalised_at__gte=start,
            moderation__finalised_at__lt=stop,
        )
        .annotate(day=TruncDate("moderation__finalised_at"))
        .order_by()
        .values("day", "form__tool_version", "submitted_overall_grade", "moderation__overall_grade")
        .annotate(n=Count("pk"))
    )
    scales = _scales({row["form__tool_version"] for row in rows})
    # day -> scale -> pairs: agreement is counted within one scale at a time
    pairs_by_day: dict[dt.date, dict[GradeScale, list[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        scale = scales.get(row["form__tool_version"])
        if scale is None:
            continue
        pair = (row["submitted_overall_grade"], row["moderation__overall_grade"])
        pairs_by_day[row["day"]][scale].extend([pair] * row["n"])
    out = []
    for first, last in inp.windows:
        by_scale: dict[GradeScale, list[tuple[str, str]]] = defaultdict(list)
        for day, groups in pairs_by_day.items():
            if first <= day <= last:
                for scale, pairs in groups.items():
                    by_scale[scale].extend(pairs)
        agreed = counted = 0
        for scale, pairs in by_scale.items():
            result = agreement(pairs, scale=scale, resamples=0)  # the share agreed alone
            agreed, counted = agreed + result.agreed, counted + result.pairs
        out.append(result_pct(agreed, counted))
    return out


KPIS = (
    Kpi(
        "audit_completion",
        "Case audits submitted by their due date",
        "%",
        True,
        audit_completion,
        default_target=90.0,
        group=GROUP,
    ),
    Kpi(
        "audit_good_or_better",
        "Case audits graded Good or Outstanding",
        "%",
        True,
        audit_good_or_better,
        default_target=None,
        group=GROUP,
    ),
    Kpi(
        "moderation_agreement",
        "Moderated audits where the moderator agreed the overall grade",
        "%",
        True,
        moderation_agreement,
        default_target=80.0,
        group=GROUP,
    ),
)


def register() -> None:
    """Put the audit measures on the scorecard (called from AuditsConfig.ready)."""
    for kpi in KPIS:
        register_kpi(kpi)
