import pytest

from qaf.text.safety import Screener, get_screener


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The process's screener with the model loaded (once a test session)."""
    loaded = get_screener()
    assert loaded.embedder is not None, loaded.status.description
    return loaded


@pytest.fixture
def model_files(tmp_path, screener):
    """A copy of the model directory made of links to the installed files, to damage."""
    from qaf.text.embedding import MODEL_FILES, model_dir

    for name in MODEL_FILES:
        (tmp_path / name).symlink_to(model_dir() / name)
    return tmp_path
