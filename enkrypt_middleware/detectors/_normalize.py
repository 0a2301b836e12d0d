"""Unicode folding for matching, with a map from folded offsets back to the original text.

``fold(s)`` turns a string into the form matchers compare: NFKD compatibility decomposition (full-width
letters, ligatures, circled and mathematical letters become plain letters), combining marks dropped
(accents, the underlines of "k̲i̲l̲l̲"), format characters dropped (zero-width space and joiners, word
joiner, BOM, soft hyphen, bidi controls), casefolded, and a short table of Cyrillic and Greek letters
that look like Latin ones mapped to those. ``fold_with_offsets(text)`` does the same and also returns,
for every character of the folded string, the index in ``text`` it came from, so that a match in the
folded string can be reported at the right place in the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

__all__ = ["OffsetMap", "fold", "fold_with_offsets", "original_span"]

#: Dropped outright: nonspacing and enclosing marks, and format characters.
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})

#: Letters that render like Latin letters but do not decompose to them (a small subset of Unicode's
#: confusables, lower case since it is applied after casefolding).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ј": "j",
        "ԁ": "d",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        # Greek
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        # Latin letters with strokes, which NFKD leaves alone
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
    }
)

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _strip(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if unicodedata.category(c) not in _DROP_CATEGORIES)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    # Casefolding can produce decomposable characters again (e.g. "İ" -> "i̇"), hence strip twice. The
    # final lower() makes the result stable under lower(), which fold() relies on.
    return _strip(_strip(ch).casefold()).translate(_CONFUSABLES).lower()


def _fold_run(match: re.Match[str]) -> str:
    return "".join(map(_fold_char, match.group()))


def fold(s: str) -> str:
    """``s`` in the folded form matchers compare (see the module docstring).

    Equal to the first item of ``fold_with_offsets(s)``, and cheaper.
    """
    if s.isascii():
        return s.lower()
    return _NON_ASCII.sub(_fold_run, s).lower()


class OffsetMap:
    """Maps an index of a folded string back to the index of the original character it came from."""

    __slots__ = ("_linear", "_origins", "_starts")

    def __init__(self) -> None:
        # Segments of the folded string: where each starts, the original index it starts at, and whether
        # it is a copy of an ASCII run (one to one) or the expansion of one original character.
        self._starts: list[int] = []
        self._origins: list[int] = []
        self._linear: list[bool] = []

    def add(self, folded_start: int, origin: int, linear: bool) -> None:
        self._starts.append(folded_start)
        self._origins.append(origin)
        self._linear.append(linear)

    def original(self, index: int) -> int:
        segment = bisect_right(self._starts, index) - 1
        origin = self._origins[segment]
        return origin + index - self._starts[segment] if self._linear[segment] else origin


def fold_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """The folded text (equal to ``fold(text)``), and the map from its indices back to ``text``'s."""
    parts: list[str] = []
    offsets = OffsetMap()
    size = pos = 0
    for run in _NON_ASCII.finditer(text):
        start, end = run.span()
        if start > pos:
            offsets.add(size, pos, True)
            parts.append(text[pos:start].lower())
            size += start - pos
        for i in range(start, end):
            folded = _fold_char(text[i])
            if folded:
                offsets.add(size, i, False)
                parts.append(folded)
                size += len(folded)
        pos = end
    if pos < len(text):
        offsets.add(size, pos, True)
        parts.append(text[pos:].lower())
    return "".join(parts), offsets


def original_span(text: str, offsets: OffsetMap, start: int, end: int) -> tuple[int, int]:
    """Map the folded range ``[start, end)`` (non-empty) back to a range of ``text``.

    The range ends after the original character of the last folded one, extended over the combining
    marks that follow it (they belong to that character), but not over format characters.
    """
    orig_start = offsets.original(start)
    orig_end = offsets.original(end - 1) + 1
    n = len(text)
    while orig_end < n and not text[orig_end].isascii() and unicodedata.category(text[orig_end]) in ("Mn", "Me"):
        orig_end += 1
    return orig_start, orig_end
