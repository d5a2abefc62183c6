"""The safety trigger's word check: whole words, any case, and no evasion by invisible or
combining characters. The documented list and the shipped list are the same."""

import re
from pathlib import Path

import pytest

from qaf.feedback.safety import WORDS_PATH, load_words, normalise, trigger_words_found

DOC = Path(__file__).resolve().parents[3] / "docs" / "safety-trigger-words.md"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("He hurts me when mum is out", ["hurts me"]),
        ("HE HURTS ME", ["hurts me"]),
        ("he h\u200burts me", ["hurts me"]),  # zero-width space inside the word
        ("he hurts\u2060 me", ["hurts me"]),  # word joiner
        ("he hu\u0301rts me", ["hurts me"]),  # combining acute accent
        ("he \uff48\uff55\uff52\uff54\uff53 me", ["hurts me"]),  # full-width letters
        ("I want to\n\ndie", ["want to die"]),
        ("self\u2011harm", ["self harm"]),  # non-breaking hyphen
        ("I feel \u202eunsafe", ["unsafe"]),  # right-to-left override
    ],
)
def test_words_are_found_however_they_are_disguised(text, found):
    assert trigger_words_found(text) == found


@pytest.mark.parametrize("text", ["I am on a diet", "we had a barbecue", "Dieter is my friend", ""])
def test_words_inside_other_words_are_not_found(text):
    assert trigger_words_found(text) == []


def test_normalise_keeps_emoji_and_scripts_it_does_not_need_to_change():
    assert normalise("Ça va 😀") == "ca va 😀"


def test_the_documented_list_is_the_shipped_list():
    doc = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- words start -->\n```text\n(.*?)```", doc, re.S)
    assert block, "docs/safety-trigger-words.md must hold the list between the markers"
    documented = tuple(normalise(w) for w in block.group(1).splitlines() if w.strip())
    assert tuple(dict.fromkeys(documented)) == load_words(WORDS_PATH)
