"""Checks for text and numbers that arrive from outside (API bodies, query strings, uploaded
YAML) before they reach the database: PostgreSQL refuses a NUL character in text, neither
database can store a lone UTF-16 surrogate, and an integer past 64 bits overflows both. Each
check returns the problem in words, with where it was, or None.

Call sites: the JSON API (qaf/api/middleware.py) and the audit tool upload
(`yaml_load_checked` for qaf/tools' YAML import)."""

from collections.abc import Iterator
from typing import Any

import yaml

from .errors import Invalid

MAX_INTEGER = 2**63 - 1  # PostgreSQL bigint and SQLite INTEGER
MIN_INTEGER = -(2**63)


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored as it is, or None."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    for character in value:
        if "\ud800" <= character <= "\udfff":
            return (
                f"contains a lone surrogate (\\u{ord(character):04x}), which is not valid Unicode"
            )
    return None


def _walk(data: Any, where: str) -> Iterator[tuple[str, Any]]:
    yield where, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(key, f"{where} (a key)" if where else "a key")
            yield from _walk(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from _walk(value, f"{where}[{index}]")


def data_problem(data: Any, *, where: str = "") -> str | None:
    """The first string or integer anywhere in nested data that cannot be stored, in words."""
    for place, value in _walk(data, where):
        if isinstance(value, str):
            problem = text_problem(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            problem = (
                None
                if MIN_INTEGER <= value <= MAX_INTEGER
                else "is a number too large to store (at most 9223372036854775807)"
            )
        else:
            problem = None
        if problem:
            return f"{place or 'the value'} {problem}"
    return None


def yaml_load_checked(text: str, *, what: str = "The file") -> Any:
    """Read YAML safely (no tags that run code) and refuse text or integers the database
    cannot store, with where they are. Raises Invalid."""
    problem = text_problem(text)
    if problem:
        raise Invalid(f"{what} {problem}")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise Invalid(f"{what} is not valid YAML{line}") from error
    problem = data_problem(data)
    if problem:
        raise Invalid(f"{what}: {problem}")
    return data
