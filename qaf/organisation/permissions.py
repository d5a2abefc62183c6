"""Who may see teams and manage the council's structure: named permissions
(qaf.common.permissions). Which teams a person sees is the scoped selectors' business."""

import rules

from qaf.accounts.permissions import is_qa_unit, is_signed_in, sees_teams

# The teams pages and API: every account, each seeing the teams in its scope (an empty list for
# those with none).
rules.add_perm("organisation.view_teams", is_signed_in)
# The Teams menu entry: the roles that manage staff (not chairs, partners or elected members).
rules.add_perm("organisation.browse_teams", sees_teams)
# The Organisation page: the council's structure and the HR extract import.
rules.add_perm("organisation.manage_structure", is_qa_unit)
