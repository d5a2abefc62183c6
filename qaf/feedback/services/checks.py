"""Checks every feedback write shares: text that can be stored, and answers refused field by
field."""

from __future__ import annotations

from qaf.common.errors import Invalid


class SubmissionInvalid(Invalid):
    """Answers refused; ``errors`` maps a question key (or field name) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def text_problem(value: str) -> str | None:
    """Why text cannot be stored (NUL bytes, lone surrogates), or None. Everything else,
    including right-to-left overrides, zero-width characters and emoji, is kept as typed."""
    if "\x00" in value:
        return "has a hidden “null” character that cannot be saved. Delete it and try again"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return "has a broken character that cannot be saved. Delete it and try again"
    return None


def text_check(value: str, *, label: str) -> None:
    problem = text_problem(value)
    if problem:
        raise Invalid(f"{label} {problem}")
