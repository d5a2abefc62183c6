"""With JavaScript off, signing in (with the second factor) and browsing all work."""

import pytest
from playwright.sync_api import expect

from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_sign_in_and_browse_without_javascript(new_context, site: DemoSite) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, site, "demo-service-manager")
    expect(page.locator("h1")).to_have_text("Your district")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")

    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Children", exact=True).click()
    expect(page.locator("h1")).to_have_text("Children")
    first_id = page.locator("table tbody th a").first.text_content() or ""

    # The search form is a plain GET form.
    page.get_by_label("Search by council child ID or name").fill(first_id)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table tbody th a")).to_have_text([first_id])
    page.get_by_role("link", name=first_id).click()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Council child ID {first_id}")

    menu.get_by_role("link", name="Teams", exact=True).click()
    expect(page.locator("h1")).to_have_text("Teams")
    team = page.locator("table tbody th a").first
    team_name = team.text_content() or ""
    team.click()
    expect(page.locator("h1")).to_have_text(team_name)

    # Signing out is a POST form styled as a link: it works without JavaScript too.
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
