"""An audit cycle from planning to the PDF in the browser: the QA officer plans a one-off dip
sample, previews the sample and commits it (which allocates); the allocated auditor completes the
tool and submits; the moderator records the meeting, downgrades one section with a reason and
finalises; the service manager is emailed and the finalised audit downloads as a PDF holding the
grades and the reason. axe-core runs on each kind of page on the way."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from qaf.accounts.models import User
from qaf.audits.models import Audit, AuditStatus, Cycle, Moderation
from qaf.common import clock
from qaf.organisation.models import Service
from qaf.tools.models import ToolVersion, VersionStatus

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CYCLE = "Autumn dip sample (browser journey)"
TOOL = "universal-case-audit"
REASON = "No chronology on the file: the assessment cannot show how risk was weighed."


def path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def no_errors(page: Page) -> None:
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 0, f"{page.url} shows errors: {summary.first.inner_text()}"


def _answer_visible(page: Page, grade: str) -> None:
    main = page.locator("main form")
    radios = main.locator('input[type="radio"]:visible')
    for name in dict.fromkeys(radios.evaluate_all("els => els.map(e => e.name)")):
        group = main.locator(f'input[type="radio"][name="{name}"]')
        if group.evaluate_all("els => els.some(e => e.checked)"):
            continue
        if name == "qaf_section_grade":
            group.locator(f'xpath=self::*[@value="{grade}"]').check()
        else:
            group.first.check()
    boxes = main.locator('input[type="checkbox"]:visible')
    for name in dict.fromkeys(boxes.evaluate_all("els => els.map(e => e.name)")):
        group = main.locator(f'input[type="checkbox"][name="{name}"]')
        if not group.evaluate_all("els => els.some(e => e.checked)"):
            group.first.check()
    for field in main.locator("textarea:visible").all():
        if not field.input_value():
            field.fill("Seen on the file: visits, plans and the child's own words.")
    for field in main.locator('input[type="number"]:visible').all():
        if not field.input_value():
            field.fill("3")
    for field in main.locator('input[type="text"]:visible').all():
        if field.input_value():
            continue
        part = re.search(r"_([012])$", field.get_attribute("id") or "")
        # A GOV.UK date input is three boxes: day, month, year.
        field.fill(["2", "6", "2025"][int(part.group(1))] if part else "Seen on the file")


class _NothingChanged(Exception):
    pass


FORM_VALUES = "f => new URLSearchParams(new FormData(f)).toString()"


def _answer_and_wait_for_autosave(page: Page, grade: str) -> None:
    """Answer what is visible; if that changed the form, wait for the autosave's answer (it
    fires 800 ms after the last change), so the next save carries the current version."""
    form = page.locator("main form[hx-post]")
    if form.count() == 0:  # a page without autosave
        _answer_visible(page, grade)
        return
    before = form.evaluate(FORM_VALUES)
    try:
        with page.expect_response(lambda r: "/autosave/" in r.url):
            _answer_visible(page, grade)
            if form.evaluate(FORM_VALUES) == before:
                raise _NothingChanged
    except _NothingChanged:
        pass


def fill_section(page: Page, grade: str) -> None:
    """Answer every question on a tool section page by its input type, grade the section and
    save it. Answering reveals conditional questions (htmx autosave, let finish so the save
    carries the current version); any the server still asks for are answered on the page it
    shows again."""
    for _ in range(3):
        _answer_and_wait_for_autosave(page, grade)
        page.wait_for_load_state("networkidle")
        _answer_visible(page, grade)
        page.get_by_role("button", name="Save and continue").click()
        if not page.locator(".govuk-error-summary").count():
            return
    no_errors(page)


def test_qa_plans_a_cycle_an_audit_is_moderated_down_and_the_pdf_downloads(
    page: Page, new_context, site: DemoSite
) -> None:
    version = ToolVersion.objects.get(tool__key=TOOL, status=VersionStatus.PUBLISHED)
    service = Service.objects.get(key=version.definition.services[0])
    start = clock.today() + dt.timedelta(days=60)  # clear of the demo's two cycles

    # The QA officer plans the cycle, chooses the tool, previews the sample and commits it.
    sign_in(page, site, "demo-qa-officer")
    page.goto(site.at("/audits/cycles/"))
    expect(page.locator("h1")).to_have_text("Audit cycles")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Plan a new cycle").click()
    expect(page.locator("h1")).to_have_text("Plan a new audit cycle")
    assert_no_axe_violations(page)
    page.get_by_label("Name of the cycle").fill(CYCLE)
    page.get_by_label("One-off dip sample").check()
    page.get_by_label("Start date").fill(f"{start:%-d/%-m/%Y}")
    page.get_by_label("Cases per group (quota)").fill("1")
    page.locator('input[name="strata"][value="team"]').uncheck()
    page.locator('input[name="strata"][value="service"]').check()
    page.locator(f'input[name="services"][value="{service.key}"]').check()
    page.get_by_label("Random seed").fill("4242")
    page.get_by_role("button", name="Create the cycle").click()
    expect(page.locator("h1")).to_have_text(CYCLE)
    cycle = Cycle.objects.get(name=CYCLE)
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Choose the tool for each service").click()
    page.get_by_label(service.name, exact=True).select_option(label=str(version))
    page.get_by_role("button", name="Save the tools").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Tools saved")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Sample drawn: 1 cases"
    )
    sample = page.locator("table", has=page.locator("caption", has_text="Sample, by team"))
    expect(sample.locator("tbody tr")).to_have_count(1)
    expect(sample.locator("tbody tr")).to_contain_text("Random draw")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Commit the cycle").click()
    expect(page.locator("h1")).to_have_text(f"Commit {CYCLE}?")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Commit the cycle").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Cycle committed")
    assert_no_axe_violations(page)

    audit = Audit.objects.select_related("auditor", "moderator", "team").get(cycle=cycle)
    assert audit.status == AuditStatus.ALLOCATED
    assert audit.auditor is not None and audit.moderator is not None
    people = {}
    for who, staff in (("auditor", audit.auditor), ("moderator", audit.moderator)):
        user = User.objects.get(staff=staff)
        user.set_password(site.password)
        user.save()
        people[who] = user
    audit_path = f"/audits/{audit.pk}/"

    # The auditor finds the audit, completes the tool and submits.
    auditor = new_context().new_page()
    sign_in(auditor, site, people["auditor"].username)
    auditor.goto(site.at("/audits/yours/"))
    expect(auditor.locator("h1")).to_have_text("Your audits")
    assert_no_axe_violations(auditor)
    auditor.get_by_role("link", name=audit.reference).click()
    expect(auditor.locator("h1")).to_have_text(f"Case audit {audit.reference}")
    assert_no_axe_violations(auditor)
    auditor.get_by_role("button", name="Start the audit form").click()
    task_list = path(auditor)
    sections = auditor.locator("a.govuk-task-list__link")
    count = sections.count()
    assert count > 0
    for n in range(count):
        sections.nth(n).click()
        fill_section(auditor, "good")
        assert path(auditor) == task_list, f"saving section {n + 1} went to {auditor.url}"
    expect(auditor.locator(".govuk-task-list__status", has_text="Completed")).to_have_count(count)
    auditor.get_by_role("link", name="Check your answers and submit").click()
    expect(auditor.locator("h1")).to_have_text("Check your answers before submitting")
    auditor.locator('input[name="overall_grade"][value="good"]').check()
    auditor.locator("#id_overall_grade_reason").fill("Good across the record.")
    auditor.get_by_role("button", name="Submit").click()
    no_errors(auditor)
    auditor.goto(site.at(audit_path))
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS  # the form is done; the audit is not sent yet
    auditor.get_by_role("link", name="Submit the audit").click()
    expect(auditor.locator("h1")).to_have_text(f"Submit {audit.reference}?")
    auditor.get_by_role("button", name="Submit the audit").click()
    expect(auditor.locator(".govuk-notification-banner--success")).to_contain_text(
        "Audit submitted"
    )
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    sections_graded = dict(audit.submitted_section_grades)
    assert sections_graded and set(sections_graded.values()) == {"good"}
    assert audit.submitted_overall_grade == "good"

    # The moderator records the meeting, downgrades one section with a reason and finalises.
    moderator = new_context().new_page()
    sign_in(moderator, site, people["moderator"].username)
    moderator.goto(site.at(audit_path))
    moderator.get_by_role("link", name="Start moderation").click()
    moderator.get_by_role("button", name="Start moderation").click()
    expect(moderator.locator("h1")).to_contain_text(audit.reference)
    assert_no_axe_violations(moderator)
    downgraded = next(iter(sections_graded))
    moderator.get_by_label("Date of the moderation meeting").fill(f"{clock.today():%-d/%-m/%Y}")
    moderator.get_by_label("Who attended").fill("The auditor, the practitioner, the moderator")
    moderator.locator(f'input[name="grade_{downgraded}"][value="requires_improvement"]').check()
    moderator.get_by_role("button", name="Save", exact=True).click()
    expect(moderator.locator(".govuk-error-summary")).to_contain_text(
        "reason for changing the grade"
    )
    assert_no_axe_violations(moderator)
    moderator.locator(f'textarea[name="reason_{downgraded}"]').fill(REASON)
    moderator.get_by_role("button", name="Save", exact=True).click()
    expect(moderator.locator(".govuk-notification-banner--success")).to_contain_text(
        "Moderation saved"
    )
    moderation = Moderation.objects.get(audit=audit)
    assert moderation.section_grades[downgraded] == {
        "grade": "requires_improvement",
        "reason": REASON,
    }
    mail.outbox.clear()
    moderator.goto(site.at(f"{audit_path}finalise/"))
    expect(moderator.locator("h1")).to_have_text(f"Finalise the moderation of {audit.reference}")
    assert_no_axe_violations(moderator)
    moderator.get_by_label("Agreed").check()
    moderator.get_by_role("button", name="Finalise").click()
    expect(moderator.locator(".govuk-notification-banner--success")).to_contain_text(
        "Moderation finalised"
    )
    audit.refresh_from_db()
    assert audit.status == AuditStatus.FINALISED

    service_manager = audit.team.district.service_manager
    assert service_manager is not None
    sent = [m for m in mail.outbox if service_manager.email in m.to]
    assert sent, f"no email to {service_manager.email}: {[(m.subject, m.to) for m in mail.outbox]}"
    assert [m.subject for m in sent] == [f"Case audit {audit.reference} moderated and finalised"]

    # The PDF downloads from the finalised audit and holds the grades and the reason.
    with moderator.expect_download() as download_info:
        moderator.get_by_role("link", name=re.compile("Download the finalised audit")).click()
    download = download_info.value
    assert download.suggested_filename == f"case-audit-{audit.reference}.pdf"
    reader = PdfReader(download.path())
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Requires improvement" in text and "Good" in text
    assert " ".join(REASON.split()) in text
    assert audit.reference in text
