"""Who may do what with audit tools and filled forms: the named rules of qaf.tools.

| permission | who | used by |
|---|---|---|
| tools.manage_tools | the QA unit | the Audit tools pages and API: list, upload, preview, export, compare, publish, retire, try; the tool version workflow's steps |
| tools.use_forms | anyone signed in | the form-filling pages (/forms/) and the API of one's own forms (each form is then looked up in the person's scope) |
| tools.read_any_form_response | the QA unit | scoping: whose forms a person may read (everyone reads their own) |
| tools.fill_form_response | the form's author | saving a section, grading and submitting (the form response workflow's steps) |

A form another workflow owns (an audit, a practice review) is filled in by its author through
these rules; who may read it besides is that workflow's business, through its own selectors.
"""

from __future__ import annotations

import rules

from qaf.accounts.permissions import is_qa_unit, is_signed_in

can_manage_tools = is_qa_unit


@rules.predicate
def is_form_author(user: object, response: object) -> bool:
    """The person filling in this form (whoever started it)."""
    author_id = getattr(response, "author_id", None)
    return author_id is not None and author_id == getattr(user, "pk", None)


can_fill_form_response = is_signed_in & is_form_author

rules.add_perm("tools.manage_tools", can_manage_tools)
rules.add_perm("tools.use_forms", is_signed_in)
rules.add_perm("tools.read_any_form_response", is_qa_unit)
rules.add_perm("tools.fill_form_response", can_fill_form_response)
