"""Audit tools in the browser.

Keyboard only: the QA officer uses "Try this tool" on the universal case audit and completes
every section with the keyboard (Tab, Space to select, arrow keys within radio groups, typing
into text areas, Enter on buttons and links), grades each section (with a reason where the grade
differs from the suggestion), grades the whole form, submits, and sees the read-only submitted
form. axe-core finds no violations on the task list, every section page, the check-answers page
and the read-only view.

Conditional questions are revealed (htmx, with autosave) once the answer they depend on is
given. Without JavaScript they stay on the page with their hint, and a section is saved with the
plain submit button.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from qaf.tools.definition import (
    Question,
    Section,
    ToolDefinition,
    library_index,
    library_read,
    suggest_grade,
)

from .axe import assert_no_axe_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

TOOL = "universal-case-audit"
ACTIVE = """() => {
  const el = document.activeElement;
  if (!el) return '';
  return [el.tagName.toLowerCase(), el.getAttribute('name') || '', el.getAttribute('value') || '',
          el.id || '', (el.textContent || '').trim().slice(0, 60), el.getAttribute('href') || '']
         .join('|');
}"""


def universal() -> ToolDefinition:
    path = dict(library_index())[TOOL]
    return library_read(path)


def active(page: Page) -> str:
    return str(page.evaluate(ACTIVE))


def tab_to(page: Page, selector: str, *, limit: int = 80, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches the CSS selector."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        seen.append(active(page))
    raise AssertionError(f"Tab never reached {selector!r} on {page.url}; focus went through {seen}")


def choose_radio(page: Page, name: str, index: int) -> None:
    """Tab into a radio group (focus lands on its first radio), then select the index-th radio:
    Space for the first, the down arrow (which moves and selects) for the others."""
    tab_to(page, f'input[type="radio"][name="{name}"]')
    first = page.locator(f'input[type="radio"][name="{name}"]').first
    expect(first).to_be_focused()
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f'input[type="radio"][name="{name}"]').nth(index)).to_be_checked()


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def plan_answers(definition: ToolDefinition) -> dict[str, Any]:
    """An answer for each question the plan shows (conditions checked as the form would)."""
    answers: dict[str, Any] = {}
    for n, q in enumerate(definition.questions()):
        if q.show_if is not None:
            parent = answers.get(q.show_if.question)
            parent_values = parent if isinstance(parent, list) else [parent]
            if not set(parent_values) & set(q.show_if.values):
                continue
        values = [v for v, _ in definition.choices(q)]
        if q.type == "scale":
            answers[q.key] = values[(n * 3) % len(values)]
        elif q.type == "multiple_choice":
            answers[q.key] = ["child", "parent"] if "child" in values else values[:1]
        elif q.type == "single_choice":
            answers[q.key] = values[-1]  # e.g. "Yes: a practice concern": reveals the details
        elif q.type in ("yes_no_na", "grade"):
            answers[q.key] = values[0]
        elif q.type == "date":
            answers[q.key] = "2025-06-02"
        elif q.type == "number":
            answers[q.key] = 3
        else:
            answers[q.key] = f"Typed for {q.key}."
    return answers


def fill_question(page: Page, definition: ToolDefinition, q: Question, value: Any) -> None:
    values = [v for v, _ in definition.choices(q)]
    if q.type in ("scale", "single_choice", "yes_no_na", "grade"):
        choose_radio(page, q.key, values.index(value))
    elif q.type == "multiple_choice":
        for v in value:
            tab_to(page, f'input[type="checkbox"][name="{q.key}"][value="{v}"]')
            page.keyboard.press("Space")
            expect(page.locator(f'input[name="{q.key}"][value="{v}"]')).to_be_checked()
    elif q.type == "date":
        year, month, day = value.split("-")
        type_into(page, f"#id_{q.key}_0", day)
        for part in (month, year):
            page.keyboard.press("Tab")
            page.keyboard.type(part)
    else:
        type_into(page, f"#id_{q.key}", str(value))


def fill_section(
    page: Page, definition: ToolDefinition, section: Section, answers: dict[str, Any], grade: str
) -> None:
    for q in section.questions:
        if q.key in answers:
            if q.show_if is not None:
                # Revealed (by htmx, after autosave) once the answer it depends on is given.
                expect(page.locator(f"#qaf-q-{q.key}")).to_be_visible()
            fill_question(page, definition, q, answers[q.key])
        elif q.show_if is not None:
            expect(page.locator(f"#qaf-q-{q.key}")).to_be_hidden()
    if section.graded:
        grades = [g.value for g in definition.grades()]
        choose_radio(page, "qaf_section_grade", grades.index(grade))
        suggested = suggest_grade(definition, section.key, answers)
        if grade != suggested:
            type_into(page, "#id_qaf_section_grade_reason", "The scores undersell the work seen.")
    tab_to(page, 'button[name="action"][value="continue"]')
    page.keyboard.press("Enter")


def test_complete_the_universal_audit_with_the_keyboard_only(page: Page, site: DemoSite) -> None:
    definition = universal()
    answers = plan_answers(definition)
    grades = [g.value for g in definition.grades()]
    chosen: dict[str, str] = {}
    for s in definition.sections:
        if s.graded:
            suggested = suggest_grade(definition, s.key, answers) or grades[1]
            chosen[s.key] = suggested
    # One section graded differently from its suggestion (so it needs a reason).
    differs = next(key for key in chosen)
    chosen[differs] = next(g for g in grades if g != chosen[differs])

    sign_in(page, site, "demo-qa-officer")
    page.goto(site.at(f"/tools/{TOOL}/v1/"))
    expect(page.locator("h1")).to_contain_text(definition.title)
    tab_to(page, 'form[action$="/try/"] button')
    expect(page.locator(":focus")).to_have_text("Try this tool")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text(definition.title)
    expect(page.locator(".govuk-task-list__item")).to_have_count(len(definition.sections))
    assert_no_axe_violations(page)
    form_path = re.sub(r"^https?://[^/]+", "", page.url)

    for position, section in enumerate(definition.sections, start=1):
        tab_to(page, f'a.govuk-task-list__link[href$="/sections/{section.key}/"]')
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text(section.title)
        expect(page.locator(".govuk-caption-l")).to_contain_text(
            f"section {position} of {len(definition.sections)}"
        )
        assert_no_axe_violations(page)
        fill_section(page, definition, section, answers, chosen.get(section.key, ""))
        # Back on the task list, the section is completed.
        expect(page.locator("h1")).to_have_text(definition.title)
        status = page.locator(f"#section-{section.key}-status")
        expect(status).to_have_text("Completed")
    assert page.url.endswith(form_path)
    assert_no_axe_violations(page)

    tab_to(page, 'a[href$="/check/"]')
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Check your answers before submitting")
    assert_no_axe_violations(page)
    overall_suggested = suggest_grade(definition, None, answers, section_grades=chosen)
    overall = next(g for g in grades if g != overall_suggested)
    choose_radio(page, "overall_grade", grades.index(overall))
    type_into(page, "#id_overall_grade_reason", "Weighed across the whole record.")
    # Shift+Tab goes back into the radio group, onto the grade chosen.
    tab_to(page, 'input[name="overall_grade"]', back=True)
    expect(page.locator(":focus")).to_have_attribute("value", overall)
    tab_to(page, 'button[type="submit"]')
    expect(page.locator(":focus")).to_have_text("Submit")
    page.keyboard.press("Enter")

    # The read-only submitted form.
    expect(page.locator("h1")).to_have_text(definition.title)
    expect(page.locator("form button", has_text="Save and continue")).to_have_count(0)
    status_row = page.locator(".govuk-summary-list__row", has_text="Status").first
    expect(status_row).to_contain_text("Submitted")
    labels = {g.value: g.label for g in definition.grades()}
    overall_row = page.locator(".govuk-summary-list__row", has_text="Overall grade").first
    expect(overall_row).to_contain_text(labels[overall])
    expect(overall_row).to_contain_text("Weighed across the whole record.")
    expect(page.locator("main")).to_contain_text("The scores undersell the work seen.")
    expect(page.locator("main")).to_contain_text("Typed for child_words.")
    expect(
        page.locator("main").locator("input:not([type=hidden]), textarea, select")
    ).to_have_count(0)
    assert_no_axe_violations(page)


def test_save_a_section_without_javascript(new_context, site: DemoSite) -> None:
    definition = universal()
    section = definition.section("referral_response")
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, "demo-qa-officer")
    page.goto(site.at(f"/tools/{TOOL}/v1/"))
    page.get_by_role("button", name="Try this tool").click()
    expect(page.locator("h1")).to_have_text(definition.title)
    # Conditional questions stay on the page, with their hint, when JavaScript is off.
    page.get_by_role("link", name=definition.sections[0].title).click()
    conditional = [q for q in definition.sections[0].questions if q.show_if is not None]
    assert conditional
    for q in conditional:
        expect(page.locator(f"#id_{q.key}")).to_be_visible()
        expect(page.locator(f"#id_{q.key}-hint")).to_contain_text("Answer this only if")
    page.get_by_role("link", name="Back to the sections").click()
    page.get_by_role("link", name=section.title).click()
    expect(page.locator("h1")).to_have_text(section.title)
    scales = [q for q in section.questions if q.type == "scale"]
    for q in scales:
        page.locator(f'input[name="{q.key}"][value="{q.points[-1].value}"]').check()
    for q in section.questions:
        if q.type == "long_text":
            page.locator(f"#id_{q.key}").fill(f"Without JavaScript: {q.key}")
    page.locator('input[name="qaf_section_grade"][value="outstanding"]').check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_have_text(definition.title)
    expect(page.locator(f"#section-{section.key}-status")).to_have_text("Completed")
    page.get_by_role("link", name=section.title).click()
    for q in scales:
        expect(page.locator(f'input[name="{q.key}"][value="{q.points[-1].value}"]')).to_be_checked()
    expect(page.locator(f"#id_{section.questions[-1].key}")).to_have_value(
        f"Without JavaScript: {section.questions[-1].key}"
    )
