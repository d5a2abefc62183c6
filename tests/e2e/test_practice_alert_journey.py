"""A practice alert from an IRO form in the browser: the demo IRO completes the IRO post-review
QA form for a child in care they review, grades the practice Inadequate and submits; a practice
alert (an escalation) is raised and the district service manager is emailed."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from qaf.accounts.models import User
from qaf.cases.models import InvolvementKind
from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.escalations.models import EscalationKind, EscalationSource, PracticeReview

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

SCALES = [
    "The plan reflects the child's needs and risks",
    "Actions are within the child's timeframe",
    "The plan is SMART: specific, measurable, achievable, relevant and time-bound",
    "The child has been visited as their plan requires",
]


def choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def open_section(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.locator("h1")).to_contain_text(title)
    assert_no_axe_violations(page)


def save(page: Page, title: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"“{title}” completed"
    )


def test_iro_form_graded_inadequate_raises_a_practice_alert(page: Page, site: DemoSite) -> None:
    iro = User.objects.get(username="demo-iro")
    today = clock.today()
    child = (
        child_list_visible(user=iro)
        .filter(
            involvements__kind=InvolvementKind.CHILD_IN_CARE,
            involvements__start_date__lte=today,
            involvements__end_date__isnull=True,
        )
        .order_by("council_child_id")
        .first()
    )
    assert child is not None, "the demo IRO reviews no child in care"

    sign_in(page, site, "demo-iro")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Escalations").click()
    page.get_by_role("link", name="CP chair and IRO practice reviews").click()
    expect(page.locator("h1")).to_have_text("Practice reviews")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Start a practice review").click()
    expect(page.locator("h1")).to_have_text("Start a practice review")
    assert_no_axe_violations(page)
    page.get_by_label("Child", exact=True).select_option(child.council_child_id)
    page.get_by_label("Child in care review").check()
    page.get_by_label("Date of the meeting").fill(f"{today:%-d/%-m/%Y}")
    page.get_by_role("button", name="Start the QA form").click()

    expect(page.locator("h1")).to_have_text("IRO post-review quality assurance")
    tasks = page.url
    assert_no_axe_violations(page)

    open_section(page, "The review")
    choose(page, "Was the review held on time?", "Yes")
    choose(page, "How did the child take part?", "Attended")
    save(page, "The review")

    open_section(page, "The care plan")
    for question in SCALES:
        choose(page, question, "1 \u2013 Not evident")
    save(page, "The care plan")

    open_section(page, "Outcome")
    choose(
        page,
        "Does this review lead to a practice appreciation or a practice alert?",
        "A practice alert: inadequate practice to escalate",
    )
    page.get_by_label("What did you see, and who should hear about it?").fill(
        "The plan has no contact arrangements and visits are overdue."
    )
    save(page, "Outcome")

    assert page.url == tasks
    page.get_by_role("link", name="Check your answers and submit").click()
    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    assert_no_axe_violations(page)
    mail.outbox.clear()
    page.get_by_role("group", name=re.compile("overall grade", re.I)).get_by_label(
        "Inadequate", exact=True
    ).check()
    page.get_by_role("button", name="Submit").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "a practice alert has been raised"
    )
    expect(page.locator("h1")).to_have_text("Child in care review practice review")
    assert_no_axe_violations(page)

    review = PracticeReview.objects.get(form__author=iro)
    assert review.grade == "inadequate"
    alert = review.alert
    assert alert is not None and alert.practice_review == review
    assert (alert.kind, alert.source, alert.child_id) == (
        EscalationKind.PRACTICE,
        EscalationSource.IRO,
        child.pk,
    )
    assert "visits are overdue" in alert.reason
    assert alert.district is not None and alert.district.service_manager is not None
    assert alert.district.service_manager.email in [addr for m in mail.outbox for addr in m.to]

    page.get_by_role("link", name=re.compile(r"escalation E\d+")).click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Escalation E\d+"))
    assert_no_axe_violations(page)
