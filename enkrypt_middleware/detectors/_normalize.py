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
from functools import lru_cache

__all__ = ["fold", "fold_with_offsets", "original_span"]

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
    # Casefolding can produce decomposable characters again (e.g. "İ" -> "i̇"), hence strip twice.
    return _strip(_strip(ch).casefold()).translate(_CONFUSABLES)


def fold(s: str) -> str:
    """``s`` in the folded form matchers compare (see the module docstring)."""
    if s.isascii():
        return s.lower()
    return "".join(_fold_char(c) if not c.isascii() else c.lower() for c in s)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index in ``text`` it comes from."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for run in _NON_ASCII.finditer(text):
        start, end = run.span()
        if start > pos:
            parts.append(text[pos:start].lower())
            offsets.extend(range(pos, start))
        for i in range(start, end):
            folded = _fold_char(text[i])
            if folded:
                parts.append(folded)
                offsets.extend([i] * len(folded))
        pos = end
    if pos < len(text):
        parts.append(text[pos:].lower())
        offsets.extend(range(pos, len(text)))
    return "".join(parts), offsets


def original_span(text: str, offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Map the folded range ``[start, end)`` (non-empty) back to a range of ``text``.

    The range ends after the original character of the last folded one, extended over the combining
    marks that follow it (they belong to that character), but not over format characters.
    """
    orig_start = offsets[start]
    orig_end = offsets[end - 1] + 1
    n = len(text)
    while orig_end < n and not text[orig_end].isascii() and unicodedata.category(text[orig_end]) in ("Mn", "Me"):
        orig_end += 1
    return orig_start, orig_end
