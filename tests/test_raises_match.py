"""`pytest.raises` always with `match=`: a test that only checks the exception's type passes when
the code fails for another reason (the wrong field, the wrong rule) raising the same type.

Files not yet converted are listed, and the list must shrink to nothing (issue 14): a file
listed here that is already clean fails too, so the list stays honest, as in test_view_gates.py.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCHED = ("qaf", "tests")

# Test files with a pytest.raises without match=, when this check arrived. Each app's
# conversion adds the matches and deletes its lines.
NOT_YET_MATCHED: set[str] = {
    "qaf/cases/tests/test_bulk_streaming.py",
    "qaf/cases/tests/test_importers.py",
}


def _is_raises(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return (
            func.attr == "raises" and isinstance(func.value, ast.Name) and func.value.id == "pytest"
        )
    return isinstance(func, ast.Name) and func.id == "raises"


def raises_without_match(source: str) -> list[int]:
    """Line numbers of pytest.raises(...) calls with no match= (or the call form, which has
    none)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and _is_raises(node)):
            continue
        if len(node.args) > 1 or not any(k.arg == "match" for k in node.keywords):
            lines.append(node.lineno)
    return sorted(lines)


def offenders() -> dict[str, list[int]]:
    found = {}
    for top in SEARCHED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = raises_without_match(path.read_text())
            if lines:
                found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_every_pytest_raises_has_a_match() -> None:
    new = {f: lines for f, lines in offenders().items() if f not in NOT_YET_MATCHED}
    assert not new, "pytest.raises without match= (add match='<what the message says>'):\n" + (
        "\n".join(f"  {f}: lines {lines}" for f, lines in sorted(new.items()))
    )


def test_the_not_yet_matched_list_is_honest() -> None:
    clean = sorted(NOT_YET_MATCHED - set(offenders()))
    assert not clean, f"every pytest.raises has a match now: remove from NOT_YET_MATCHED: {clean}"


def test_the_check_finds_what_it_should() -> None:
    source = (
        "import pytest\nfrom pytest import raises\n"
        "with pytest.raises(ValueError):\n    pass\n"
        "with pytest.raises(ValueError, match='x'):\n    pass\n"
        "with raises(KeyError):\n    pass\n"
        "pytest.raises(ValueError, int, 'x')\n"
    )
    assert raises_without_match(source) == [3, 7, 9]
