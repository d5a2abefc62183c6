"""Page-wide invariants every HTML page keeps, checked on every GET a page test makes.

The idea is GOV.UK Notify admin's `client_request` fixture: the test client itself checks what
every page must get right, so no page test has to remember to. `conftest.py`'s `page_as(role)`
and `client_for(role)` return a `PageClient`; docs/testing.md describes both.

The invariants, by the name an opt-out uses:

- `one-h1`: exactly one <h1>;
- `title-starts-with-h1`: the <title> starts with the h1's text ("Error: " may come first, as
  GOV.UK asks for a page showing form errors);
- `unique-ids`: no id used twice (a label, an error-summary link or aria-* would find the wrong
  element);
- `script-nonce`: every <script> carries the nonce of this response's Content-Security-Policy
  (a script without it is refused by the browser, or only works because of 'self');
- `no-raw-codes`: no snake_case code (`in_progress`) shown as text inside <main>: people see
  labels, never stored values (the same rule as ../shared/tools/crawl_demo.py).

An opt-out names the invariant and why: `page_as(role, allow=["unique-ids: issue 14 report"])`.
An opt-out that no longer does anything fails the test, so none outlives its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from bs4 import BeautifulSoup, NavigableString
from django.http import HttpResponse
from django.test import Client

INVARIANTS = ("one-h1", "title-starts-with-h1", "unique-ids", "script-nonce", "no-raw-codes")

# Text that looks like a code but is what the page means to show. Each needs its reason.
RAW_CODE_EXCEPTIONS: dict[str, str] = {}

# Tests whose pages still break an invariant in an app's own template (not a shared one), found
# when the invariants arrived (issue 14). Each app's conversion fixes its pages and deletes its
# lines; `page_as` applies these as the test's opt-outs, and fails the test once a line is no
# longer needed, so the list only shrinks. Keys are test ids, with the parameters where only
# some of them break it.
NOT_YET_CONFORMING: dict[str, list[str]] = {}


def not_yet_conforming(nodeid: str) -> list[str]:
    """The listed opt-outs of one test (by its id, or its id without parameters)."""
    return NOT_YET_CONFORMING.get(nodeid) or NOT_YET_CONFORMING.get(nodeid.partition("[")[0], [])


RAW_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
# Where a code on screen is intended: code samples, and text a person typed back to them.
RAW_CODE_IGNORED_IN = {"code", "pre", "samp", "kbd", "script", "style", "textarea"}
NONCE = re.compile(r"'nonce-([^']+)'")
ERROR_PREFIX = "Error: "


class PageInvariantError(AssertionError):
    """A page broke one of the page-wide invariants."""


def _text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


def is_html_document(response: HttpResponse) -> bool:
    """A whole page (not an htmx fragment, a download or JSON)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if getattr(response, "streaming", False):
        return False
    head = response.content[:2000].lower()
    return b"<html" in head


def page_problems(response: HttpResponse) -> dict[str, list[str]]:
    """Each broken invariant's name, with what broke it. Empty when the page is sound."""
    soup = BeautifulSoup(response.content, "html.parser")
    problems: dict[str, list[str]] = {}

    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        problems["one-h1"] = [f"{len(h1s)} <h1> elements: {[_text(h) for h in h1s]}"]

    title = _text(soup.title) if soup.title else ""
    if len(h1s) == 1:
        heading = _text(h1s[0])
        shown = title.removeprefix(ERROR_PREFIX)
        if not heading or not shown.startswith(heading):
            problems["title-starts-with-h1"] = [f"title {title!r} does not start with {heading!r}"]

    ids = Counter(str(tag["id"]) for tag in soup.find_all(id=True))
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        problems["unique-ids"] = [f"ids used more than once: {duplicates}"]

    nonces = set(NONCE.findall(response.get("Content-Security-Policy", "")))
    for script in soup.find_all("script"):
        nonce = script.get("nonce")
        if not nonce or nonce not in nonces:
            what = script.get("src") or _text(script)[:60]
            problems.setdefault("script-nonce", []).append(
                f"<script> {what!r} has nonce {nonce!r}, not the response's {sorted(nonces)}"
            )

    main = soup.find("main")
    for node in main.find_all(string=True) if main else ():
        if type(node) is not NavigableString:
            continue  # comments, doctype, CDATA
        if any(parent.name in RAW_CODE_IGNORED_IN for parent in node.parents):
            continue
        text = node.strip()
        if RAW_CODE.fullmatch(text) and text not in RAW_CODE_EXCEPTIONS:
            problems.setdefault("no-raw-codes", []).append(
                f"{text!r} shown as text in <{node.parent.name}>"
            )
    return problems


def parse_allow(allow: Iterable[str]) -> dict[str, str]:
    """ "<invariant>: <reason>" entries -> {invariant: reason}; refuses an opt-out without a
    reason or naming no invariant."""
    allowed: dict[str, str] = {}
    for entry in allow:
        name, _, reason = entry.partition(":")
        name, reason = name.strip(), reason.strip()
        if name not in INVARIANTS:
            raise ValueError(f"allow={entry!r}: unknown invariant {name!r}; one of {INVARIANTS}")
        if not reason:
            raise ValueError(f"allow={entry!r}: say why, as '{name}: <reason>'")
        allowed[name] = reason
    return allowed


class PageClient(Client):
    """A test client whose every GET of a whole HTML page checks the page-wide invariants.

    `allow` opts out of named invariants, each with its reason. `response.soup` is the parsed
    page, for the test's own assertions.
    """

    def __init__(self, *args: Any, allow: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = parse_allow(allow)
        self.opt_outs_used: set[str] = set()

    def get(self, path: str, *args: Any, **kwargs: Any) -> Any:
        response = super().get(path, *args, **kwargs)
        if is_html_document(response):
            self.check(path, response)
        return response

    def check(self, path: str, response: Any) -> None:
        problems = page_problems(response)
        self.opt_outs_used |= set(problems) & set(self.allowed)
        broken = {name: found for name, found in problems.items() if name not in self.allowed}
        if broken:
            lines = [f"{name}: {'; '.join(found)}" for name, found in broken.items()]
            raise PageInvariantError(
                f"GET {path} ({response.status_code}) breaks page-wide invariants "
                f"(tests/page_checks.py):\n  " + "\n  ".join(lines)
            )

    def unused_opt_outs(self) -> list[str]:
        """Opt-outs this client never needed: a fixed page should lose its opt-out."""
        return sorted(set(self.allowed) - self.opt_outs_used)
