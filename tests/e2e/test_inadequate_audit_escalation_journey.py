"""An Inadequate audit grade to a signed-off safeguarding concern in the browser: the auditor
(demo-team-manager) completes an allocated audit from the demo's current cycle with the overall
grade Inadequate and submits it; the concern page proposes a concern and the auditor raises a
safeguarding concern; the district service manager is emailed, takes the steps with the child's
team manager through to sign-off, and the assistant director is emailed. axe-core runs on the
concern page and the escalation page."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from playwright.sync_api import Page, expect

from qaf.accounts.models import Role, User
from qaf.audits.models import Audit, AuditStatus, ConcernDecision
from qaf.escalations.models import (
    Escalation,
    EscalationKind,
    EscalationSource,
    EscalationStatus,
)
from qaf.organisation.models import JobRole, Staff

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in
from .test_audit_cycle_journey import fill_section, no_errors, path
from .test_escalation_journey import take_step

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CONCERN = "Overall Inadequate: no visit for nine weeks and the safety plan is out of date."


def _team_managers(team_id: int | None) -> list[Staff]:
    """The team's current team managers."""
    return list(
        Staff.objects.filter(
            job_role=JobRole.TEAM_MANAGER,
            is_active=True,
            memberships__team_id=team_id,
            memberships__end_date__isnull=True,
        ).order_by("pk")
    )


def _account(staff, role: str, password: str) -> User:
    """The staff member's account in this role with the demo password. Colleagues who sign in
    by single sign-on may have none yet: the account is made as their first sign-in would."""
    user = User.objects.filter(staff=staff, role=role, is_active=True).order_by("pk").first()
    if user is None:
        user = User(username=staff.staff_id.lower(), role=role, staff=staff, email=staff.email)
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    return user


def _audit_to_grade(auditor: User) -> Audit:
    """An audit of the current cycle allocated to the auditor (allocated or in progress) whose
    district has a service manager and whose team has a team manager, so every step is taken by
    the person the workflow names."""
    audits = (
        Audit.objects.filter(
            auditor=auditor.staff,
            status__in=[AuditStatus.ALLOCATED, AuditStatus.IN_PROGRESS],
        )
        .select_related("child", "team__district__service_manager", "cycle")
        .order_by("pk")
    )
    for audit in audits:
        if audit.team.district.service_manager is not None and _team_managers(audit.team_id):
            return audit
    pytest.fail(
        f"no audit allocated to {auditor.username} has a district service manager and a team "
        f"manager: {[(a.pk, a.status) for a in audits]}"
    )


def test_inadequate_audit_raises_a_safeguarding_concern_signed_off_to_the_director(
    page: Page, new_context, site: DemoSite
) -> None:
    auditor_user = User.objects.get(username="demo-team-manager")
    audit = _audit_to_grade(auditor_user)
    child = audit.child
    district = audit.team.district
    director = district.area.assistant_director
    assert director is not None and director.email
    audit_path = f"/audits/{audit.pk}/"

    # The auditor opens the audit, completes the tool, grades the whole audit Inadequate.
    sign_in(page, site, "demo-team-manager")
    page.goto(site.at(audit_path))
    expect(page.locator("h1")).to_have_text(f"Case audit {audit.reference}")
    page.get_by_role("button", name=re.compile(r"(Start|Continue) the audit form")).click()
    task_list = path(page)
    sections = page.locator("a.govuk-task-list__link")
    count = sections.count()
    assert count > 0
    for n in range(count):
        sections.nth(n).click()
        fill_section(page, "requires_improvement")
        assert path(page) == task_list, f"saving section {n + 1} went to {page.url}"
    expect(page.locator(".govuk-task-list__status", has_text="Completed")).to_have_count(count)
    page.get_by_role("link", name="Check your answers and submit").click()
    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    page.locator('input[name="overall_grade"][value="inadequate"]').check()
    page.locator("#id_overall_grade_reason").fill(
        "The child was not seen for nine weeks: the record cannot show the child is safe."
    )
    page.get_by_role("button", name="Submit").click()
    no_errors(page)

    # Submitting the audit sends the auditor to the concern the Inadequate grade proposes.
    page.goto(site.at(audit_path))
    page.get_by_role("link", name="Submit the audit").click()
    expect(page.locator("h1")).to_have_text(f"Submit {audit.reference}?")
    page.get_by_role("button", name="Submit the audit").click()
    expect(page.locator("h1")).to_have_text("An Inadequate grade: raise a concern?")
    assert path(page) == f"{audit_path}concern/"
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Audit submitted")
    expect(page.locator("main ul.govuk-list--bullet")).to_have_text("Overall grade")
    reason = page.get_by_label("Describe the concern")
    expect(reason).to_have_value(re.compile(rf"Case audit {audit.reference} graded"))
    assert_no_axe_violations(page)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert audit.submitted_overall_grade == "inadequate"
    assert not Escalation.objects.filter(child=child).exists()

    # Choosing nothing is an error; then the safeguarding concern is raised.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose whether to raise a concern"
    )
    assert not Escalation.objects.filter(child=child).exists()
    mail.outbox.clear()
    page.get_by_label("Raise a safeguarding concern").check()
    page.get_by_label("Describe the concern").fill(CONCERN)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        re.compile(r"Concern \S+ raised")
    )
    expect(page.locator("h2", has_text="Concern raised")).to_be_visible()
    assert_no_axe_violations(page)

    escalation = Escalation.objects.select_related("district", "team").get(child=child)
    assert escalation.kind == EscalationKind.SAFEGUARDING
    assert escalation.source == EscalationSource.AUDIT
    assert escalation.status == EscalationStatus.RAISED
    assert escalation.reason == CONCERN
    assert escalation.reference_type == ContentType.objects.get_for_model(Audit)
    assert escalation.reference_id == str(audit.pk)
    assert escalation.raised_by == auditor_user
    assert escalation.district == district
    audit.refresh_from_db()
    assert audit.concern_decision == ConcernDecision.RAISED
    service_manager_staff = district.service_manager
    assert service_manager_staff is not None and service_manager_staff.email
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (f"Safeguarding concern {escalation.reference_code} raised", [service_manager_staff.email])
    ]
    assert child.council_child_id in mail.outbox[0].body

    # The district service manager (demo-service-manager only if it is theirs) takes the steps.
    service_manager = _account(service_manager_staff, Role.SERVICE_MANAGER, site.password)
    team_manager = _account(_team_managers(escalation.team_id)[0], Role.TEAM_MANAGER, site.password)
    url = site.at(f"/escalations/{escalation.pk}/")

    manager = new_context().new_page()
    sign_in(manager, site, service_manager.username)
    manager.goto(url)
    expect(manager.locator("h1")).to_have_text(f"Escalation E{escalation.pk}")
    assert_no_axe_violations(manager)
    take_step(manager, url, "Acknowledge", {})
    take_step(
        manager,
        url,
        "Record the discussion and agreed actions",
        {
            "Discussion with the practitioner and team manager": "Met both the day it came in.",
            "Agreed actions": "Visit the child this week\nUpdate the safety plan",
        },
    )

    # The child's team manager confirms the actions are on the file.
    tm = new_context().new_page()
    sign_in(tm, site, team_manager.username)
    take_step(
        tm, url, "Confirm the actions are on the child's file", {"Where on the file": "Case note"}
    )

    # The service manager signs off; the assistant director is told.
    mail.outbox.clear()
    take_step(
        manager,
        url,
        "Record management oversight and sign off",
        {"Management oversight": "Oversight recorded on the child's file."},
    )
    assert_no_axe_violations(manager)

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SIGNED_OFF
    assert list(escalation.steps.values_list("action", "by__username")) == [
        ("raise", auditor_user.username),
        ("acknowledge", service_manager.username),
        ("agree_actions", service_manager.username),
        ("confirm_on_file", team_manager.username),
        ("sign_off", service_manager.username),
    ]
    assert [m.to for m in mail.outbox] == [[director.email]]
    assert mail.outbox[0].subject == f"Actions complete for {escalation.reference_code}"
