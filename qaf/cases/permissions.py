"""Who may use the case register: named permissions (qaf.common.permissions).

Which children a person sees is the scoped selectors' business (cases.selectors); these say
whether the register's pages exist for the person at all.
"""

import rules

from qaf.accounts.permissions import sees_children

# The children's pages. Elected members and partner agency auditors never see a child.
rules.add_perm("cases.view_children", sees_children)
