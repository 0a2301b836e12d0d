"""``keyword_detector``: banned keywords, matched whole-word, case-insensitively, through Unicode tricks.

All keywords are matched in one pass: they are compiled into a single trie-shaped regular expression
(longest alternative first at every node), searched in the folded text (see ``_normalize``): full-width
letters, ligatures, accents, combining underlines, zero-width characters and a few Cyrillic/Greek
lookalikes do not hide a keyword. Pure-ASCII text skips folding. A keyword that begins (ends) with a
word character only matches where the text has no word character just before (after) it, so ``kill``
does not match ``skill``; whitespace inside a keyword matches any run of whitespace.

Enkrypt's shape: ``summary.keyword_detected`` is the number of distinct keywords found; details hold
``detected_keywords``, ``detected_counts`` and ``redacted_text`` with ``[KEYWORD_n]`` placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, field_validator

from ._common import DetectorConfig
from ._normalize import fold, fold_with_offsets, original_span
from .base import Finding, Located, Report, Span, compact_json, json_string

__all__ = ["KeywordDetector", "KeywordDetectorConfig"]

_SPACE = " "  # the trie token standing for a run of whitespace
_END = ""  # the trie key marking the end of a keyword
_CLEAN = Finding(detected=False)
#: The JSON of a report's ``details`` when no keyword was found, up to the value of ``redacted_text``.
_NOTHING_HEAD = compact_json({"detected_keywords": [], "detected_counts": {}})[:-1] + ',"redacted_text":'


class KeywordDetectorConfig(DetectorConfig):
    """Options of the ``keyword_detector`` detector (the threshold is not used: any keyword fires)."""

    name: Literal["keyword_detector"] = "keyword_detector"
    banned_keywords: list[str] = Field(
        default_factory=list,
        description="Words or phrases to detect; matched whole-word, ignoring case, accents and lookalikes.",
    )

    @field_validator("banned_keywords")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        for index, keyword in enumerate(value):
            if not fold(keyword).split():
                raise ValueError(f"banned_keywords[{index}] is empty or only whitespace/invisible characters")
        return value

    def build(self) -> KeywordDetector:
        return KeywordDetector(self.banned_keywords, block_message=self.block_message)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _token_regex(token: str) -> str:
    return r"\s+" if token == _SPACE else re.escape(token)


def _trie_regex(node: dict[str, Any], last: str) -> str:
    """Alternation for the keywords below ``node``; ``last`` is the token that led to it."""
    branches = [_token_regex(token) + _trie_regex(child, token) for token, child in node.items() if token != _END]
    if _END in node:  # shortest alternative last, so the longest keyword wins
        branches.append(r"(?!\w)" if _is_word(last) else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _compile(folded_keywords: Sequence[str]) -> re.Pattern[str] | None:
    trie: dict[str, Any] = {}
    for keyword in folded_keywords:
        node = trie
        for token in _SPACE.join(keyword.split()):
            node = node.setdefault(token, {})
        node[_END] = {}
    if not trie:
        return None
    # A keyword starting with a word character must not follow one. The check sits after the first
    # character ((?<!\w.) looks at the character before it) so the pattern still starts with a literal,
    # which lets the regex engine skip quickly over text that cannot start a match.
    branches = []
    for token, child in trie.items():
        guard = r"(?<!\w.)" if _is_word(token) else ""
        branches.append(_token_regex(token) + guard + _trie_regex(child, token))
    return re.compile("|".join(branches))


#: Up to this many gate words are looked for with ``in``; more use a set of the text's words.
_MAX_SUBSTRING_GATES = 12


def _word_table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789_":
        table[byte] = byte
    return bytes(table)


_WORD_BYTES = _word_table()
_ASCII_WORD = re.compile(r"[a-z0-9_]+")


class KeywordDetector:
    """Finds banned keywords; spans are in original-text offsets, labelled with the keyword as configured."""

    name = "keyword_detector"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Banned keyword detected"

    __slots__ = (
        "_gate_keys",
        "_gate_pieces",
        "_gate_words",
        "_keyword_by_folded",
        "_pattern",
        "block_message",
        "keywords",
    )

    def __init__(self, banned_keywords: Sequence[str] = (), *, block_message: str | None = None) -> None:
        keyword_by_folded: dict[str, str] = {}
        for keyword in banned_keywords:
            folded = _SPACE.join(fold(keyword).split())
            if folded:
                keyword_by_folded.setdefault(folded, keyword)
        self.keywords: tuple[str, ...] = tuple(keyword_by_folded.values())
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE
        self._keyword_by_folded = keyword_by_folded
        self._pattern = _compile(list(keyword_by_folded))
        # A cheap test that must pass before the pattern runs. Every whitespace-separated piece of a
        # keyword occurs in the folded text where it matches, and every ASCII word in it ("silver",
        # "phoenix"; "don" in "don't") is a whole word of that text. Few keywords: look for each one's
        # longest piece with ``in``. Many: a keyword is a candidate when the text has all its words of 3
        # letters or more; one without such words but with a symbol ("a$$", "f@ck") when the text has
        # that piece (looked for only if the symbol occurs at all); any other when it has all its words.
        index: dict[bytes, list[frozenset[bytes]]] = {}
        pieces: set[str] = set()
        many = len(keyword_by_folded) > _MAX_SUBSTRING_GATES
        for folded in keyword_by_folded:
            words = _ASCII_WORD.findall(folded)
            long_words = [word for word in words if len(word) >= 3]
            piece = max(folded.split(_SPACE), key=len)
            if many and (long_words or (words and _ASCII_WORD.fullmatch(piece))):
                word_set = frozenset(word.encode() for word in long_words or words)
                for word in word_set:
                    index.setdefault(word, []).append(word_set)
            else:
                pieces.add(piece)
        # A piece that contains another is redundant: the shorter one is found wherever it is.
        kept = sorted(piece for piece in pieces if not any(other != piece and other in piece for other in pieces))
        by_symbol: dict[str, list[str]] = {}
        for piece in kept:
            symbol = next((char for char in piece if not char.isalnum()), "")
            by_symbol.setdefault(symbol, []).append(piece)
        self._gate_pieces: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
            (symbol, tuple(group)) for symbol, group in by_symbol.items()
        )
        self._gate_words: dict[bytes, tuple[frozenset[bytes], ...]] = {
            word: tuple(set(sets)) for word, sets in index.items()
        }
        self._gate_keys: frozenset[bytes] = frozenset(index)

    def _may_match(self, folded: str) -> bool:
        for symbol, group in self._gate_pieces:
            if (not symbol or symbol in folded) and any(piece in folded for piece in group):
                return True
        if not self._gate_keys:
            return False
        tokens = set(folded.encode("ascii", "replace").translate(_WORD_BYTES).split())
        gate = self._gate_words
        return any(words <= tokens for token in self._gate_keys.intersection(tokens) for words in gate[token])

    def detect(self, text: str) -> Finding:
        pattern = self._pattern
        if pattern is None or not text:
            return _CLEAN
        if text.isascii():
            folded = text.lower()
            if not self._may_match(folded):
                return _CLEAN
            matches = [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]
        else:
            folded, offsets = fold_with_offsets(text)
            if not self._may_match(folded):
                return _CLEAN
            matches = [(*original_span(text, offsets, m.start(), m.end()), m.group()) for m in pattern.finditer(folded)]
        if not matches:
            return _CLEAN
        by_folded = self._keyword_by_folded
        spans = tuple(
            Span(start=start, end=end, label=by_folded[_SPACE.join(found.split())]) for start, end, found in matches
        )
        return Finding(detected=True, score=1.0, spans=spans)

    def report(self, findings: Sequence[Located]) -> Report:
        if not any(item.finding.spans for item in findings):  # the common case: the texts are the redacted text
            text = "\n".join(item.text for item in findings)
            return Report(
                detected=False,
                summary={"keyword_detected": 0},
                details={"detected_keywords": [], "detected_counts": {}, "redacted_text": text},
                details_json=f"{_NOTHING_HEAD}{json_string(text)}}}",
            )
        numbers: dict[str, int] = {}
        counts: dict[str, int] = {}
        redacted: list[str] = []
        for item in findings:
            text = item.text
            pieces: list[str] = []
            pos = 0
            for span in item.finding.spans:
                if span.start < pos:  # overlapping spans cannot come from detect(); be safe anyway
                    continue
                number = numbers.setdefault(span.label, len(numbers) + 1)
                counts[span.label] = counts.get(span.label, 0) + 1
                pieces.append(text[pos : span.start])
                pieces.append(f"[KEYWORD_{number}]")
                pos = span.end
            pieces.append(text[pos:])
            redacted.append("".join(pieces))
        return Report(
            detected=bool(numbers),
            summary={"keyword_detected": len(numbers)},
            details={
                "detected_keywords": list(numbers),
                "detected_counts": counts,
                "redacted_text": "\n".join(redacted),
            },
        )
