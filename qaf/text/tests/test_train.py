"""Training and tuning read the development half and the phrase bank only; the stored
classifier is the one they build from today's files."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from qaf.text import embedding, labelled, train
from qaf.text.safety import CLASSIFIER_PATH


def fake_embed(texts):
    """A stand-in for the model: a fixed pseudo-random unit vector a text (fast)."""
    out = []
    for t in texts:
        seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return np.array(out, dtype=np.float32).reshape(len(texts), 384)


def test_training_never_reads_the_held_out_half(monkeypatch):
    heldout = {e.text for e in labelled.heldout_examples()}
    read = []
    real_open = Path.open

    def watching_open(self, *args, **kwargs):
        read.append(self.resolve())
        if self.resolve() == labelled.HELDOUT_PATH.resolve():
            raise AssertionError("training opened the held-out half")
        return real_open(self, *args, **kwargs)

    def refuse():
        raise AssertionError("training asked for the held-out half")

    monkeypatch.setattr(Path, "open", watching_open)
    monkeypatch.setattr(labelled, "heldout_examples", refuse)
    built = train.build(fake_embed)
    assert labelled.DEV_PATH.resolve() in read
    assert train.PHRASES_PATH.resolve() in read
    assert not heldout & set(built.classifier.texts)


def test_the_threshold_finds_the_target_share_of_development_disclosures():
    built = train.build(fake_embed)
    assert built.dev_recall >= train.TARGET_RECALL
    assert built.dev_texts == len(labelled.dev_examples())


def test_the_stored_classifier_was_built_from_todays_files():
    with np.load(CLASSIFIER_PATH, allow_pickle=False) as data:
        stored = {k: str(data[k]) for k in ("weights_sha256", "dev_sha256", "phrases_sha256")}
    assert stored == {
        "weights_sha256": embedding.WEIGHTS_SHA256,
        "dev_sha256": hashlib.sha256(labelled.DEV_PATH.read_bytes()).hexdigest(),
        "phrases_sha256": hashlib.sha256(train.PHRASES_PATH.read_bytes()).hexdigest(),
    }, "the labelled files changed: run make train-safety and commit the classifier"


@pytest.mark.parametrize("path", [labelled.DEV_PATH, train.PHRASES_PATH])
def test_every_example_the_screen_compares_with_is_labelled(path):
    for e in labelled.read_examples(path):
        assert e.label in labelled.LABELS
        assert labelled.kind_label(e.category) != e.category, e.id
