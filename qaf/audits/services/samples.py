"""The sample of a cycle in planning: its rule, the draw, and cases added, removed or exempted by
hand with their reasons (CYCLE_WORKFLOW's "change_sample", SAMPLE_WORKFLOW)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from qaf.accounts.models import User
from qaf.cases.models import Child
from qaf.common import clock
from qaf.common.errors import IllegalTransition, Invalid

from .. import selectors
from ..models import IN_SAMPLE, Cycle, SampledCase, SampleStatus
from ..sampling import STRATUM_FIELDS, Criterion, SampleRule, draw_sample
from ..workflows import CYCLE_WORKFLOW, SAMPLE_WORKFLOW
from .common import MAX_REASON, clean_text, lock_cycle


def sample_rule_from_json(*, data: Mapping[str, Any], seed: int) -> SampleRule:
    """Build (and so validate) a SampleRule from its stored JSON. Bad rules raise Invalid."""
    try:
        criteria = tuple(
            Criterion(field=str(c["field"]), value=str(c["value"]))
            for c in data.get("include_criteria", [])
        )
        for c in criteria:
            if c.field not in STRATUM_FIELDS:
                raise ValueError(
                    f"A line of inquiry can match {', '.join(STRATUM_FIELDS)}, not {c.field!r}"
                )
        return SampleRule(
            seed=seed,
            per_stratum_quota=data.get("per_stratum_quota"),
            percentage=data.get("percentage"),
            strata=tuple(data.get("strata") or ("team",)),
            active_within_days=data.get("active_within_days"),
            exclude_audited_within_months=data.get("exclude_audited_within_months"),
            include_vulnerability_register=bool(data.get("include_vulnerability_register")),
            include_criteria=criteria,
            services=tuple(data.get("services") or ()),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise Invalid(str(exc)) from exc


@transaction.atomic
def cycle_update_rule(
    *,
    cycle: Cycle,
    rule: Mapping[str, Any],
    seed: int,
    exclude_own_district: bool,
    by: User,
    expected_version: int,
) -> Cycle:
    locked = lock_cycle(cycle, expected_version)
    CYCLE_WORKFLOW.check(locked, "change_sample", by=by)
    sample_rule_from_json(data=rule, seed=seed)
    locked.sample_rule = dict(rule)
    locked.seed = seed
    locked.exclude_own_district = exclude_own_district
    locked.row_version += 1
    locked.save()
    return locked


@dataclass
class DrawSummary:
    proposed: int
    excluded: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def cycle_draw_sample(*, cycle: Cycle, by: User) -> DrawSummary:
    """(Re)draw the proposed sample from the stored rule and seed. Cases added, removed or
    exempted by hand keep their decision."""
    locked = lock_cycle(cycle)
    CYCLE_WORKFLOW.check(locked, "change_sample", by=by)
    rule = sample_rule_from_json(data=locked.sample_rule, seed=locked.seed)
    candidates = selectors.candidate_list(
        today=locked.start_date, active_within_days=rule.active_within_days
    )
    result = draw_sample(candidates=candidates, rule=rule, today=locked.start_date)
    SampledCase.objects.filter(cycle=locked, status=SampleStatus.PROPOSED).delete()
    decided = set(SampledCase.objects.filter(cycle=locked).values_list("involvement_id", flat=True))
    SampledCase.objects.bulk_create(
        SampledCase(
            cycle=locked,
            child_id=s.candidate.child_id,
            involvement_id=s.candidate.involvement_id,
            team_id=s.candidate.team_id,
            reason=s.reason[:300],
        )
        for s in result.selections
        if s.candidate.involvement_id not in decided
    )
    locked.row_version += 1
    locked.save(update_fields=["row_version"])
    return DrawSummary(proposed=len(result.selections), excluded=result.excluded)


@transaction.atomic
def sampled_case_add(*, cycle: Cycle, council_child_id: str, reason: str, by: User) -> SampledCase:
    """Add a child's open case to the sample by hand, with the reason; a case removed or
    exempted before is added back."""
    locked_cycle = lock_cycle(cycle)
    wanted = council_child_id.strip()
    child = Child.objects.filter(council_child_id=wanted).first()
    if child is None:
        raise Invalid(f"There is no child with council child ID {wanted}.")
    involvement = selectors.open_involvement(child_id=child.pk, on=locked_cycle.start_date)
    if involvement is None:
        raise Invalid(f"Child {child.council_child_id} has no open involvement to audit.")
    existing = (
        SampledCase.objects.select_for_update()
        .filter(cycle=locked_cycle, involvement=involvement)
        .first()
    )
    if existing is not None:
        if existing.status in IN_SAMPLE:
            raise IllegalTransition(f"Child {child.council_child_id} is already in the sample.")
        SAMPLE_WORKFLOW.check(existing, "add", by=by, reason=reason)
    CYCLE_WORKFLOW.check(locked_cycle, "change_sample", by=by)
    reason = clean_text(reason, "the reason for adding the case", limit=MAX_REASON)
    values = {
        "child": child,
        "team": involvement.team,
        "reason": "Added by hand",
        "status_reason": reason,
        "decided_by": by,
        "decided_at": clock.now(),
    }
    if existing is None:
        return SampledCase.objects.create(
            cycle=locked_cycle, involvement=involvement, status=SampleStatus.ADDED, **values
        )
    SAMPLE_WORKFLOW.move(existing, "add", by=by, reason=reason)
    for key, value in values.items():
        setattr(existing, key, value)
    existing.save()
    return existing


DECISION_STEPS: dict[str, str] = {SampleStatus.REMOVED: "remove", SampleStatus.EXEMPTED: "exempt"}


@transaction.atomic
def sampled_case_decide(
    *, sampled_case: SampledCase, decision: str, reason: str, by: User
) -> SampledCase:
    """Remove a case from the sample, or approve an exemption, with the reason."""
    step = DECISION_STEPS.get(decision)
    if step is None:
        raise Invalid("Choose whether to remove the case or approve an exemption.")
    locked_cycle = lock_cycle(sampled_case.cycle)
    locked = SampledCase.objects.select_for_update().get(pk=sampled_case.pk)
    SAMPLE_WORKFLOW.check(locked, step, by=by, reason=reason)
    CYCLE_WORKFLOW.check(locked_cycle, "change_sample", by=by)
    SAMPLE_WORKFLOW.move(locked, step, by=by, reason=reason)
    locked.status_reason = reason.strip()
    locked.decided_by = by
    locked.decided_at = clock.now()
    locked.save()
    return locked
