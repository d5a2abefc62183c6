"""Run axe-core in a Playwright page and fail with a readable list of violations.

axe is loaded from frontend/node_modules (the pinned devDependency) by evaluating its source
through the DevTools protocol: that is not subject to the page's Content Security Policy, so
the CSP stays on while we test (see docs/testing.md).
"""

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_PATH = (
    Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
)
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE_PATH.exists():
        raise AssertionError(f"{AXE_PATH} is missing: run `make install` (npm ci in frontend/)")
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page: Page, *, tags: list[str] = WCAG_22_AA) -> list[dict[str, Any]]:
    """The axe violations on the page as it is now, for the WCAG 2.2 AA rules by default."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        tags,
    )
    return list(result["violations"])


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, *, tags: list[str] = WCAG_22_AA) -> None:
    """Fail listing each violation's rule id, help text and the offending nodes."""
    violations = axe_violations(page, tags=tags)
    assert not violations, f"axe found violations on {page.url}:\n" + format_violations(violations)
