"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS, docs/security.md)."""

import itertools
import re
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

# What people add to a common password to pass a length rule: digits, symbols, a year.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
MIN_DISTINCT_CHARACTERS = 5


class BreachedPasswordValidator(CommonPasswordValidator):
    """Refuses a password in Django's bundled list of 20,000 passwords common in breaches,
    also once the digits and symbols around it are taken off ("Password2024!" is "password")."""

    def validate(self, password: str, user: Any = None) -> None:
        plain = password.lower().strip()
        stripped = _DECORATION.sub("", plain)
        if plain in self.passwords or (len(stripped) >= 4 and stripped in self.passwords):
            raise ValidationError(
                "This password is too common: it is in lists of passwords from data breaches. "
                "Choose one that is harder to guess",
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be a common password, even with numbers added."


def _repeats_a_unit(password: str) -> bool:
    """The whole password is one shorter piece over and over ("abcabcabcabc")."""
    size = len(password)
    return any(
        size % unit == 0 and password[:unit] * (size // unit) == password
        for unit in range(1, size // 2 + 1)
    )


def _is_a_run(password: str) -> bool:
    """Mostly consecutive characters up or down ("abcdefghijkl", "123456789012", "zyxw...")."""
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(password)]
    if not steps:
        return False
    in_run = sum(1 for step in steps if step in (1, -1))
    return in_run / len(steps) >= 0.75


class RepetitivePasswordValidator:
    """Refuses passwords that are long only by repetition or sequence ("aaaaaaaaaaaa")."""

    def validate(self, password: str, user: Any = None) -> None:
        plain = password.lower()
        if len(set(plain)) < MIN_DISTINCT_CHARACTERS or _repeats_a_unit(plain) or _is_a_run(plain):
            raise ValidationError(
                "This password is made of repeated or sequential characters (like aaaaaaaaaaaa "
                "or 123456789abc). Choose one that is harder to guess",
                code="password_repetitive",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be made of repeated or sequential characters."
