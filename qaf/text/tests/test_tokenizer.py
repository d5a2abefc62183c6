"""QAF's WordPiece tokenizer gives the ids the reference tokenizer (Hugging Face `tokenizers`
0.23.3 reading the model's tokenizer.json) gave for awkward input and a sample of the labelled
set; tokenizer_golden.json holds those ids."""

import json
from pathlib import Path

import pytest

from qaf.text.embedding import model_dir
from qaf.text.tokenizer import WordPieceTokenizer

GOLDEN = json.loads((Path(__file__).parent / "tokenizer_golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer.from_vocab_file(model_dir() / "vocab.txt")


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: repr(c["text"][:30]))
def test_ids_match_the_reference_tokenizer(tokenizer, case):
    assert tokenizer.encode(case["text"], max_length=10_000) == case["ids"]


def test_long_text_is_cut_to_the_limit_and_still_closed(tokenizer):
    ids = tokenizer.encode("word " * 1000, max_length=256)
    assert len(ids) == 256
    assert ids[0] == tokenizer.cls_id
    assert ids[-1] == tokenizer.sep_id


def test_a_word_longer_than_100_characters_is_unknown(tokenizer):
    assert tokenizer.encode("a" * 101, max_length=10) == [
        tokenizer.cls_id,
        tokenizer.unk_id,
        tokenizer.sep_id,
    ]
