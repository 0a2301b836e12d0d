"""Word-level text tools shared by the detectors that compare texts (system_prompt, copyright_ip,
topic_detector, policy_violation, relevancy/adherence/hallucination).

``words(text)`` gives lower-case word tokens, Unicode-folded (``_normalize.fold``) when the text is not
ASCII, with digit groups joined ("10,000" -> "10000") and number words written as digits ("twelve" ->
"12"), so that "12 bar blues" and "twelve-bar blues" share their words. ``stem`` is a light English suffix
stripper (cached): enough for "varies"/"vary" and "garments"/"garment", far from a lemmatiser.
``sentences`` splits text into sentence spans. ``STOPWORDS`` are function words; ``FILLERS`` are
conversational words that carry no claim ("yes", "oh", "haha").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from ._normalize import fold

__all__ = [
    "FILLERS",
    "STOPWORDS",
    "alternatives",
    "content_stems",
    "regex",
    "sentences",
    "sentences_around",
    "stem",
    "words",
]

STOPWORDS = frozenset(
    """a an the and or but nor if then else so yet of to in on at by for with from as into onto upon about above
    below over under between among through during before after since until till than that this these those
    is are was were be been being am do does did doing done have has had having get gets got
    it its itself i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself they them their theirs themselves one ones
    what which who whom whose when where why how whether not no can could would should will shall may might
    must just also only even too very there here some any all each every both either neither such own same
    other another more most much many few less least s t d ll re ve m o y don didn doesn isn aren wasn weren
    won wouldn shouldn couldn hasn haven hadn ain let lets via per upon out up down off again further once
    anything everything something nothing anyone everyone someone""".split()
)

FILLERS = frozenset(
    """yes yeah yep yup no nope oh ah ahh aw hey hi hello haha hahaha lol hmm hm um uh well sure absolutely
    indeed okay ok wow cool nice great good really actually basically honestly literally like anyway anyways
    please thanks thank thx bye goodbye right alright""".split()
)

_NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000",
    "first": "1st", "third": "3rd", "fourth": "4th", "fifth": "5th",
}  # fmt: skip


@cache
def regex(source: str) -> re.Pattern[str]:
    """``source`` compiled, once per process, the first time a text needs it.

    For the long patterns of rules behind cheap gates (a set intersection, a substring test) that most
    texts never open: ``re`` compiles in Python, a few milliseconds per long alternation, which would
    otherwise be paid at import. ``re``'s own cache is not relied on, since every module shares it.
    """
    return re.compile(source)


#: What ``alternatives`` must see through: an escape, a character class, a parenthesis, a bar.
_SYNTAX = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|[()|]")


def alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regular expression's source: split at each ``|`` outside groups and
    character classes (and not escaped). For the patterns of this package, which never put ``]`` first in
    a class."""
    parts: list[str] = []
    depth = start = 0
    for match in _SYNTAX.finditer(source):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "|" and not depth:
            parts.append(source[start : match.start()])
            start = match.end()
    parts.append(source[start:])
    return parts


#: Letters (any script) or a number with optional digit groups and a decimal part.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+")
_GROUPS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")


def words(text: str) -> list[str]:
    """Lower-case word and number tokens; punctuation and whitespace are separators."""
    folded = text.lower() if text.isascii() else fold(text)
    if "," in folded:
        folded = _GROUPS.sub("", folded)
    out = _TOKEN.findall(folded)
    number = _NUMBER_WORDS.get
    return [number(word, word) for word in out]


# Longest suffix first; each is only removed when at least three letters remain.
_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("ements", ""),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ement", ""),
    ("ments", ""),
    ("ingly", ""),
    ("ities", "ity"),
    ("ness", ""),
    ("ment", ""),
    ("ings", ""),
    ("ical", "ic"),
    ("ally", "al"),
    ("ied", "y"),
    ("ies", "y"),
    ("ing", ""),
    ("ers", "er"),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)
_KEEP_S = ("ss", "us", "is", "ous")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix-stripping stem: "garments" -> "garment", "varies" -> "vary", "knitted" -> "knit"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix):
            if suffix == "s" and word.endswith(_KEEP_S):
                return word
            base = word[: len(word) - len(suffix)]
            if len(base) < 3:
                continue
            if suffix in ("es",) and not base.endswith(("ss", "sh", "ch", "x", "z", "o")):
                base = word[:-1]  # "cases" -> "case", "boxes" -> "box"
            elif suffix in ("ing", "ed", "ings") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "knitted" -> "knit", "running" -> "run"
            return _drop_e(base + replacement)
    return _drop_e(word)


def _drop_e(word: str) -> str:
    # "base" and "based", "make" and "making" meet at "bas", "mak"
    return word[:-1] if len(word) > 3 and word[-1] == "e" else word


def content_stems(tokens: list[str]) -> list[str]:
    """Stems of the tokens that are neither stop words nor fillers."""
    return [stem(token) for token in tokens if token not in STOPWORDS and token not in FILLERS]


_ABBREVIATIONS = frozenset("mr mrs ms dr st vs etc eg ie jr sr inc ltd co no fig approx".split())
#: A sentence end: ``[.!?]+`` and closing quotes or brackets before white space, a blank line, or the line
#: break before a list item. ``[.!?]+`` is spelled out as three alternatives, each starting with its
#: character: when every alternative starts with a literal character, ``re`` skips in C to the next
#: position holding one of them, instead of trying the whole pattern at every position (4x faster).
_SENTENCE_END = re.compile(
    r"\.[.!?]*[\"')\]]*(?=\s|$)|![.!?]*[\"')\]]*(?=\s|$)|\?[.!?]*[\"')\]]*(?=\s|$)"
    r"|\n\s*\n|\n(?=\s*(?:[-*\u2022]|\d+[.)])\s)"
)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, stripped, in order; empty ones are dropped.

    Splits after ``.``, ``!`` or ``?`` followed by whitespace (not after a single letter or a common
    abbreviation such as "e.g." or "Dr."), at blank lines and before list items.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for end in _ends(text, 0):
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def sentences_around(text: str, positions: Iterable[int]) -> list[tuple[int, int]]:
    """The spans of ``sentences(text)`` around ``positions``, in order, each once: for each position, the span
    of the sentence whose stretch of text (from the end of the sentence before it to its own end) holds it.

    For a detector that needs the sentences of a few words in a long text (``bias``): reading every sentence
    end of 10 KB in Python cost more than the rest of that detector. Sentence ends are read from a point a
    little before each position instead (see ``_ends`` for why that gives the same ends), going further back
    only until an end before the position is found, and each sentence is read once however many positions
    it holds.
    """
    spans: list[tuple[int, int]] = []
    floor = 0  # a sentence end (or 0) at or before every position still to place
    for position in sorted(positions):
        if position < floor:
            continue  # in the sentence just found
        start, floor = _around(text, position, floor)
        _add_span(text, start, floor, spans)
    return spans


#: A fresh point for ``_ends``: white space, then a character that no sentence end (``_SENTENCE_END``) holds.
_FRESH = re.compile(r"\s(?=[^\s.!?\"')\]])")


def _around(text: str, position: int, floor: int) -> tuple[int, int]:
    """The sentence ends (or 0, ``len(text)``) on either side of ``position``: ``start <= position < end``.

    ``floor`` is a sentence end (or 0) at or before ``position``. The ends are read from a fresh point
    ``back`` characters before ``position``, four times further each time none is found before it.
    """
    back = 256
    while True:
        origin = floor
        if position - back > floor:
            fresh = _FRESH.search(text, position - back, position + 1)
            if fresh is not None:
                origin = fresh.end()
        start = origin if origin == floor else -1  # -1: the end before ``position`` is not known yet
        end = len(text)
        for found in _ends(text, origin):
            if found > position:
                end = found
                break
            start = found
        if start >= 0:
            return start, end
        back *= 4


def _ends(text: str, origin: int) -> Iterator[int]:
    """The ends of the sentences after ``origin``, which is 0, a sentence end or a fresh point (``_FRESH``).

    Whether a ``.`` ends a sentence depends on the word before it ("Dr.", "U.S.", "J."). Read in order from
    the start of the text, that is the last word since the previous sentence end. It is also the last word
    since the previous *candidate* end (a ``_SENTENCE_END`` match, kept or not), when there is one:
    candidates are made of ``.!?"')]`` and white space, and a candidate that ends with one of those
    characters is followed by white space, so no word runs into the gap from one. When that gap is only
    white space, the ``.`` is decided as the candidate before it was (after a kept end there is no word, and
    the ``.`` is kept; after a dropped one, the last word is that candidate's own, which holds a ``.``).
    So each decision needs only the candidate before it, and reading can start at any point that no
    candidate straddles and where a word starts after white space: ``finditer`` finds the same candidates
    from there on, and the first one is decided by a word that starts at that point or after it.
    """
    kept = True
    last = origin
    for match in _SENTENCE_END.finditer(text, origin):
        begin = match.start()
        if text[begin] == ".":
            before = text[last:begin].rsplit(None, 1)
            if before:
                word = before[-1].lower()
                # "U.S.", "e.g.", "J. Smith", "Dr."
                kept = not ("." in word or len(word) == 1 or word in _ABBREVIATIONS)
        else:
            kept = True
        last = match.end()
        if kept:
            yield last


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
