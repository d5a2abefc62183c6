"""Build the safety screen's classifier from the development half and the phrase bank only.

    .venv/bin/python -m qaf.text.train      (make train-safety)

writes ``data/safety_classifier.npz``: the vectors of the labelled examples the screen compares
texts with, their labels and kinds, and the alert threshold. The threshold is tuned by
cross-validation on the development half alone (each text scored by examples from the other
folds); the held-out half is never read here (``tests/test_train.py`` checks it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from qaf.feedback.safety import trigger_words_found

from . import embedding
from .labelled import DATA_DIR, DEV_PATH, Example, dev_examples, read_examples
from .safety import CLASSIFIER_PATH, Classifier, model_input, split_parts

PHRASES_PATH = DATA_DIR / "safety_phrases.tsv"
FOLDS = 10
# Recall the threshold is tuned to on the development half (with the word list), above the
# goal of 97% on the held-out half: a missed disclosure is worse than a false alarm.
TARGET_RECALL = 0.98

Embed = Callable[[list[str]], NDArray[np.float32]]


@dataclass(frozen=True)
class Built:
    classifier: Classifier
    dev_recall: float  # cross-validated on the development half, model + list
    dev_false_alarms: float
    dev_texts: int


def _fold(example: Example) -> int:
    return int(hashlib.sha256(example.id.encode("utf-8")).hexdigest(), 16) % FOLDS


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parts(text: str) -> list[tuple[str, str]]:
    """Each part the screen reads: its words as written, and the normalised copy embedded."""
    return [(p.text.strip(), model_input(p.text)) for p in split_parts(text) if model_input(p.text)]


def _classifier(rows: list[tuple[Example, NDArray[np.float32]]], threshold: float) -> Classifier:
    return Classifier(
        vectors=np.array([v for _, v in rows], dtype=np.float32),
        disclosure=np.array([e.disclosure for e, _ in rows], dtype=bool),
        categories=tuple(e.category for e, _ in rows),
        texts=tuple(e.text for e, _ in rows),
        threshold=threshold,
    )


def build(embed: Embed) -> Built:
    dev = dev_examples()
    phrases = read_examples(PHRASES_PATH)
    part_texts = {e.id: _parts(e.text) for e in dev}
    unique = sorted(
        {n for parts in part_texts.values() for _, n in parts} | {model_input(e.text) for e in dev}
    )
    vector_of = dict(zip(unique, embed(unique), strict=True))
    phrase_rows = list(zip(phrases, embed([model_input(p.text) for p in phrases]), strict=True))

    def rows_for(examples: list[Example]) -> list[tuple[Example, NDArray[np.float32]]]:
        # Every part of an ordinary text is ordinary. A disclosure of one part is an example as
        # it is; of several (often a kind word, then the harm), only its part most like a
        # disclosure, so "I like art." in front of a disclosure does not become one.
        rows = [
            (replace(e, text=written), vector_of[n])
            for e in examples
            if not e.disclosure
            for written, n in part_texts[e.id]
        ]
        single = [e for e in examples if e.disclosure and len(part_texts[e.id]) <= 1]
        rows += [(e, vector_of[model_input(e.text)]) for e in single]
        first = _classifier(phrase_rows + rows, threshold=0.0)
        for e in examples:
            if e.disclosure and len(part_texts[e.id]) > 1:
                parts = part_texts[e.id]
                vectors = np.array([vector_of[n] for _, n in parts], dtype=np.float32)
                best = int(np.argmax(first.scores(vectors)))
                rows.append((replace(e, text=parts[best][0]), vectors[best]))
        return rows

    # Cross-validated scores: each development text scored against the other folds.
    scores = np.zeros(len(dev), dtype=np.float32)
    for fold in range(FOLDS):
        others = [e for e in dev if _fold(e) != fold]
        fold_classifier = _classifier(phrase_rows + rows_for(others), threshold=0.0)
        for i, e in enumerate(dev):
            if _fold(e) == fold:
                vectors = np.array([vector_of[n] for _, n in part_texts[e.id]], dtype=np.float32)
                scores[i] = fold_classifier.scores(vectors).max()
    listed = np.array([bool(trigger_words_found(e.text)) for e in dev])
    disclosure = np.array([e.disclosure for e in dev])

    # The highest threshold that still finds TARGET_RECALL of the disclosures, model or list.
    needed = int(np.ceil(TARGET_RECALL * disclosure.sum())) - int((disclosure & listed).sum())
    model_only = np.sort(scores[disclosure & ~listed])[::-1]
    threshold = float(model_only[max(needed, 1) - 1]) if needed > 0 else float(model_only[0])
    alerts = (scores >= threshold) | listed
    return Built(
        classifier=_classifier(phrase_rows + rows_for(dev), threshold),
        dev_recall=float(alerts[disclosure].mean()),
        dev_false_alarms=float(alerts[~disclosure].mean()),
        dev_texts=len(dev),
    )


def save(built: Built, path: Path = CLASSIFIER_PATH) -> None:
    c = built.classifier
    np.savez_compressed(
        path,
        vectors=c.vectors.astype(np.float16),
        disclosure=c.disclosure,
        categories=np.array(c.categories),
        texts=np.array(c.texts),
        threshold=np.float32(c.threshold),
        weights_sha256=np.array(embedding.WEIGHTS_SHA256),
        dev_sha256=np.array(_sha256(DEV_PATH)),
        phrases_sha256=np.array(_sha256(PHRASES_PATH)),
    )


def main() -> None:
    built = build(embedding.load_embedder().embed)
    save(built)
    print(
        f"Wrote {CLASSIFIER_PATH.name}: {len(built.classifier.texts)} examples, "
        f"threshold {built.classifier.threshold:.3f}; cross-validated on the "
        f"{built.dev_texts} development texts (model + list): recall "
        f"{built.dev_recall:.1%}, false alarms {built.dev_false_alarms:.1%}"
    )


if __name__ == "__main__":
    main()
