"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test gets a freshly generated demo council (the live server's database is flushed after
each test) and signs in through the real sign-in form and second-factor step.
"""

import os
import re
import time
from base64 import b32decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from qaf.demo.services import demo_council_generate

# Playwright's sync API runs an event loop in this thread; Django's async-unsafe check would
# refuse the ORM calls the fixtures make alongside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# expect() waits up to 10 s (Playwright's default is 5 s) so a busy machine does not fail a test.
expect.set_options(timeout=10_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "e2e-demo-password-2026"
DEMO_SEED = 2026
CHILD_ID = re.compile(r"NC\d{6}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is e2e and runs on one xdist worker (they share one browser)."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


ROOT = Path(__file__).resolve().parents[2]


def _check_built_assets() -> None:
    """The live server serves static/ as built by frontend/build.mjs: test the current build."""
    css = ROOT / "static" / "css" / "qaf.css"
    if not css.exists():
        pytest.fail("static/css/qaf.css is missing: run `make install` to build the assets")
    sources = [*(ROOT / "frontend" / "src").iterdir(), ROOT / "frontend" / "build.mjs"]
    newest = max(sources, key=lambda path: path.stat().st_mtime)
    if newest.stat().st_mtime > css.stat().st_mtime:
        pytest.fail(f"{newest.name} is newer than static/: run `cd frontend && node build.mjs`")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (never `playwright install`)")
    _check_built_assets()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class DemoSite:
    url: str
    password: str

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def site(live_server: Any) -> DemoSite:
    """The demo council, generated into the live server's (freshly flushed) database."""
    demo_council_generate(scale="small", seed=DEMO_SEED, password=DEMO_PASSWORD)
    return DemoSite(url=live_server.url, password=DEMO_PASSWORD)


def _new_context(browser: Browser, **kwargs: Any) -> BrowserContext:
    context = browser.new_context(locale="en-GB", **kwargs)
    # Generous: the suite also runs on busy CI machines; a pass is usually well under 1 s.
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = _new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """new_context(**options) -> a further browser context (no JavaScript, small viewport...)."""
    made: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        made.append(_new_context(browser, **kwargs))
        return made[-1]

    yield make
    for context in made:
        context.close()


def totp_code(key: bytes) -> str:
    """The current code an authenticator app would show for this key."""
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    return f"{totp.token():06d}"


def enrolment_key(page: Page) -> bytes:
    """The key from the enrolment page's 'I cannot scan the QR code' details (base32, as
    authenticator apps take it when typed in)."""
    text = re.sub(r"\s", "", page.locator(".govuk-details__text code").text_content() or "")
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", text), f"unexpected enrolment key {text!r}"
    return b32decode(text + "=" * (-len(text) % 8))


def sign_in(page: Page, site: DemoSite, username: str) -> None:
    """Sign in through the real form, enrolling the authenticator app on this first sign-in."""
    response = page.goto(site.at("/accounts/sign-in/"))
    assert response is not None and response.status == 200, (
        f"the sign-in page answered {response and response.status}: {page.inner_text('body')[:500]}"
    )
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    page.get_by_label("Security code").fill(totp_code(enrolment_key(page)))
    page.get_by_role("button", name="Continue").click()
    # Signed in: the service navigation (collapsed behind "Menu" on a narrow screen) is there.
    expect(page.locator("ul#navigation")).to_be_attached()


def wait_until(condition: Callable[[], object], *, what: str, timeout: float = 10.0) -> None:
    """Wait for something the page does not show (server-side state), polling it: never a fixed
    sleep. In the page, use Playwright's expect or page.wait_for_* instead."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s, and still not: {what}")
        time.sleep(0.02)  # a poll interval, not a wait for the result


NARROW = {"width": 320, "height": 256}  # 320 CSS px wide: also 1280 x 1024 at 400% zoom


def assert_reflows_at_320_px(page: Page) -> None:
    """WCAG 1.4.10 reflow: at 320 CSS px wide nothing needs horizontal scrolling."""
    before = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width, (
            f"{page.url} scrolls sideways at 320 px: content is {scroll_width} px wide"
        )
    finally:
        if before is not None:
            page.set_viewport_size(before)
