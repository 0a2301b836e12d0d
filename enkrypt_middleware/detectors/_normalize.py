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

import codecs
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

__all__ = ["CharTable", "OffsetMap", "fold", "fold_with_offsets", "original_span", "stretch_handler"]

_Out = TypeVar("_Out", str, bytes)

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


#: Runs (or dense stretches) of up to this many characters are converted through a cache (``stretch_handler``):
#: most non-ASCII characters of real text come alone or in twos (curly quotes, accented letters, emoji), and the
#: same ones again. Long runs (a paragraph of Chinese is one) would hold kilobytes an entry and rarely be hit.
_SHORT_RUN = 16
#: ASCII gaps up to this long between non-ASCII runs make a dense stretch, converted in one call.
_GAP = 8
#: From the end of a non-ASCII run: ASCII gaps of at most ``_GAP`` characters, each followed by a run. Linear:
#: a gap backtracks at most ``_GAP`` characters, and a run is a single character class.
_DENSE = re.compile(rf"(?:[\x00-\x7f]{{1,{_GAP}}}[^\x00-\x7f]+)*")
#: Characters a ``CharTable`` keeps at most (a text of every script could otherwise grow it without end).
_TABLE_LIMIT = 8192


class CharTable(dict[int, str]):
    """A ``str.translate`` table that maps every character through ``function``, worked out the first time the
    character is seen. ``translate`` then folds a stretch of text in C, a dict lookup per character, where
    folding it run by run called Python code for each run (a text of mixed scripts has one every few
    characters). Cleared when it holds ``_TABLE_LIMIT`` characters; two threads may both fill in a character,
    with the same value."""

    __slots__ = ("_function",)

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, code: int) -> str:
        if len(self) >= _TABLE_LIMIT:
            self.clear()
        value = self[code] = self._function(chr(code))
        return value


#: Every character folded (``_fold_char``; an ASCII one lower-cased).
_FOLDED = CharTable(_fold_char)


def stretch_handler(convert: Callable[[str], _Out]) -> Callable[[UnicodeError], tuple[_Out, int]]:
    """A codec error handler for encoding to ASCII that returns ``convert`` of each non-ASCII run.

    The codec scans the ASCII text in C and calls the handler only for the runs it cannot encode, so a
    mostly-ASCII text costs next to nothing extra. A run followed by another at most ``_GAP`` characters later
    is converted together with it, as one stretch up to the end of such close runs (tested first with a slice,
    cheaper than a call): a text of mixed scripts has a run every few characters, and a Python call per run
    from the codec cost more than ``convert`` (a ``str.translate`` through a ``CharTable``, in C) on the
    stretch. Stretches of up to ``_SHORT_RUN`` characters are converted through a cache of their own.
    ``convert`` may return ``str`` (encoded by the codec) or ``bytes`` (copied as they are).
    """
    short = lru_cache(maxsize=4096)(convert)

    def handler(error: UnicodeError) -> tuple[_Out, int]:
        if not isinstance(error, UnicodeEncodeError):  # pragma: no cover - registered for encoding only
            raise error
        text, start, end = error.object, error.start, error.end
        if not text[end : end + _GAP + 1].isascii():
            dense = _DENSE.match(text, end)
            end = end if dense is None else dense.end()
        stretch = text[start:end]
        return (short(stretch) if end - start <= _SHORT_RUN else convert(stretch)), end

    return handler


def _utf8(run: str) -> bytes:
    """A run (or stretch) folded, as UTF-8 (``fold``'s conversion)."""
    return run.translate(_FOLDED).encode("utf-8", "surrogatepass")


_FOLD_ERRORS = "enkrypt_middleware.fold_utf8"
codecs.register_error(_FOLD_ERRORS, stretch_handler(_utf8))


def fold(s: str) -> str:
    """``s`` in the folded form matchers compare (see the module docstring).

    Equal to the first item of ``fold_with_offsets(s)``, and cheaper. The codec finds the non-ASCII runs (in C,
    several times faster than a regular expression) and ``stretch_handler(_utf8)`` folds them to UTF-8; the ASCII
    characters are lower-cased as bytes. That is ``str.lower()`` of the whole: the folded runs are already lower
    case (and hold no capital sigma, the one letter whose lower case depends on its neighbours). Lone surrogates
    pass through as they are.
    """
    if s.isascii():
        return s.lower()
    return s.encode("ascii", _FOLD_ERRORS).lower().decode("utf-8", "surrogatepass")


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
