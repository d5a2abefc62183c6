"""The safety trigger's text check (pure Python, no ORM).

The words live in ``safety_words.txt`` (documented in docs/safety-trigger-words.md). Text is
matched on a normalised copy only; what was typed is stored unchanged. Normalising removes
invisible format characters (zero-width spaces and joiners, bidirectional controls, soft
hyphens: Unicode category Cf), strips combining marks after compatibility decomposition
(NFKD: "hu\u0301rt" and full-width letters match "hurt"), folds case and collapses whitespace,
so inserting a zero-width space or an accent does not get past the check.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

WORDS_PATH = Path(__file__).parent / "safety_words.txt"

# Answers to the `feel_safe` question that raise a concern (docs/feedback.md).
NOT_SAFE_ANSWERS: frozenset[str] = frozenset({"no", "sometimes"})
SAFETY_QUESTION = "feel_safe"


def load_words(path: Path = WORDS_PATH) -> tuple[str, ...]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(normalise(line))
    return tuple(dict.fromkeys(words))


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me", "Cc") and ch not in "\n\t\r":
            continue
        kept.append(ch)
    folded = "".join(kept).casefold()
    # Hyphens and whitespace runs between words count as one space ("self - harm", "self-harm").
    return re.sub(r"[\s\-\u2010-\u2015_]+", " ", folded).strip()


@cache
def _pattern() -> re.Pattern[str]:
    words = sorted(load_words(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def trigger_words_found(text: str) -> list[str]:
    """The listed words or phrases the text contains, each once, in the order found."""
    if not text:
        return []
    found = [m.group(0) for m in _pattern().finditer(normalise(text))]
    return list(dict.fromkeys(found))
