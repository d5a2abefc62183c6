"""Keyboard only: the skip link comes first, and a person can sign in, reach the children list
through the navigation and open a child's record without a mouse."""

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import DemoSite, enrolment_key, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

FOCUSED_DESCRIPTION = """() => {
  const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}#${el.id}|${(el.textContent || '').trim()}` : '';
}"""


def focused(page: Page) -> str:
    return str(page.evaluate(FOCUSED_DESCRIPTION))


def tab_to(page: Page, pattern: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element's 'tag#id|text' matches pattern."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if re.search(pattern, seen[-1]):
            return
    raise AssertionError(f"Tab never reached {pattern!r}; focus went through {seen}")


def test_skip_link_is_first_and_moves_focus_to_main(page: Page, site: DemoSite) -> None:
    page.goto(site.at("/accounts/sign-in/"))
    page.keyboard.press("Tab")
    expect(page.locator(".govuk-skip-link")).to_be_focused()
    expect(page.locator(".govuk-skip-link")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    # The next Tab continues inside main: the first field of the form.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()


def test_sign_in_and_open_a_child_with_the_keyboard_only(page: Page, site: DemoSite) -> None:
    page.goto(site.at("/accounts/sign-in/"))
    tab_to(page, r"^input#id_username\|")
    page.keyboard.type("demo-team-manager")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(site.password)
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    key = enrolment_key(page)
    tab_to(page, r"^input#id_code\|")
    page.keyboard.type(totp_code(key))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your team")

    tab_to(page, r"^a#\|Children$")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Children")

    tab_to(page, r"^a#\|NC\d{6}$")
    child_id = focused(page).split("|", 1)[1]
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Council child ID {child_id}")
