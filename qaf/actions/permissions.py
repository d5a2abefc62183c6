"""Who may do what with actions, action plans and meetings: each rule once, by name (ADR 0004).

Rules are built from the role predicates of qaf/accounts/permissions.py. Asked without a record
(a page's gate), a rule about a record answers for the role: could this person ever do it. Asked
with one (after the scoped lookup), it answers for that record.
"""

from typing import Any

import rules

from qaf.accounts.permissions import (
    has_staff_record,
    is_leader,
    is_manager,
    is_qa_unit,
    sees_children,
)

from .selectors import action_list_visible


def _staff_id(user: Any) -> int | None:
    return getattr(user, "staff_id", None)


@rules.predicate
def owns_action(user: Any, action: Any) -> bool:
    """The action is the person's own: its owner is their staff record."""
    return action is not None and _staff_id(user) is not None and action.owner_id == _staff_id(user)


@rules.predicate
def sees_action(user: Any, action: Any) -> bool:
    """The action is in the person's scope (action_list_visible)."""
    if action is None:
        return True
    return action_list_visible(user=user).filter(pk=action.pk).exists()


@rules.predicate
def is_plan_action(user: Any, action: Any) -> bool:
    return action is None or action.plan_id is not None


@rules.predicate
def owns_the_plan(user: Any, action: Any) -> bool:
    """The person owns the plan the action belongs to."""
    return (
        action is not None
        and action.plan_id is not None
        and _staff_id(user) is not None
        and action.plan.owner_id == _staff_id(user)
    )


# Moving an action on (in progress, done, cancelled): its owner, the QA unit, and managers
# (team manager and above) whose scope holds it.
updates_action = is_qa_unit | owns_action | (is_manager & sees_action)
# Whether a plan action made a difference: the QA unit or the plan's owner, never the person
# who did the action.
checks_effectiveness = is_plan_action & (is_qa_unit | owns_the_plan) & ~owns_action

rules.add_perm("actions.view_actions", sees_children)
rules.add_perm("actions.view_own_supervision_agenda", sees_children & has_staff_record)
rules.add_perm("actions.set_actions", is_manager)
rules.add_perm("actions.update_action", updates_action)
rules.add_perm("actions.check_effectiveness", checks_effectiveness)
rules.add_perm("actions.view_recommendations", is_leader)
rules.add_perm("actions.view_overdue", is_manager)
rules.add_perm("actions.view_plans", is_manager)
rules.add_perm("actions.manage_plans", is_leader)
rules.add_perm("actions.view_meetings", is_manager)
rules.add_perm("actions.record_meetings", is_leader)
