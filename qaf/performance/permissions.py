"""Who sees the KPI scorecard, and how much of it: named permissions (qaf.common.permissions).
Which part of the council's figures a person sees is the scoped selectors' business."""

import rules

from qaf.accounts.permissions import (
    is_elected_member,
    is_partner_auditor,
    is_qa_unit,
    is_signed_in,
)

# Partner agency auditors take part in multi-agency audits only: no scorecard.
views_scorecard = is_signed_in & ~is_partner_auditor

rules.add_perm("performance.view_scorecard", views_scorecard)
# Elected members see the county's totals only: never narrowed to a part of the council.
rules.add_perm("performance.view_county_totals_only", is_elected_member)
# The caseload-by-team table (teams and allocated workers): not for elected members.
rules.add_perm("performance.view_team_caseloads", views_scorecard & ~is_elected_member)
# The QA unit loads the England and statistical-neighbour figures.
rules.add_perm("performance.import_benchmarks", is_qa_unit)
