"""The labelled safety set: short texts written as children, young people and parents write,
each a disclosure of harm or not (docs/safety-screening.md, "The labelled set").

Two files, split once by a fixed rule on each text's own words (`half_for`):
``safety_dev.tsv`` is the development half, the only one that training and tuning read;
``safety_heldout.tsv`` is the held-out half, read only to measure the screen. Every text is
fictional.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).parent / "data"
DEV_PATH = DATA_DIR / "safety_dev.tsv"
HELDOUT_PATH = DATA_DIR / "safety_heldout.tsv"

Half = Literal["dev", "heldout"]

# The kinds of disclosure the screen must recognise, and the kinds of ordinary text it must let
# pass; the labels are what a duty worker reads.
DISCLOSURE_KINDS: dict[str, str] = {
    "physical": "Physical abuse",
    "sexual": "Sexual abuse",
    "emotional": "Emotional abuse",
    "neglect": "Neglect or hunger",
    "domestic": "Domestic abuse",
    "exploitation": "Exploitation, grooming or county lines",
    "online": "Online harm",
    "self_harm": "Self-harm",
    "suicidal": "Suicidal thoughts",
    "fear": "Fear of a person or of going home",
}
ORDINARY_KINDS: dict[str, str] = {
    "service": "Complaint about a service",
    "sadness": "Sadness",
    "idiom": "Everyday figure of speech",
    "pets": "A pet or relative dying",
    "strict": "Strict parents or carers",
    "home": "Wanting to go home",
    "bored": "Boredom",
    "school": "School stress",
    "praise": "Praise",
    "everyday": "Everyday news",
}
LABELS = ("disclosure", "ordinary")


@dataclass(frozen=True)
class Example:
    id: str
    label: str
    category: str
    text: str

    @property
    def disclosure(self) -> bool:
        return self.label == "disclosure"


def half_for(text: str) -> Half:
    """The half a text belongs to, from its own words only: adding or removing another text
    never moves it."""
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


def read_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Example(r["id"], r["label"], r["category"], r["text"]) for r in rows]


def write_examples(path: Path, examples: list[Example]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        out.writerow(["id", "label", "category", "text"])
        for e in examples:
            out.writerow([e.id, e.label, e.category, e.text])


def dev_examples() -> list[Example]:
    """The development half: the only texts training and tuning may read."""
    return read_examples(DEV_PATH)


def heldout_examples() -> list[Example]:
    """The held-out half: for measuring the screen, never for tuning it."""
    return read_examples(HELDOUT_PATH)


def kind_label(category: str) -> str:
    return DISCLOSURE_KINDS.get(category) or ORDINARY_KINDS.get(category, category)
