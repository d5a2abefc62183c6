"""A safeguarding concern from raising to sign-off in the browser: the QA officer raises it, the
service manager and team manager take every step, and the assistant director is emailed."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from qaf.accounts.models import User
from qaf.cases.selectors import child_list_visible
from qaf.escalations.models import Escalation, EscalationStatus

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def take_step(page: Page, url: str, link: str, fill: dict[str, str]) -> None:
    page.goto(url)
    page.get_by_role("link", name=link).click()
    expect(page.locator("h1")).to_have_text(link)
    for label, value in fill.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(link)


def test_service_manager_completes_a_safeguarding_escalation(
    page: Page, new_context, site: DemoSite
) -> None:
    team_manager = User.objects.get(username="demo-team-manager")
    child = child_list_visible(user=team_manager).order_by("council_child_id").first()
    director = User.objects.get(username="demo-assistant-director").staff

    sign_in(page, site, "demo-qa-officer")
    page.goto(site.at("/escalations/raise/"))
    page.get_by_label("Council child ID").fill(child.council_child_id)
    page.get_by_label("Safeguarding concern").check()
    page.get_by_label("Where did the concern come from?").select_option(label="Case audit")
    page.get_by_label("Describe the concern").fill("No visit recorded for eight weeks.")
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Escalation E\d+"))
    url = page.url
    assert_no_axe_violations(page)

    manager = new_context().new_page()
    sign_in(manager, site, "demo-service-manager")
    manager.get_by_role("navigation", name="Menu").get_by_role("link", name="Escalations").click()
    expect(manager.locator("h1")).to_have_text("Escalations")
    assert_no_axe_violations(manager)
    take_step(manager, url, "Acknowledge", {})
    take_step(
        manager,
        url,
        "Record the discussion and agreed actions",
        {
            "Discussion with the practitioner and team manager": "Met both on the day.",
            "Agreed actions": "Visit the child this week\nUpdate the safety plan",
        },
    )

    tm = new_context().new_page()
    sign_in(tm, site, "demo-team-manager")
    take_step(
        tm, url, "Confirm the actions are on the child's file", {"Where on the file": "Case note"}
    )

    mail.outbox.clear()
    take_step(
        manager,
        url,
        "Record management oversight and sign off",
        {"Management oversight": "Oversight recorded on the child's file."},
    )
    assert_no_axe_violations(manager)

    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.SIGNED_OFF
    assert [m.to for m in mail.outbox] == [[director.email]]
