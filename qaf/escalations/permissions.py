"""Who may do what with escalations, second-person requests, practice reviews and closure days:
each rule once, by name (ADR 0004).

Rules are built from the role predicates of qaf/accounts/permissions.py. Asked without a record
(a page's gate, or "does this role ever take this step"), a rule about a record answers for the
role; asked with one (after the scoped lookup), it answers for that record. The workflow's steps
(workflows.py) use these predicates as their `who`.
"""

from typing import Any

import rules

from qaf.accounts.permissions import (
    has_staff_record,
    is_chair,
    is_cp_chair,
    is_escalation_manager,
    is_iro,
    is_partner_auditor,
    is_qa_unit,
    is_service_manager,
    is_signed_in,
    is_team_manager,
    is_whole_council,
    sees_children,
)

from .models import (
    EscalationKind,
    ReviewKind,
    SecondPersonDecision,
)
from .selectors import escalation_list_visible


@rules.predicate
def sees_escalation(user: Any, escalation: Any) -> bool:
    """The escalation is in the person's scope (escalation_list_visible)."""
    if escalation is None:
        return True
    return escalation_list_visible(user=user).filter(pk=escalation.pk).exists()


@rules.predicate
def is_safeguarding(user: Any, escalation: Any) -> bool:
    return escalation is not None and escalation.kind == EscalationKind.SAFEGUARDING


def agreed_by_second_person(request_kind: str) -> rules.Predicate:
    """The person is the second authorised person who approved a request of this kind on the
    escalation: the only way to take a step no one takes alone (workflows.py)."""

    def check(user: Any, escalation: Any) -> bool:
        return escalation is not None and (
            escalation.requests.filter(
                kind=request_kind,
                decision=SecondPersonDecision.APPROVED,
                decided_by_id=getattr(user, "pk", None),
            ).exists()
        )

    return rules.predicate(check, name=f"agreed_by_second_person_{request_kind}")


@rules.predicate
def sees_requests_escalation(user: Any, request: Any) -> bool:
    return request is None or sees_escalation(user, request.escalation)


@rules.predicate
def asked_for_it(user: Any, request: Any) -> bool:
    return request is not None and request.requested_by_id == getattr(user, "pk", None)


@rules.predicate
def records_review_of_kind(user: Any, kind: Any) -> bool:
    """CP chairs record conferences and mid-way reviews, IROs child in care reviews and mid-way
    reviews, the QA unit any (without a kind: any of their own)."""
    if is_qa_unit(user):
        return True
    if is_cp_chair(user):
        return kind is None or kind in {ReviewKind.CP_CONFERENCE, ReviewKind.MIDWAY_REVIEW}
    if is_iro(user):
        return kind is None or kind in {ReviewKind.CIC_REVIEW, ReviewKind.MIDWAY_REVIEW}
    return False


@rules.predicate
def recorded_the_review(user: Any, review: Any) -> bool:
    return review is not None and review.recorded_by_id == getattr(user, "pk", None)


# Acknowledge, agree the actions, sign off: the district's service manager, or the area's
# assistant director covering.
manages_escalation = is_escalation_manager & sees_escalation
confirms_actions_on_file = (is_team_manager | is_service_manager) & sees_escalation
# Close once signed off: the managers above or the QA unit.
ends_escalation = (is_escalation_manager | is_qa_unit) & sees_escalation
# Cancel alone: the same people, and only a practice concern. A safeguarding concern is never
# ended without sign-off by one person: cancelling it, like closing any concern before sign-off,
# takes a second authorised person's agreement (issue 17).
cancels_alone = ends_escalation & ~is_safeguarding
# Who asks for and decides a second-person request (downgrade, close without sign-off, cancel
# a safeguarding concern).
authorises_changes = is_escalation_manager | is_whole_council
asks_second_person = authorises_changes & sees_escalation
decides_second_person = authorises_changes & sees_requests_escalation & ~asked_for_it
records_practice_reviews = (is_chair | is_qa_unit) & has_staff_record

rules.add_perm("escalations.view_escalations", sees_children)
rules.add_perm("escalations.raise_escalation", sees_children)
rules.add_perm("escalations.view_dashboard", is_signed_in & ~is_partner_auditor)
rules.add_perm("escalations.manage_escalation", manages_escalation)
rules.add_perm("escalations.confirm_actions_on_file", confirms_actions_on_file)
rules.add_perm("escalations.end_escalation", ends_escalation)
rules.add_perm("escalations.cancel_alone", cancels_alone)
rules.add_perm("escalations.ask_second_person", asks_second_person)
rules.add_perm("escalations.decide_second_person", decides_second_person)
rules.add_perm("escalations.manage_closure_days", is_qa_unit)
rules.add_perm("escalations.view_practice_reviews", sees_children)
rules.add_perm("escalations.record_practice_reviews", records_practice_reviews)
rules.add_perm(
    "escalations.record_review_of_kind", records_practice_reviews & records_review_of_kind
)
rules.add_perm("escalations.fill_practice_review", recorded_the_review)
