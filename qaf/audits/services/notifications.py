"""The emails the audit cycle sends. Each goes through notification_send, which sends after the
caller's transaction commits (nothing is sent for a step that rolls back)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Q
from django.urls import reverse

from qaf.common import clock
from qaf.common.notifications import notification_send
from qaf.organisation.models import JobRole, Staff

from ..models import Audit, AuditStatus, Cycle


def site_url() -> str:
    return getattr(settings, "QAF_SITE_URL", "").rstrip("/")


def audit_link(audit: Audit) -> str:
    return site_url() + reverse("audits:audit_detail", args=[audit.pk])


def staff_email(staff: Staff | None) -> list[str]:
    return [staff.email] if staff is not None and staff.email else []


def team_manager_emails(team_id: int) -> list[str]:
    today = clock.today()
    return list(
        Staff.objects.filter(
            job_role=JobRole.TEAM_MANAGER,
            memberships__team_id=team_id,
            memberships__start_date__lte=today,
        )
        .filter(Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def notify_allocated(cycle: Cycle) -> None:
    """Tell each auditor how many audits they have in the cycle (one email each)."""
    rows = (
        Audit.objects.filter(cycle=cycle, auditor__isnull=False, status=AuditStatus.ALLOCATED)
        .values("auditor__email")
        .annotate(n=Count("pk"), due=Max("due_date"))
        .order_by()
    )
    link = site_url() + reverse("audits:mine")
    for row in rows:
        if row["auditor__email"]:
            notification_send(
                to=[row["auditor__email"]],
                subject=f"Case audits allocated to you: {cycle.name}",
                body=(
                    f"You have {row['n']} case audit(s) to complete in {cycle.name}, the last "
                    f"due on {row['due']:%-d %B %Y}.\n\nSee them at {link}"
                ),
            )


def notify_step(audit: Audit, step: str, reason: str) -> None:
    """Who hears of a step of the audit workflow: a submission goes to the practitioner (and
    their team managers) and the moderator; a return to the auditor; a finalised moderation to
    the district's service manager and the auditor."""
    audit = Audit.objects.select_related(
        "auditor", "moderator", "practitioner", "team__district__service_manager"
    ).get(pk=audit.pk)
    ref = audit.reference
    if step == "submit":
        notification_send(
            to=staff_email(audit.practitioner),
            cc=team_manager_emails(audit.team_id),
            subject=f"Case audit {ref} submitted",
            body=(
                f"The case audit {ref} of a child on your caseload has been submitted by the "
                f"auditor. You can read it and add a reflection at {audit_link(audit)}"
            ),
        )
        notification_send(
            to=staff_email(audit.moderator),
            subject=f"Case audit {ref} is ready for moderation",
            body=f"Moderation is due by {audit.moderation_due_date:%-d %B %Y}: {audit_link(audit)}",
        )
    elif step == "return":
        notification_send(
            to=staff_email(audit.auditor),
            subject=f"Case audit {ref} returned to you",
            body=(
                f"The moderator returned the audit. Their reason:\n\n{reason}\n\n"
                f"{audit_link(audit)}"
            ),
        )
    elif step == "finalise":
        service_manager = audit.team.district.service_manager
        notification_send(
            to=staff_email(service_manager),
            cc=staff_email(audit.auditor),
            subject=f"Case audit {ref} moderated and finalised",
            body=(
                f"The moderation of case audit {ref} is finalised. Outcome: "
                f"{audit.moderation.get_outcome_display()}. The finalised audit (with a PDF for "
                f"the child's record) is at {audit_link(audit)}"
            ),
        )
