"""Formula escaping for every spreadsheet export, and that each export uses it."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qaf.common.exports import FORMULA_STARTS, spreadsheet_safe, spreadsheet_safe_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 1234", "'+44 1234"),
        ("-1+1", "'-1+1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain text", "plain text"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_text_that_starts_like_a_formula_is_escaped(value: str, expected: str) -> None:
    assert spreadsheet_safe(value) == expected


def test_numbers_dates_and_blanks_pass_unchanged() -> None:
    day = dt.date(2025, 1, 1)
    assert spreadsheet_safe_row([-3, 2.5, day, None, True]) == [-3, 2.5, day, None, True]


@given(st.text())
def test_no_escaped_cell_starts_a_formula(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe.removeprefix("'") == text or safe == text
