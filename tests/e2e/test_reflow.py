"""WCAG 2.2 SC 1.4.10 Reflow: at 320 CSS px wide no page scrolls sideways.

A real data table may need two dimensions (1.4.10's exception): then only the table scrolls,
inside the shared focusable region (templates/components/table_scroll.html), which keyboard
users reach with Tab and scroll with the arrow keys. Checked for every page in the QA officer's
navigation (and three pages they link to) and for the organisation, performance, escalations
and access-log pages as each role that can see them; axe runs on every page at that width.
"""

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from qaf.demo.services import DEMO_ROLES
from qaf.performance.kpis import KPIS
from qaf.performance.models import Benchmark, Comparator

from .axe import axe_violations, format_violations
from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

PHONE = {"width": 320, "height": 640}
NAMED_PAGES = ["/organisation/structure/", "/performance/", "/escalations/", "/access-log/"]
# Pages the menu pages link to whose tables were wider than a phone with the demo data.
LINKED_PAGES = [
    "/escalations/dashboard/",
    "/escalations/practice-reviews/",
    "/actions/getting-to-outstanding/",
]

# A published figure's source as people paste it: one long unbroken address. The scorecard
# shows it beside each KPI, outside any table, so it must wrap.
LONG_SOURCE = (
    "https://www.gov.uk/government/statistics/"
    "characteristicsofchildreninneedreportingyear2025annexAnationalandlocalauthoritytables.xlsx"
)


def _load_benchmarks() -> None:
    """England and statistical-neighbour figures for every KPI (the demo council has none),
    so the scorecard's monthly tables have all their columns filled."""
    now = timezone.now()
    Benchmark.objects.bulk_create(
        Benchmark(
            kpi_key=kpi.key,
            comparator=comparator,
            period="2024-25",
            value=value,
            source=LONG_SOURCE,
            imported_at=now,
        )
        for kpi in KPIS
        for comparator, value in [
            (Comparator.ENGLAND, 21.5),
            (Comparator.STATISTICAL_NEIGHBOURS, 19.25),
        ]
    )


# What is wider than the window: the page itself, and each table, with where it sits.
_MEASURE = """() => {
  const width = window.innerWidth;
  const tables = [...document.querySelectorAll('table')].map((table) => {
    const region = table.closest('.qaf-table-scroll');
    const caption = table.querySelector('caption');
    return {
      caption: caption ? caption.textContent.trim() : '(no caption)',
      width: table.getBoundingClientRect().width,
      region: region && {
        role: region.getAttribute('role'),
        tabindex: region.getAttribute('tabindex'),
        labelledby: region.getAttribute('aria-labelledby'),
        captionId: caption && caption.id,
        overflows: region.scrollWidth > region.clientWidth,
      },
    };
  });
  const wide = [...document.body.querySelectorAll('*')]
    .filter((el) => !el.closest('.qaf-table-scroll') && el.getBoundingClientRect().right > width + 1)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
  return {scrollWidth: document.documentElement.scrollWidth, width, tables, wide};
}"""


def _tab_to_each_scrolling_region(page: Page) -> list[str]:
    """Tab through the page from the top; at each region that scrolls, check its focus style
    and that the right arrow scrolls it. Returns the problems found."""
    expected = page.locator(".qaf-table-scroll").evaluate_all(
        "regions => regions.filter((r) => r.scrollWidth > r.clientWidth).length"
    )
    if not expected:
        return []
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    problems: list[str] = []
    reached = 0
    for _ in range(600):
        page.keyboard.press("Tab")
        focused: dict[str, Any] | None = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || !el.classList.contains('qaf-table-scroll')) return null;
              const style = getComputedStyle(el);
              // GOV.UK's focus style for a box: a yellow then a black ring (box-shadow).
              const ring = style.boxShadow !== 'none' && style.boxShadow.includes('rgb(11, 12, 12)')
                && style.boxShadow.includes('rgb(255, 221, 0)');
              return {
                name: el.getAttribute('aria-labelledby'),
                scrolls: el.scrollWidth > el.clientWidth,
                visibleFocus: ring,
                style: style.boxShadow,
                scrollLeft: el.scrollLeft,
              };
            }"""
        )
        if focused is None:
            if page.evaluate("() => document.activeElement === document.body") and reached:
                break
            continue
        if not focused["scrolls"]:
            continue
        reached += 1
        if not focused["visibleFocus"]:
            problems.append(f"region {focused['name']} has no visible focus ({focused['style']})")
        page.keyboard.press("ArrowRight")
        # Chromium scrolls smoothly: wait until the region has moved. Playwright's expect polls
        # from outside the page, so this works with the page's own JavaScript off.
        try:
            expect(page.locator(".qaf-table-scroll:focus")).not_to_have_js_property(
                "scrollLeft", focused["scrollLeft"], timeout=3_000
            )
        except AssertionError:
            problems.append(f"region {focused['name']}: the right arrow did not scroll it")
        if reached == expected:
            break
    if reached != expected:
        problems.append(f"Tab reached {reached} of the {expected} regions that scroll")
    return problems


def _reflow_problems(page: Page, *, axe: bool = True) -> list[str]:
    measured = page.evaluate(_MEASURE)
    problems = []
    if measured["scrollWidth"] > measured["width"]:
        problems.append(
            f"the page scrolls sideways: {measured['scrollWidth']} px wide in a "
            f"{measured['width']} px window (too wide: {', '.join(measured['wide'])})"
        )
    for table in measured["tables"]:
        region = table["region"]
        if table["width"] > measured["width"] and region is None:
            problems.append(
                f"table {table['caption']!r} is {table['width']:.0f} px wide outside a scroll region"
            )
        if region is not None:
            if (region["role"], region["tabindex"]) != ("region", "0"):
                problems.append(f"table {table['caption']!r}: its region is not a focusable region")
            if not region["captionId"] or region["labelledby"] != region["captionId"]:
                problems.append(
                    f"table {table['caption']!r}: its region is not named by the table's caption"
                )
    problems += _tab_to_each_scrolling_region(page)
    violations = axe_violations(page) if axe else []
    if violations:
        problems.append("axe: " + format_violations(violations))
    return problems


def _check_pages(
    page: Page, site: DemoSite, paths: list[str], *, axe: bool = True
) -> dict[str, list[str]]:
    failures: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(site.at(path))
        assert response is not None and response.status == 200, (
            f"{path}: {response and response.status}"
        )
        problems = _reflow_problems(page, axe=axe)
        if problems:
            failures[path] = problems
    return failures


def _format(failures: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}:\n  " + "\n  ".join(problems) for path, problems in failures.items())


def _navigation_paths(page: Page) -> list[str]:
    # At 320 px the menu is collapsed behind its "Menu" button: read the links from the list.
    return page.locator("ul#navigation a").evaluate_all(
        "links => links.map((a) => a.getAttribute('href'))"
    )


def test_every_qa_officer_page_reflows_at_320_px(new_context: Any, site: DemoSite) -> None:
    _load_benchmarks()
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, site, "demo-qa-officer")
    paths = _navigation_paths(page)
    assert set(NAMED_PAGES) <= set(paths), paths
    failures = _check_pages(page, site, paths + LINKED_PAGES)
    assert not failures, "pages that do not reflow at 320 px:\n" + _format(failures)
    # The named pages' tables are wider than a phone with the demo data: the test exercises
    # the scroll regions rather than passing because nothing is wide.
    for path in NAMED_PAGES:
        page.goto(site.at(path))
        widest = page.evaluate(
            "() => Math.max(0, ...[...document.querySelectorAll('table')].map((t) => t.scrollWidth))"
        )
        assert widest > PHONE["width"], f"{path}: no table wider than 320 px ({widest} px)"


@pytest.mark.parametrize("username", [name for name in DEMO_ROLES if name != "demo-qa-officer"])
def test_named_pages_reflow_for_each_role(new_context: Any, site: DemoSite, username: str) -> None:
    _load_benchmarks()
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, site, username)
    paths = [path for path in _navigation_paths(page) if path in NAMED_PAGES]
    failures = _check_pages(page, site, paths)
    assert not failures, f"{username}: pages that do not reflow at 320 px:\n" + _format(failures)


def test_named_pages_reflow_without_javascript(new_context: Any, site: DemoSite) -> None:
    """Without JavaScript (the menu is not collapsed) the pages reflow and the regions still
    take focus and scroll: they are plain HTML and CSS. (No axe here: axe.run waits on the
    page's timers, which do not run with JavaScript off; the tests above run it.)"""
    _load_benchmarks()
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page, site, "demo-qa-officer")
    failures = _check_pages(page, site, NAMED_PAGES, axe=False)
    assert not failures, "pages that do not reflow at 320 px without JavaScript:\n" + _format(
        failures
    )
