"""Password rules (docs/security.md): at least 12 characters, not in the bundled list of
breached and common passwords (with decoration taken off), not repetitive or sequential."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

TOO_SHORT = "This password is too short"
COMMON = "This password is too common"
REPETITIVE = "This password is made of repeated or sequential characters"

REFUSED = [
    ("aaaaaaaaaaaa", REPETITIVE),  # issue 17: accepted before
    ("abababababab", REPETITIVE),
    ("abcabcabcabc", REPETITIVE),
    ("passwordpassword", REPETITIVE),
    ("abcdefghijkl", REPETITIVE),
    ("123456789abc", REPETITIVE),
    ("zyxwvutsrqpo", REPETITIVE),
    ("aaaabbbbaaaa", REPETITIVE),  # two different characters only
    ("password", TOO_SHORT),
    ("Password2024!", COMMON),  # a common password with a year and a symbol on the end
    ("!!sunshine2025", COMMON),
    ("football123456", COMMON),
    ("qwertyuiop123", COMMON),
]
ACCEPTED = [
    "correct-horse-battery",
    "lantern orbit pebble",
    "Grey-Heron-Ashby-41",
    "mY2c!x9Qw#Lp",
]


@pytest.mark.parametrize(("password", "reason"), REFUSED)
def test_refused(password, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_password(password)


@pytest.mark.parametrize("password", ACCEPTED)
def test_accepted(password):
    validate_password(password)


@given(st.characters(min_codepoint=33, max_codepoint=126), st.integers(12, 40))
def test_any_single_character_repeated_is_refused(character, length):
    with pytest.raises(ValidationError, match=REPETITIVE):
        validate_password(character * length)


@given(
    st.text(alphabet=st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=6),
    st.integers(2, 8),
)
def test_any_short_piece_repeated_to_length_is_refused(piece, times):
    password = piece * times
    if len(password) < 12:
        password = piece * (12 // len(piece) + 1)
    with pytest.raises(ValidationError, match=f"{REPETITIVE}|{COMMON}"):
        validate_password(password)
