"""Each of the nine demo roles signs in through the real form and sees its home page, then the
children list, a child, the teams list and the account page: no axe violations on any, and the
home, children, child and teams pages reflow at 320 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from qaf.accounts.models import Role
from qaf.demo.services import DEMO_ROLES
from qaf.web.views import HOME_HEADINGS

from .axe import assert_no_axe_violations
from .conftest import CHILD_ID, DemoSite, assert_reflows_at_320_px, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CHILD_FREE_ROLES = {Role.ELECTED_MEMBER, Role.PARTNER_AUDITOR}


def nav_link(page: Page, label: str):
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=label, exact=True)


@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_role_signs_in_and_every_page_passes_axe(page: Page, site: DemoSite, username: str) -> None:
    role = DEMO_ROLES[username]
    sign_in(page, site, username)

    expect(page.locator("h1")).to_have_text(HOME_HEADINGS[role])
    assert_no_axe_violations(page)
    assert_reflows_at_320_px(page)
    pages_seen = [page.content()]

    if role in CHILD_FREE_ROLES:
        expect(nav_link(page, "Children")).to_have_count(0)
    else:
        nav_link(page, "Children").click()
        expect(page.locator("h1")).to_have_text("Children")
        assert_no_axe_violations(page)
        assert_reflows_at_320_px(page)
        page.locator("table tbody th a").first.click()
        expect(page.locator(".govuk-caption-l")).to_have_text(
            re.compile(r"Council child ID NC\d{6}")
        )
        assert_no_axe_violations(page)
        assert_reflows_at_320_px(page)

    if nav_link(page, "Teams").count():
        nav_link(page, "Teams").click()
        expect(page.locator("h1")).to_have_text("Teams")
        assert_no_axe_violations(page)
        assert_reflows_at_320_px(page)
        pages_seen.append(page.content())

    nav_link(page, "Your account").click()
    expect(page.locator("h1")).to_have_text("Your account")
    assert_no_axe_violations(page)
    pages_seen.append(page.content())

    if role in CHILD_FREE_ROLES:
        for html in pages_seen:
            assert not CHILD_ID.search(html), "a child ID appeared on a child-free role's page"
