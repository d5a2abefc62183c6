"""The safety screen: does a child's, young person's or parent's free text disclose harm?

Two signals, either of which raises an alert (docs/safety-screening.md):

- the **model**: every sentence, and the whole text in overlapping windows, is embedded with
  all-MiniLM-L6-v2 (``embedding.py``) and compared with labelled examples: the development
  half of the labelled set and the phrase bank (``train.py`` stores their vectors and the
  threshold in ``data/safety_classifier.npz``); a part much closer to disclosures than to
  ordinary texts alerts, and the nearest labelled disclosure names the kind of harm;
- the **word list** maintained by the QA unit (``qaf.feedback.safety``, the same matcher and
  the same list the feedback pages use), a phrase on it alerts.

If the model cannot be loaded the screen runs on the list alone, logs a warning once and says so
in ``screen_status()``. Text is screened on a normalised copy (invisible and combining
characters removed, compatibility letters folded); what was typed is never changed, and the
sentences reported are quoted as typed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from qaf.feedback.safety import normalise, trigger_words_found

from . import embedding
from .labelled import kind_label

logger = logging.getLogger(__name__)

CLASSIFIER_PATH = Path(__file__).parent / "data" / "safety_classifier.npz"
# The longest free text a survey accepts (qaf.feedback.models.MAX_TEXT); the model reads at
# most this much of a text, the word list reads all of it.
MAX_SCREENED_CHARS = 5000
# A sentence longer than SENTENCE_WORDS (a run-on answer with no full stops) is read in
# overlapping windows of that many words, and the whole text in windows of PASSAGE_WORDS.
SENTENCE_WORDS = 24
PASSAGE_WORDS = 48

_SENTENCE = re.compile(r"[^\n.!?\u2026]*(?:[.!?\u2026]+|\n|$)")
_WORD = re.compile(r"\S+")
_TAG = re.compile(r"<[^<>\n]{0,100}>")


# --- What the screen says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One reason for an alert: the words as typed, and what in them raised it."""

    kind: Literal["model", "list"]
    sentence: str
    phrase: str = ""  # list: the listed word or phrase found
    score: float = 0.0  # model: 0 to 1, alert at the threshold
    threshold: float = 0.0
    category: str = ""  # model: the kind of harm of the nearest labelled disclosure
    example: str = ""  # model: that labelled (fictional) disclosure

    def explain(self) -> str:
        if self.kind == "list":
            return f"Listed phrase “{self.phrase}” in: “{self.sentence}”"
        return (
            f"Model score {self.score:.2f} (alerts at {self.threshold:.2f}), "
            f"closest to {self.category.lower()} (like “{self.example}”), in: “{self.sentence}”"
        )


@dataclass(frozen=True)
class ScreenResult:
    alert: bool
    signals: tuple[Signal, ...] = ()
    model_used: bool = False
    model_score: float | None = None  # the highest score of any part of the text
    truncated: bool = False  # the model read only the first MAX_SCREENED_CHARS characters

    @property
    def sentences(self) -> tuple[str, ...]:
        """The sentences (as typed) that raised the alert, each once, for the duty worker."""
        return tuple(dict.fromkeys(s.sentence for s in self.signals))

    @property
    def listed_phrases(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.phrase for s in self.signals if s.kind == "list"))

    def explanation(self) -> list[str]:
        lines = [s.explain() for s in self.signals]
        if not self.model_used:
            lines.append("Screened with the word list only: the model was not available.")
        elif self.truncated:
            lines.append(
                f"The model read the first {MAX_SCREENED_CHARS:,} characters; "
                "the word list read all of it."
            )
        return lines


@dataclass(frozen=True)
class ScreenStatus:
    model_loaded: bool
    description: str


# --- Splitting a text into the parts the model reads ------------------------------------------


@dataclass(frozen=True)
class Part:
    start: int
    end: int
    text: str  # as typed
    sentence: bool = True  # False for a window over several sentences


def _windows(text: str, start: int, end: int, *, sentence: bool = True) -> list[Part]:
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    if not words:
        return []
    # Sentence windows overlap by half, so no phrase is cut in two; passages (context only:
    # every sentence is also read on its own) do not overlap.
    size = SENTENCE_WORDS if sentence else PASSAGE_WORDS
    step = size // 2 if sentence else size
    firsts = list(range(0, max(len(words) - size, 0) + 1, step))
    if firsts[-1] + size < len(words):
        firsts.append(len(words) - size)
    parts = []
    for first in firsts:
        last = min(first + size, len(words)) - 1
        s, e = words[first][0], words[last][1]
        parts.append(Part(s, e, text[s:e], sentence))
    return parts


def split_parts(text: str) -> list[Part]:
    """Each sentence, and (when there are several) the whole text, in windows: a disclosure is
    read on its own and in its context."""
    sentences: list[Part] = []
    for m in _SENTENCE.finditer(text):
        sentences.extend(_windows(text, m.start(), m.end()))
    parts = list(sentences)
    if len(sentences) > 1:
        parts.extend(_windows(text, 0, len(text), sentence=False))
    return list({(p.start, p.end): p for p in parts}.values())


def model_input(text: str) -> str:
    """The copy of a part the model reads: HTML tags dropped, then normalised as the word list
    normalises (invisible and combining characters removed, case folded). Empty when no
    letter or digit is left: an emoji or a row of dots is not read as a sentence."""
    copy = normalise(_TAG.sub(" ", text))
    return copy if any(ch.isalnum() for ch in copy) else ""


# --- The model and its classifier -------------------------------------------------------------


NEIGHBOURS = 5  # how many nearest examples of each label a part is compared with


@dataclass(frozen=True)
class Classifier:
    """Labelled examples as vectors: a part of a text scores by how much closer it is to its
    nearest disclosures than to its nearest ordinary texts (docs/safety-screening.md)."""

    vectors: NDArray[np.float32]  # unit vectors, one a labelled example
    disclosure: NDArray[np.bool_]
    categories: tuple[str, ...]
    texts: tuple[str, ...]
    threshold: float

    def scores(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """Mean similarity to the NEIGHBOURS nearest disclosures minus that to the nearest
        ordinary texts: above 0 means closer to disclosures."""
        sims = vectors @ self.vectors.T
        near_disclosures = np.sort(sims[:, self.disclosure], axis=1)[:, -NEIGHBOURS:]
        near_ordinary = np.sort(sims[:, ~self.disclosure], axis=1)[:, -NEIGHBOURS:]
        return (near_disclosures.mean(axis=1) - near_ordinary.mean(axis=1)).astype(np.float32)

    def nearest_disclosure(self, vector: NDArray[np.float32]) -> tuple[str, str]:
        """The kind of harm and the words of the labelled disclosure nearest to ``vector``."""
        sims = np.where(self.disclosure, self.vectors @ vector, -np.inf)
        best = int(np.argmax(sims))
        return kind_label(self.categories[best]), self.texts[best]


def load_classifier(path: Path = CLASSIFIER_PATH) -> Classifier:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["weights_sha256"]) != embedding.WEIGHTS_SHA256:
                raise embedding.ModelUnavailable(
                    f"{path.name} was built with other model weights: run make train-safety"
                )
            return Classifier(
                vectors=data["vectors"].astype(np.float32),
                disclosure=data["disclosure"].astype(bool),
                categories=tuple(str(c) for c in data["categories"]),
                texts=tuple(str(t) for t in data["texts"]),
                threshold=float(data["threshold"]),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise embedding.ModelUnavailable(f"{path.name} could not be read: {exc}") from exc


# --- The screen -------------------------------------------------------------------------------


@dataclass
class Screener:
    embedder: embedding.Embedder | None = None
    classifier: Classifier | None = None
    unavailable_reason: str = ""
    load_seconds: float = 0.0

    @classmethod
    def load(
        cls, *, model_dir: Path | None = None, classifier_path: Path = CLASSIFIER_PATH
    ) -> Screener:
        """The model and classifier, or the list alone (with the reason, logged) if either
        cannot be loaded."""
        started = time.perf_counter()
        try:
            embedder = embedding.load_embedder(model_dir)
            classifier = load_classifier(classifier_path)
        except embedding.ModelUnavailable as exc:
            logger.warning("Safety screen: word list only, because %s", exc)
            return cls(unavailable_reason=str(exc))
        return cls(embedder, classifier, load_seconds=time.perf_counter() - started)

    @property
    def status(self) -> ScreenStatus:
        if self.embedder is None:
            return ScreenStatus(False, f"Word list only, because {self.unavailable_reason}")
        return ScreenStatus(
            True,
            f"Model {embedding.MODEL_NAME} ({embedding.MODEL_PACKAGE} "
            f"{embedding.MODEL_PACKAGE_VERSION}) and the word list; "
            f"loaded in {self.load_seconds:.1f} s",
        )

    def model_scores(self, parts: list[Part]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        assert self.embedder is not None and self.classifier is not None
        inputs = [model_input(p.text) for p in parts]
        position = {t: k for k, t in enumerate(dict.fromkeys(inputs))}  # each text read once
        vectors = self.embedder.embed(list(position))[[position[t] for t in inputs]]
        return self.classifier.scores(vectors), vectors

    def screen(self, text: str) -> ScreenResult:
        text = text or ""
        signals: list[Signal] = []
        sentences = [Part(m.start(), m.end(), m.group(0)) for m in _SENTENCE.finditer(text)]
        for sentence in sentences:
            for phrase in trigger_words_found(sentence.text):
                signals.append(Signal("list", sentence.text.strip(), phrase=phrase))
        # A phrase broken across two sentences is still found in the whole text.
        found = {s.phrase for s in signals}
        for phrase in trigger_words_found(text):
            if phrase not in found:
                signals.append(Signal("list", text.strip(), phrase=phrase))

        if self.embedder is None or self.classifier is None:
            return ScreenResult(alert=bool(signals), signals=tuple(signals))

        screened = text[:MAX_SCREENED_CHARS]
        parts = [p for p in split_parts(screened) if model_input(p.text)]
        best: float | None = None
        if parts:
            # The weights are only read, so threads may screen at the same time.
            scores, vectors = self.model_scores(parts)
            best = float(scores.max())
            threshold = self.classifier.threshold
            alerting = [
                (part, score, vector)
                for part, score, vector in zip(parts, scores, vectors, strict=True)
                if score >= threshold
            ]
            # A passage is reported only when none of its own sentences already is.
            sentences_alerting = [p for p, _, _ in alerting if p.sentence]
            for part, score, vector in alerting:
                if not part.sentence and any(
                    part.start <= s.start and s.end <= part.end for s in sentences_alerting
                ):
                    continue
                category, example = self.classifier.nearest_disclosure(vector)
                signals.append(
                    Signal(
                        "model",
                        part.text.strip(),
                        score=float(score),
                        threshold=threshold,
                        category=category,
                        example=example,
                    )
                )
        return ScreenResult(
            alert=bool(signals),
            signals=tuple(signals),
            model_used=True,
            model_score=best,
            truncated=len(text) > MAX_SCREENED_CHARS,
        )


_screener: Screener | None = None
_screener_lock = threading.Lock()


def get_screener() -> Screener:
    """The process's screener, loaded on first use (once, whichever thread asks first)."""
    global _screener
    if _screener is None:
        with _screener_lock:
            if _screener is None:
                _screener = Screener.load()
    return _screener


def screen(text: str) -> ScreenResult:
    """Screen one free text; never raises for what a person typed."""
    return get_screener().screen(text)


def screen_status() -> ScreenStatus:
    """Whether the model is loaded, or why the screen runs on the word list alone."""
    return get_screener().status
