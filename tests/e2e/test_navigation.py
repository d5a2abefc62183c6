"""Every page the navigation offers passes axe, checked as the QA officer, whose navigation has
the most entries (the other roles' pages are checked in test_roles.py)."""

import pytest
from playwright.sync_api import Page, expect

from .axe import axe_violations, format_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_every_navigation_page_passes_axe(page: Page, site: DemoSite) -> None:
    sign_in(page, site, "demo-qa-officer")
    menu = page.get_by_role("navigation", name="Menu")
    entries = menu.get_by_role("link").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    assert entries[0] == ["Home", "/"]
    failures = []
    for label, href in entries:
        response = page.goto(site.at(href))
        assert response is not None and response.status == 200, f"{label} ({href})"
        expect(page.locator("h1")).to_have_count(1)
        violations = axe_violations(page)
        if violations:
            failures.append(f"{label} ({href}):\n{format_violations(violations)}")
    assert not failures, "axe found violations:\n" + "\n".join(failures)
