"""A child answers an open-link survey on a 320 px screen with the keyboard only; axe finds no
WCAG 2.2 AA violations on the survey or the confirmation; the duty inbox gets one alert."""

from typing import Any

import pytest
from playwright.sync_api import expect

from qaf.accounts.models import Role
from qaf.accounts.tests.factories import UserFactory
from qaf.feedback.models import SafetyAlert
from qaf.feedback.services import open_link_create

from .axe import axe_violations, format_violations
from .conftest import assert_reflows_at_320_px

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

ACTIVE = """() => {
  const el = document.activeElement;
  return el ? [el.tagName.toLowerCase(), el.getAttribute('type') || '', el.getAttribute('name') || '',
               (el.textContent || '').trim()] : ['', '', '', ''];
}"""


def test_a_child_answers_with_the_keyboard_on_a_narrow_screen(
    live_server: Any, new_context: Any
) -> None:
    qa = UserFactory(role=Role.QA_OFFICER)
    link = open_link_create(by=qa, title="Youth hub poster", audience="child_7_11").link
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(f"{live_server.url}/f/{link.token}/")
    expect(page.locator("h1")).to_have_text("Tell us what you think (ages 7 to 11)")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    assert_reflows_at_320_px(page)

    answered: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        tag, kind, name, text = page.evaluate(ACTIVE)
        if kind == "radio" and name not in answered:
            page.keyboard.press("Space")
            if name == "feel_safe":  # the third option: "No, I do not feel safe"
                page.keyboard.press("ArrowDown")
                page.keyboard.press("ArrowDown")
            answered.add(name)
        elif tag == "textarea":
            page.keyboard.type("I do not like it at home")
        elif tag == "button" and text == "Send my answers":
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"never reached the submit button; answered {sorted(answered)}")

    expect(page.locator("h1")).to_have_text("Thank you")
    expect(page.locator("#get-help")).to_have_text("Who you can talk to now")
    expect(page.locator("#get-help + ul")).to_contain_text("0800 1111")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    assert_reflows_at_320_px(page)
    alert = SafetyAlert.objects.get()
    assert alert.response.answers["feel_safe"] == "no"
    assert alert.response.answers["own_words"] == "I do not like it at home"
