"""Grade scales are data: a new scale is a new tool version, not a code change.

A tool version with a different scale is uploaded and published through the tools services;
audits completed on it are then counted on that scale by the agreement statistics and by the
audit_good_or_better and moderation_agreement KPIs, while audits on the Ofsted version keep the
Ofsted scale. Nothing in qaf/audits names a grade of the new scale.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sklearn.metrics import cohen_kappa_score

from qaf.accounts.models import Role
from qaf.audits import kpis as audit_kpis
from qaf.audits.agreement import agreement, grade_distance, outcome_for
from qaf.audits.models import Audit, Cycle, Moderation, ModerationStatus, SampledCase
from qaf.audits.models import AuditStatus as S
from qaf.cases.models import CaseEvent, Involvement
from qaf.cases.tests.factories import InvolvementFactory
from qaf.organisation.tests.factories import StaffFactory
from qaf.performance import kpis
from qaf.tools import services as tools

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))

TOOL = """\
key: scaled-audit
title: Scaled audit
version: 1
kind: case_audit
services: all
description: A case audit graded overall.
overall_grade: true
sections:
  - key: only
    title: Only
    questions:
      - {key: notes, label: Notes, type: long_text}
grade_scale:
  key: ofsted
  grades:
    - {value: outstanding, label: Outstanding, good_or_better: true}
    - {value: good, label: Good, good_or_better: true}
    - {value: requires_improvement, label: Requires improvement}
    - {value: inadequate, label: Inadequate}
"""
# Version 2: the council moves to a five-point scale (as a 2027 framework might bring), counting
# the top three as good or better. Only the file changes.
NEW_SCALE = """\
grade_scale:
  key: report_card
  grades:
    - {value: exceptional, label: Exceptional, good_or_better: true}
    - {value: strong, label: Strong standard, good_or_better: true}
    - {value: expected, label: Expected standard, good_or_better: true}
    - {value: needs_attention, label: Needs attention}
    - {value: urgent_improvement, label: Urgent improvement}
"""
V2 = TOOL[: TOOL.index("grade_scale:")].replace("version: 1", "version: 2") + NEW_SCALE


@pytest.fixture
def versions(council):
    qa = council.users[Role.QA_OFFICER]
    v1 = tools.tool_version_publish(version=tools.tool_version_import(yaml_text=TOOL, by=qa), by=qa)
    v2 = tools.tool_version_publish(version=tools.tool_version_import(yaml_text=V2, by=qa), by=qa)
    return v1, v2


@pytest.fixture
def cycle(council):
    return Cycle.objects.create(
        name="Scales cycle",
        template="bi_monthly",
        start_date=dt.date(2025, 1, 1),
        seed=1,
        created_by=council.users[Role.QA_OFFICER],
        created_at=dt.datetime(2025, 1, 1, 9, tzinfo=LONDON),
    )


def audit_on(version, cycle, council, *, grade: str, moderated: str | None = None) -> Audit:
    """A finalised (or submitted) audit of March whose form was started on `version`, straight
    into the tables (the workflow has its own tests)."""
    involvement = InvolvementFactory()
    sampled = SampledCase.objects.create(
        cycle=cycle,
        child=involvement.child,
        involvement=involvement,
        team=involvement.team,
        reason="test",
    )
    form = tools.form_response_start(
        tool_version=version, author=council.users[Role.TEAM_MANAGER], purpose="audit"
    )
    submitted = dt.datetime(2025, 3, 10, 12, tzinfo=LONDON)
    audit = Audit.objects.create(
        cycle=cycle,
        sampled_case=sampled,
        child=involvement.child,
        involvement=involvement,
        team=involvement.team,
        due_date=dt.date(2025, 3, 31),
        moderation_due_date=dt.date(2025, 4, 30),
        status=S.FINALISED if moderated else S.SUBMITTED,
        form=form,
        submitted_at=submitted,
        submitted_overall_grade=grade,
    )
    if moderated:
        Moderation.objects.create(
            audit=audit,
            moderator=StaffFactory(),
            overall_grade=moderated,
            status=ModerationStatus.FINALISED,
            finalised_at=submitted + dt.timedelta(days=5),
            created_at=submitted,
            updated_at=submitted,
        )
    return audit


def march() -> kpis.KpiInput:
    return kpis.KpiInput(CaseEvent.objects.none(), Involvement.objects.none(), (MARCH,))


def counts(result: kpis.Result) -> tuple[int, int]:
    return result.numerator, result.denominator


def test_the_good_or_better_kpi_reads_each_audits_own_scale(council, versions, cycle):
    v1, v2 = versions
    for grade in ("exceptional", "expected", "needs_attention", "urgent_improvement"):
        audit_on(v2, cycle, council, grade=grade)
    audit_on(v1, cycle, council, grade="good")
    audit_on(v1, cycle, council, grade="inadequate")
    # v2: exceptional and expected count (2 of 4); v1: good counts (1 of 2).
    assert counts(audit_kpis.audit_good_or_better(march())[0]) == (3, 6)


def test_the_moderator_is_counted_on_the_new_scale_too(council, versions, cycle):
    v1, v2 = versions
    audit_on(v2, cycle, council, grade="expected", moderated="needs_attention")  # now not good
    audit_on(v2, cycle, council, grade="needs_attention", moderated="strong")  # now good
    audit_on(v1, cycle, council, grade="good", moderated="good")
    assert counts(audit_kpis.audit_good_or_better(march())[0]) == (2, 3)
    assert counts(audit_kpis.moderation_agreement(march())[0]) == (1, 3)


def test_moderation_agreement_counts_pairs_on_their_own_scale(council, versions, cycle):
    v1, v2 = versions
    audit_on(v2, cycle, council, grade="exceptional", moderated="exceptional")
    audit_on(v2, cycle, council, grade="expected", moderated="strong")
    audit_on(v1, cycle, council, grade="good", moderated="good")
    audit_on(v1, cycle, council, grade="good", moderated="strong")  # not on v1's scale: left out
    assert counts(audit_kpis.moderation_agreement(march())[0]) == (2, 3)


def test_kappa_distance_and_outcome_follow_the_version_scale(versions):
    _, v2 = versions
    scale = v2.definition.grade_scale
    assert scale is not None
    pairs = [
        ("exceptional", "exceptional"),
        ("strong", "expected"),
        ("expected", "expected"),
        ("needs_attention", "urgent_improvement"),
        ("urgent_improvement", "needs_attention"),
        ("strong", "strong"),
        ("expected", "needs_attention"),
    ]
    result = agreement(pairs, scale=scale)
    expected = cohen_kappa_score(
        [a for a, _ in pairs], [b for _, b in pairs], labels=list(scale.values), weights="linear"
    )
    assert result.pairs == 7 and result.agreed == 3
    assert result.kappa == pytest.approx(expected)
    assert grade_distance("exceptional", "urgent_improvement", scale=scale) == 4
    assert outcome_for(auditor_grade="expected", moderator_grade="strong", scale=scale) == (
        "upgraded"
    )
    assert outcome_for(auditor_grade="strong", moderator_grade="needs_attention", scale=scale) == (
        "downgraded"
    )
