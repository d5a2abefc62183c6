"""What the databases cannot store, found with where it is (qaf/common/input_checks.py)."""

import pytest

from qaf.common.errors import Invalid
from qaf.common.input_checks import data_problem, text_problem, yaml_load_checked


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("plain", None),
        ("Zoë, naïve café — “quotes” 👍", None),
        ("tab\tand\nnewline", None),
        ("a\x00b", "contains a NUL character (\\u0000)"),
        ("a\ud800b", "contains a lone surrogate (\\ud800), which is not valid Unicode"),
        ("\udfff", "contains a lone surrogate (\\udfff), which is not valid Unicode"),
    ],
)
def test_text(value, problem):
    assert text_problem(value) == problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"a": [1, "x", {"b": True}]}, None),
        ({"a": [1, "x\x00"]}, "a[1] contains a NUL character (\\u0000)"),
        ({"n": 2**63}, "n is a number too large to store (at most 9223372036854775807)"),
        ({"n": -(2**63)}, None),
        ({"n": -(2**63) - 1}, "n is a number too large to store (at most 9223372036854775807)"),
        ({"k\x00": 1}, "a key contains a NUL character (\\u0000)"),
    ],
)
def test_nested_data(data, problem):
    assert data_problem(data) == problem


YAML_CASES = [
    ("key: value\nitems: [1, 2]\n", None),
    ("big: 99999999999999999999999\n", "The file: big is a number too large to store"),
    ("hex: 0xFFFFFFFFFFFFFFFFFF\n", "The file: hex is a number too large to store"),
    ('text: "a\\0b"\n', "The file: text contains a NUL character"),
    ('text: "\\ud800"\n', "The file: text contains a lone surrogate"),
    ("key: [unclosed\n", "The file is not valid YAML at line 2"),
    ("!!python/object/apply:os.system ['true']\n", "The file is not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), YAML_CASES)
def test_yaml(text, message):
    if message is None:
        assert yaml_load_checked(text) == {"key": "value", "items": [1, 2]}
    else:
        with pytest.raises(Invalid, match=message.replace("[", r"\[")):
            yaml_load_checked(text)
