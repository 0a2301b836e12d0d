"""BERT's uncased WordPiece tokenizer, for the embedding model of the accurate tier (``_embedding``).

What the model was trained with, step by step, so that its token ids are the ones it knows:

1. Clean: drop NUL, U+FFFD and control characters; every white-space character becomes a space.
2. Put spaces around CJK ideographs (each is a word of its own).
3. Split at white space; lower-case each word, decompose it (NFD) and drop combining marks (accents).
4. Split each word at every punctuation character (ASCII symbols count as punctuation, as in BERT).
5. WordPiece: the longest vocabulary entry that starts the word, then the longest ``##``-entry that
   continues it, and so on; a word that cannot be covered so (or is longer than 100 characters) is
   ``[UNK]``.

Linear in the text: step 5 tries at most 100 prefixes of a word of at most 100 characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

__all__ = ["WordPiece"]

_MAX_WORD = 100


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPiece:
    """Text to token ids over a BERT vocabulary (``vocab[token] = id``)."""

    __slots__ = ("_cls", "_longest", "_sep", "_unk", "_vocab")

    def __init__(self, vocab: Mapping[str, int]) -> None:
        self._vocab = vocab
        self._unk = vocab["[UNK]"]
        self._cls = vocab["[CLS]"]
        self._sep = vocab["[SEP]"]
        #: Characters of the longest entry (without ``##``): no piece is looked up past it.
        self._longest = max(len(token.removeprefix("##")) for token in vocab)

    @property
    def special(self) -> tuple[int, int]:
        """The ids of ``[CLS]`` and ``[SEP]``."""
        return self._cls, self._sep

    def words(self, text: str) -> list[str]:
        """Steps 1 to 4: the text's words and punctuation marks."""
        if text.isascii():  # the common case: no controls beyond ASCII's, no accents, no CJK
            if not text.isprintable():  # controls other than tab and line breaks are dropped, not spaces
                text = "".join(char for char in text if char.isprintable() or char in "\t\n\r")
            pieces = text.lower().split()
        else:
            out = []
            for char in text:
                code = ord(char)
                if code == 0 or code == 0xFFFD or _is_control(char):
                    continue
                if _is_cjk(code):
                    out.append(f" {char} ")
                elif char.isspace():
                    out.append(" ")
                else:
                    out.append(char)
            pieces = []
            for word in "".join(out).split():
                decomposed = unicodedata.normalize("NFD", word.lower())
                pieces.append("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
        words: list[str] = []
        for word in pieces:
            if word.isalnum():  # most words: no punctuation to split at
                words.append(word)
                continue
            start = 0
            for index, char in enumerate(word):
                if _is_punctuation(char):
                    if start < index:
                        words.append(word[start:index])
                    words.append(char)
                    start = index + 1
            if start < len(word):
                words.append(word[start:])
        return words

    def ids(self, text: str, limit: int | None = None) -> list[int]:
        """The text's token ids, without ``[CLS]`` and ``[SEP]`` (the first ``limit`` or more, if given)."""
        vocab, out = self._vocab, []
        for word in self.words(text):
            whole = vocab.get(word)
            if whole is not None:
                out.append(whole)
            else:
                out.extend(self._pieces(word))
            if limit is not None and len(out) >= limit:
                break
        return out

    def _pieces(self, word: str) -> list[int]:
        if len(word) > _MAX_WORD:
            return [self._unk]
        vocab, out, start = self._vocab, [], 0
        while start < len(word):
            end = min(len(word), start + self._longest)  # no entry is longer
            found = None
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self._unk]
            out.append(found)
            start = end
        return out

    def encode(self, text: str, max_length: int) -> list[int]:
        """``[CLS]`` + the text's first ids + ``[SEP]``, at most ``max_length`` ids in all."""
        return [self._cls, *self.ids(text)[: max_length - 2], self._sep]
