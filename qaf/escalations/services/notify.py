"""The emails an escalation sends: to whom, and what they say. Every email carries the council
child ID and a link, never a child's name; notification_send queues it after commit."""

from collections.abc import Sequence

from django.db.models import Q

from qaf.common import clock
from qaf.common.links import absolute_url
from qaf.common.notifications import notification_send
from qaf.organisation.models import JobRole, Staff

from ..models import Escalation
from ..selectors import qa_copy_list


def emails_of(people: Sequence[Staff | None]) -> list[str]:
    return [p.email for p in people if p is not None and p.email]


def escalation_link(escalation: Escalation) -> str:
    return absolute_url("escalations:detail", escalation.pk)


def deadline_text(escalation: Escalation) -> str:
    return f"the end of {escalation.deadline_on:%A %-d %B %Y}"


def team_managers(team_id: int | None) -> list[Staff]:
    """The team's current team managers."""
    if team_id is None:
        return []
    today = clock.today()
    return list(
        Staff.objects.filter(
            job_role=JobRole.TEAM_MANAGER,
            is_active=True,
            memberships__team_id=team_id,
            memberships__start_date__lte=today,
        )
        .filter(Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        .distinct()
    )


def notify_raised(escalation: Escalation) -> None:
    """The district service manager at once, copying the QA service manager and the principal
    social worker (who receive it when the child has no district)."""
    service_manager = escalation.district.service_manager if escalation.district else None
    copy = qa_copy_list()
    notification_send(
        to=emails_of([service_manager]) or emails_of(copy),
        cc=emails_of(copy),
        subject=f"{escalation.get_kind_display()} {escalation.reference_code} raised",
        body=(
            f"A {escalation.get_kind_display().lower()} has been raised on child "
            f"{escalation.child.council_child_id} ({escalation.get_source_display()}).\n\n"
            f"Please agree actions and sign them off by {deadline_text(escalation)}.\n\n"
            f"{escalation_link(escalation)}\n"
        ),
    )


def notify_actions_agreed(escalation: Escalation) -> None:
    notification_send(
        to=emails_of(team_managers(escalation.team_id)),
        subject=f"Add the agreed actions for {escalation.reference_code} to the child's file",
        body=(
            f"Actions have been agreed for child {escalation.child.council_child_id}. "
            f"Please add them to the child's file and confirm in QAF.\n\n"
            f"{escalation_link(escalation)}\n"
        ),
    )


def notify_signed_off(escalation: Escalation) -> None:
    director = escalation.district.area.assistant_director if escalation.district else None
    service_manager = escalation.district.service_manager if escalation.district else None
    notification_send(
        to=emails_of([director]),
        cc=emails_of([service_manager]),
        subject=f"Actions complete for {escalation.reference_code}",
        body=(
            f"The service manager has signed off the completed actions for the "
            f"{escalation.get_kind_display().lower()} on child "
            f"{escalation.child.council_child_id}.\n\n{escalation_link(escalation)}\n"
        ),
    )


def notify_overdue_to_service_manager(escalation: Escalation) -> None:
    service_manager = escalation.district.service_manager if escalation.district else None
    notification_send(
        to=emails_of([service_manager]) or emails_of(qa_copy_list()),
        subject=f"Overdue: {escalation.reference_code} was due by {deadline_text(escalation)}",
        body=(
            f"The {escalation.get_kind_display().lower()} on child "
            f"{escalation.child.council_child_id} has not been signed off. It was due by "
            f"{deadline_text(escalation)}.\n\n{escalation_link(escalation)}\n"
        ),
    )


def notify_overdue_to_assistant_director(escalation: Escalation) -> None:
    service_manager = escalation.district.service_manager if escalation.district else None
    director = escalation.district.area.assistant_director if escalation.district else None
    notification_send(
        to=emails_of([director]) or emails_of(qa_copy_list()),
        cc=emails_of([service_manager]),
        subject=f"Overdue escalation {escalation.reference_code} in your area",
        body=(
            f"The {escalation.get_kind_display().lower()} on child "
            f"{escalation.child.council_child_id} is more than a working day past its "
            f"deadline ({deadline_text(escalation)}) and has not been signed off.\n\n"
            f"{escalation_link(escalation)}\n"
        ),
    )
