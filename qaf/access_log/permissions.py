"""Who may read the access log: the QA unit only."""

import rules

from qaf.accounts.permissions import is_qa_unit

rules.add_perm("access_log.read_log", is_qa_unit)
