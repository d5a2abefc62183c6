"""The navigation's permissions for apps that have not named their own yet.

Navigation asks every entry's permission by name (qaf.web.navigation). Entries for apps with
their own permissions module (cases, organisation, feedback, performance, audits) use those; these
"web." ones stand in for the apps another change converts, each written exactly as the menu
decided before, and can move to their app's permissions.py (named in the comment) then.
"""

import rules

from qaf.accounts.permissions import is_elected_member, is_qa_unit, sees_children

# Escalations (escalations): the list for those who see children, the figures for members.
rules.add_perm("web.see_escalations_menu", sees_children)
rules.add_perm("web.see_escalation_figures_menu", is_elected_member)
# Your actions (actions).
rules.add_perm("web.see_actions_menu", sees_children)
# Case data imports (cases: case_data).
rules.add_perm("web.see_case_data_menu", is_qa_unit)
# Audit tools (tools).
rules.add_perm("web.see_audit_tools_menu", is_qa_unit)
# Access log (access_log).
rules.add_perm("web.see_access_log_menu", is_qa_unit)
