"""BERT's uncased WordPiece tokenizer, in plain Python, reading the model's own ``vocab.txt``.

It does what the model's ``tokenizer.json`` declares (BertNormalizer with clean_text,
handle_chinese_chars and lowercase, so accents are stripped; BertPreTokenizer; WordPiece with
"##" continuations and at most 100 characters a word), so QAF needs neither the ``tokenizers``
package nor the Hugging Face hub client it brings. ``tests/test_tokenizer.py`` pins its output
against ids the reference tokenizer produced (docs/adr/0005-local-text-model.md).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"
MAX_CHARS_PER_WORD = 100

# CJK ideographs are split into one word each, as BERT was trained.
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
_WHITESPACE_CONTROLS = "\t\n\r"


def _is_whitespace(ch: str) -> bool:
    return ch in _WHITESPACE_CONTROLS or ch.isspace() or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in _WHITESPACE_CONTROLS:
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def normalise_for_bert(text: str) -> str:
    """Clean, space out CJK ideographs, strip accents, lowercase (BertNormalizer)."""
    kept = []
    for ch in text:
        if ch in ("\x00", "\ufffd") or _is_control(ch):
            continue
        if _is_whitespace(ch):
            kept.append(" ")
        elif _is_cjk(ch):
            kept.extend((" ", ch, " "))
        else:
            kept.append(ch)
    decomposed = unicodedata.normalize("NFD", "".join(kept))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def pre_tokenise(text: str) -> list[str]:
    """Split on whitespace, and make each punctuation character a word of its own."""
    words: list[str] = []
    for chunk in text.split():
        current: list[str] = []
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


class WordPieceTokenizer:
    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.cls_id = vocab[CLS]
        self.sep_id = vocab[SEP]
        self.unk_id = vocab[UNK]

    @classmethod
    def from_vocab_file(cls, path: Path) -> WordPieceTokenizer:
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls({token: index for index, token in enumerate(lines)})

    def _word_ids(self, word: str) -> list[int]:
        if len(word) > MAX_CHARS_PER_WORD:
            return [self.unk_id]
        ids = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str, *, max_length: int) -> list[int]:
        """[CLS] + word pieces + [SEP], the pieces cut to fit ``max_length`` tokens in all."""
        ids: list[int] = []
        for word in pre_tokenise(normalise_for_bert(text)):
            ids.extend(self._word_ids(word))
            if len(ids) >= max_length - 2:
                break
        return [self.cls_id, *ids[: max_length - 2], self.sep_id]
