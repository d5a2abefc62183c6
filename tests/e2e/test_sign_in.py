"""The sign-in and second-factor pages: accessible with and without errors, and the real
TOTP step (enrol on first sign-in, then the code is asked for on the next)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from .axe import assert_no_axe_violations
from .conftest import (
    DemoSite,
    assert_reflows_at_320_px,
    enrolment_key,
    totp_code,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_sign_in_page_is_accessible_with_and_without_errors(page: Page, site: DemoSite) -> None:
    page.goto(site.at("/accounts/sign-in/"))
    expect(page.locator("h1")).to_have_text("Sign in")
    assert_no_axe_violations(page)
    assert_reflows_at_320_px(page)

    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    hrefs = page.locator(".govuk-error-summary__list a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == ["#id_username", "#id_password"]
    assert_no_axe_violations(page)

    # Each error-summary link moves focus to its field.
    page.locator(".govuk-error-summary__list a").first.click()
    expect(page.get_by_label("Username")).to_be_focused()

    page.get_by_label("Username").fill("demo-qa-officer")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )
    assert_no_axe_violations(page)


def test_second_factor_enrolment_then_verification(page: Page, site: DemoSite) -> None:
    page.goto(site.at("/accounts/sign-in/"))
    page.get_by_label("Username").fill("demo-practitioner")
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    assert_no_axe_violations(page)
    key = enrolment_key(page)

    page.get_by_label("Security code").fill("000000" if totp_code(key) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The security code is wrong")
    expect(page.locator(".govuk-form-group--error")).to_have_count(1)
    assert_no_axe_violations(page)

    # django-otp throttles the device for 1 s after one wrong code (a code typed meanwhile is
    # refused as wrong, and doubles the wait): wait until the device accepts codes again.
    wait_until(
        lambda: TOTPDevice.objects.get(user__username="demo-practitioner").verify_is_allowed()[0],
        what="the authenticator app's device accepts codes again",
    )
    page.get_by_label("Security code").fill(totp_code(key))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your caseload")

    # Sign out; the next sign-in asks for a code from the same (now enrolled) app.
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.get_by_label("Username").fill("demo-practitioner")
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Enter your security code")
    assert_no_axe_violations(page)
