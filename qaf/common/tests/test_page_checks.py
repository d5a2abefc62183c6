"""The checking client (tests/page_checks.py) behind `page_as` and `client_for`: a page breaking
each page-wide invariant fails the GET, a sound page passes, opt-outs need a reason."""

from pathlib import Path

import pytest

from qaf.common.tests.page_check_urls import PAGES
from tests.page_checks import (
    INVARIANTS,
    NOT_YET_CONFORMING,
    PageClient,
    PageInvariantError,
    parse_allow,
)

pytestmark = pytest.mark.urls("qaf.common.tests.page_check_urls")

BROKEN = [
    ("no-h1", "one-h1: 0 <h1> elements"),
    ("two-h1", "one-h1: 2 <h1> elements"),
    ("title-not-h1", "title-starts-with-h1: title 'Home - QA' does not start with 'Your caseload'"),
    ("duplicate-ids", r"unique-ids: ids used more than once: \['x'\]"),
    ("script-without-nonce", "script-nonce: <script> '/static/js/qaf.js' has nonce None"),
    ("script-wrong-nonce", "script-nonce: <script> '1' has nonce 'not-this-one'"),
    ("raw-code", "no-raw-codes: 'in_progress' shown as text in <td>"),
]


def test_every_invariant_has_a_page_breaking_it():
    broken = {message.partition(":")[0] for _kind, message in BROKEN}
    assert broken == set(INVARIANTS)
    assert {kind for kind, _ in BROKEN} | {"sound", "error-title", "raw-code-in-code"} == set(PAGES)


@pytest.mark.parametrize(("kind", "message"), BROKEN)
def test_a_page_breaking_an_invariant_fails_the_get(kind, message):
    with pytest.raises(PageInvariantError, match=message):
        PageClient().get(f"/page/{kind}/")


@pytest.mark.parametrize("kind", ["sound", "error-title", "raw-code-in-code"])
def test_a_sound_page_passes(kind):
    response = PageClient().get(f"/page/{kind}/")
    assert response.status_code == 200


def test_fragments_and_json_are_not_pages():
    assert PageClient().get("/fragment/").status_code == 200
    assert PageClient().get("/data/").json() == {"status": "in_progress"}


def test_an_opt_out_lets_its_invariant_pass_and_only_that_one():
    client = PageClient(allow=["unique-ids: a fixture page made to break it"])
    assert client.get("/page/duplicate-ids/").status_code == 200
    assert client.unused_opt_outs() == []
    with pytest.raises(PageInvariantError, match="one-h1: 0 <h1>"):
        client.get("/page/no-h1/")


def test_an_opt_out_no_page_needed_is_reported():
    client = PageClient(allow=["no-raw-codes: a fixture page made to break it"])
    client.get("/page/sound/")
    assert client.unused_opt_outs() == ["no-raw-codes"]


def test_an_opt_out_names_an_invariant_and_its_reason():
    with pytest.raises(ValueError, match="say why, as 'unique-ids: <reason>'"):
        parse_allow(["unique-ids"])
    with pytest.raises(ValueError, match="unknown invariant 'one-heading'"):
        parse_allow(["one-heading: whatever"])
    assert parse_allow(["one-h1: issue 14 report"]) == {"one-h1": "issue 14 report"}


@pytest.mark.parametrize("role", ["qa_officer", "anonymous"])
def test_page_as_and_client_for_check_the_page_a_redirect_lands_on(page_as, client_for, role):
    for make in (page_as, client_for):
        client = make(role)
        assert client.get("/redirect/").status_code == 302
        with pytest.raises(PageInvariantError, match=r"GET /page/no-h1/ \(200\) breaks"):
            client.get("/redirect/", follow=True)


def test_the_not_yet_conforming_list_names_real_tests_and_reasons():
    root = Path(__file__).resolve().parents[3]
    for nodeid, allow in NOT_YET_CONFORMING.items():
        assert (root / nodeid.partition("::")[0]).exists(), nodeid
        assert parse_allow(allow), nodeid
