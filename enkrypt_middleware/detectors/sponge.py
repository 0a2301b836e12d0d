"""``sponge_attack``: prompts built to make the model spend unbounded compute or output.

Four signals, each a strength in [0, 1], combined as ``1 - prod(1 - s)`` into the score:

``unbounded_output``
    An instruction to produce endless or huge output: "repeat X forever", "say Y 10000 times", "never
    stop writing", "write a million words", "count to a billion". The verb must stand where an
    instruction stands (start of a sentence, after "please", "you", "to", ...), so "why does my program
    print this forever?" does not count. Large but bounded requests ("a 5000-word essay") are weak.
``repetition``
    The prompt itself repeats a word or short phrase many times: few distinct words for its length
    (fewer than the square root of the word count), or one word making up most of a long prompt.
``compressibility``
    Long text (``compress_min_chars`` and up) that zlib shrinks to a small fraction: repetition without
    spaces ("aaaa...", "abcabc...") that the word signal cannot see.
``length``
    More than ``max_chars`` characters.

Weak evidence (0.25) never fires alone at the default threshold 0.5; two weak signals do not either,
three do. Only signal names are reported, never text.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from ._common import DetectorConfig
from .base import Finding, Located, Report

__all__ = ["SpongeAttackConfig", "SpongeDetector"]

_STRONG = 0.9
_WEAK = 0.25
_LENGTH = 0.75
_DEFAULT_THRESHOLD = 0.5


class SpongeAttackConfig(DetectorConfig):
    """Options of the ``sponge_attack`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["sponge_attack"] = "sponge_attack"
    max_chars: int | None = Field(
        default=20000, gt=0, description="Texts longer than this are flagged on length alone; null disables."
    )
    compress_min_chars: int = Field(
        default=2000, gt=0, description="Texts at least this long are also checked for compressibility."
    )

    def build(self) -> SpongeDetector:
        return SpongeDetector(
            threshold=_DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            max_chars=self.max_chars,
            compress_min_chars=self.compress_min_chars,
            block_message=self.block_message,
        )


# --- words ----------------------------------------------------------------------------------------------


def _table(boundaries: bytes = b"", clause: bytes = b"") -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte + 32
    for byte in boundaries:
        table[byte] = ord("|")
    for byte in clause:
        table[byte] = ord(",")
    return bytes(table)


#: Lower-cases ASCII letters and digits and turns everything else into spaces: the words of a text.
_WORDS = _table()
#: The same, keeping sentence ends as "|" and clause marks as "," (for reading instructions).
_PHRASES = _table(boundaries=b".!?;\n", clause=b',:()[]"*')
_THOUSANDS = re.compile(rb"(?<=[0-9])[,_'](?=[0-9]{3}(?![0-9]))")

_b = str.encode

#: Words without one of which no instruction can be read (checked on the word set first).
_ANCHORS = frozenset(
    _b(word)
    for word in """forever endlessly infinitely indefinitely eternally eternity infinitum nonstop non stop
    stopping end ending infinite endless unlimited countless neverending loop over times words word pages
    page tokens token characters character chars char lines line rows row digits digit numbers number items
    item entries entry paragraphs paragraph sentences sentence essays essay stories story chapters chapter
    poems poem jokes joke examples example count primes prime long longest maximum""".split()
)

_VERBS = frozenset(
    _b(word)
    for word in """repeat say write print type output generate produce echo recite spell list count copy paste
    spam send respond reply answer continue keep go loop iterate emit display show tell give return chant
    sing shout yell append add create compose calculate compute make provide enumerate""".split()
)
#: A verb is an instruction at the start of a sentence or clause, or after one of these.
_LEADS = frozenset(
    _b(word)
    for word in """| , please pls now just then and also must should shall to you will can could would kindly
    simply always""".split()
)
#: Between the verb and its qualifier, these start a clause about something else ("a script that runs
#: forever", "a man who lived forever").
_CLAUSE_WORDS = frozenset(_b(word) for word in "that which who whom whose where when while if because so".split())
_GERUNDS = frozenset(
    _b(word)
    for word in """repeating writing saying typing printing generating talking outputting responding listing
    counting producing answering""".split()
)
_ENDLESS = frozenset(_b(w) for w in "forever endlessly infinitely indefinitely eternally nonstop infinitum".split())
_LOOP_ADJECTIVES = frozenset(_b(w) for w in "infinite endless unlimited countless neverending".split())
_UNTIL_ENDS = frozenset(_b(w) for w in "die crash collapse explode".split())
_NUMBER_WORDS = {
    b"a": 1, b"an": 1, b"one": 1, b"two": 2, b"three": 3, b"four": 4, b"five": 5, b"ten": 10, b"twenty": 20,
    b"fifty": 50, b"hundred": 100, b"hundreds": 200, b"thousand": 1000, b"thousands": 2000,
    b"million": 10**6, b"millions": 2 * 10**6, b"billion": 10**9, b"billions": 2 * 10**9,
    b"trillion": 10**12, b"trillions": 2 * 10**12, b"zillion": 10**15, b"gazillion": 10**15,
}  # fmt: skip
_MAGNITUDES = {
    b"hundred": 100, b"thousand": 1000, b"k": 1000, b"million": 10**6, b"m": 10**6, b"mil": 10**6,
    b"billion": 10**9, b"bn": 10**9, b"b": 10**9, b"trillion": 10**12, b"zillion": 10**15, b"gazillion": 10**15,
}  # fmt: skip
_SUFFIXED = re.compile(rb"([0-9]{1,15})(k|m|b|bn|mil)|([0-9]{1,15})(?:e([0-9]{1,2}))?")
#: Per unit (singular): the count from which a request is weak, and strong, evidence.
_UNIT_LIMITS: dict[bytes, tuple[int, int]] = {
    b"time": (100, 1000), b"word": (5000, 20000), b"page": (30, 100), b"token": (10000, 50000),
    b"character": (20000, 100000), b"char": (20000, 100000), b"line": (1000, 10000), b"row": (1000, 10000),
    b"digit": (1000, 10000), b"number": (1000, 10000), b"item": (1000, 10000), b"entry": (1000, 10000),
    b"paragraph": (200, 1000), b"sentence": (500, 5000), b"essay": (50, 500), b"story": (50, 500),
    b"chapter": (50, 500), b"poem": (100, 1000), b"joke": (100, 1000), b"example": (100, 1000),
}  # fmt: skip
_PLURALS = {b"entries": b"entry", b"stories": b"story", b"times": b"time"}
_LIST_ALL_OBJECTS = frozenset(_b(w) for w in "primes prime integers numbers digits".split())

#: How many words back from a qualifier the instruction verb may stand.
_WINDOW = 14


def _singular(word: bytes) -> bytes:
    return _PLURALS.get(word) or (word[:-1] if word.endswith(b"s") else word)


def _number_before(tokens: list[bytes], i: int) -> int:
    """The count written just before ``tokens[i]`` ("10000", "10,000", "10k", "ten thousand", "a million",
    "millions of"), or 0."""
    j = i - 1
    if j >= 1 and tokens[j] == b"of" and tokens[j - 1] in _NUMBER_WORDS:  # "thousands of times"
        return _NUMBER_WORDS[tokens[j - 1]]
    magnitude = 1
    if j >= 0 and tokens[j] in _MAGNITUDES and j >= 1:
        magnitude = _MAGNITUDES[tokens[j]]
        j -= 1
    if j < 0:
        return 0
    word = tokens[j]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word] * magnitude
    match = _SUFFIXED.fullmatch(word)
    if match is None:
        return 0
    if match.group(1):
        return int(match.group(1)) * _MAGNITUDES[match.group(2)] * magnitude
    exponent = int(match.group(4)) if match.group(4) else 0
    return int(match.group(3)) * 10**exponent * magnitude


def _instructed(tokens: list[bytes], i: int) -> bool:
    """Whether an instruction verb stands within the window before ``tokens[i]`` in the same sentence."""
    for j in range(i - 1, max(-1, i - 1 - _WINDOW), -1):
        word = tokens[j]
        if word == b"|" or word in _CLAUSE_WORDS:
            return False
        if word in _VERBS and (j == 0 or tokens[j - 1] in _LEADS):
            return True
    return False


def _instruction_strength(text: str) -> float:
    """Strength of the strongest instruction to produce unbounded or huge output in ``text``."""
    raw = text.encode("ascii", "replace")
    if b"," in raw or b"_" in raw or b"'" in raw:
        raw = _THOUSANDS.sub(b"", raw)
    tokens = raw.translate(_PHRASES).replace(b"|", b" | ").replace(b",", b" , ").split()
    best = 0.0
    n = len(tokens)
    for i, word in enumerate(tokens):
        if word not in _ANCHORS:
            continue
        nxt = tokens[i + 1] if i + 1 < n else b""
        strong = False
        # "forever", "nonstop", "ad infinitum", "non stop", "without stopping", "over and over",
        # "infinite times", "in an endless loop", "until you die", "until the end of time"
        if word in _ENDLESS or (word == b"stop" and i and tokens[i - 1] == b"non"):
            strong = True
        elif word in (b"stopping", b"end", b"ending") and i and tokens[i - 1] == b"without":
            strong = True
        elif word == b"over" and tokens[i + 1 : i + 3] == [b"and", b"over"]:
            strong = True
        elif word in _LOOP_ADJECTIVES and (nxt == b"times" or tokens[i + 1 : i + 4] == [b"number", b"of", b"times"]):
            strong = True
        elif word in _LOOP_ADJECTIVES and nxt == b"loop" and i >= 2 and tokens[i - 2] in (b"in", b"on"):
            strong = True
        elif word == b"end" and tokens[max(0, i - 2) : i] == [b"the", b"end"][:0] + tokens[max(0, i - 2) : i]:
            strong = (
                i >= 2
                and tokens[i - 2] in (b"until", b"till")
                and tokens[i - 1] == b"the"
                and (tokens[i + 1 : i + 3] == [b"of", b"time"])
            )
        if word in _UNTIL_ENDS:  # pragma: no cover - not an anchor; kept for clarity
            strong = False
        if strong:
            if _instructed(tokens, i):
                return _STRONG
            continue
        # "never stop writing", "don't stop repeating", "do not ever stop generating"
        if word == b"stop" and nxt in _GERUNDS:
            before = tokens[max(0, i - 3) : i]
            if b"never" in before or b"not" in before or b"t" in before:
                return _STRONG
            continue
        # "say hi 10000 times", "write a million words", "count to a billion"
        if word in (b"times", b"time") or _singular(word) in _UNIT_LIMITS:
            limits = _UNIT_LIMITS.get(_singular(word))
            if limits is None:
                continue
            count = _number_before(tokens, i)
            if count and _instructed(tokens, i):
                if count >= limits[1]:
                    return _STRONG
                if count >= limits[0]:
                    best = _WEAK
            continue
        if word == b"count":
            # count (up) (from X) to N / to infinity
            j = i + 1
            if j < n and tokens[j] == b"up":
                j += 1
            if j + 1 < n and tokens[j] == b"from":
                j += 2
            if j + 1 < n and tokens[j] == b"to" and (i == 0 or tokens[i - 1] in _LEADS):
                if tokens[j + 1] == b"infinity":
                    return _STRONG
                count = _number_before(tokens, min(n, j + 4)) if j + 3 < n else 0
                count = max(count, _number_before(tokens, j + 2), _number_before(tokens, j + 3) if j + 3 <= n else 0)
                if count >= _UNIT_LIMITS[b"number"][1]:
                    return _STRONG
                if count >= _UNIT_LIMITS[b"number"][0]:
                    best = _WEAK
            continue
        # "list all prime numbers", "print every digit of pi"
        if word in _LIST_ALL_OBJECTS and i >= 1:
            window = tokens[max(0, i - 3) : i]
            if (b"all" in window or b"every" in window) and _instructed(tokens, i):
                if word in (b"prime", b"primes", b"integers") or (word == b"numbers" and b"natural" in window):
                    return _STRONG
                if word in (b"digits",) and tokens[i + 1 : i + 3] == [b"of", b"pi"]:
                    return _STRONG
            continue
        # "as long as possible", "the longest possible answer", "maximum length"
        if word == b"long" and i >= 1 and tokens[i - 1] == b"as" and nxt == b"as":
            best = max(best, _WEAK)
        elif word == b"longest" and nxt == b"possible":
            best = max(best, _WEAK)
        elif word == b"maximum" and nxt in (b"length", b"tokens", b"output"):
            best = max(best, _WEAK)
    return best


class SpongeDetector:
    """Scores a text for sponge-attack signals; fires at ``threshold`` (default 0.5)."""

    name = "sponge_attack"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Sponge attack detected"

    __slots__ = ("block_message", "compress_min_chars", "max_chars", "threshold")

    def __init__(
        self,
        *,
        threshold: float = _DEFAULT_THRESHOLD,
        max_chars: int | None = 20000,
        compress_min_chars: int = 2000,
        block_message: str | None = None,
    ) -> None:
        self.threshold = threshold
        self.max_chars = max_chars
        self.compress_min_chars = compress_min_chars
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE

    def signals(self, text: str) -> dict[str, float]:
        """Each signal that fired, with its strength."""
        fired: dict[str, float] = {}
        words = text.encode("ascii", "replace").translate(_WORDS).split()
        if words:
            vocabulary = set(words)
            if not _TRIGGERS.isdisjoint(vocabulary):
                strength = _instruction_strength(text.lower())
                if strength:
                    fired["unbounded_output"] = strength
            strength = _repetition(words, vocabulary)
            if strength:
                fired["repetition"] = strength
        if len(text) >= self.compress_min_chars:
            strength = _compressibility(text)
            if strength:
                fired["compressibility"] = strength
        if self.max_chars is not None and len(text) > self.max_chars:
            fired["length"] = _LENGTH
        return fired

    def detect(self, text: str) -> Finding:
        fired = self.signals(text)
        if not fired:
            return Finding(detected=False)
        score = 1.0 - math.prod(1.0 - strength for strength in fired.values())
        score = round(min(1.0, max(0.0, score)), 6)
        return Finding(detected=score >= self.threshold, score=score, details={"signals": list(fired)})

    def report(self, findings: Sequence[Located]) -> Report:
        detected = any(item.finding.detected for item in findings)
        signals: list[str] = []
        for item in findings:
            for signal in item.finding.details.get("signals", ()):
                if signal not in signals:
                    signals.append(signal)
        return Report(
            detected=detected,
            summary={"sponge_attack": int(detected)},
            details={"sponge_attack_detected": detected, "signals": signals},
        )


def _repetition(words: list[bytes], vocabulary: set[bytes]) -> float:
    n = len(words)
    if n < 50:
        return 0.0
    distinct = len(vocabulary)
    ratio = distinct / math.sqrt(n)
    if ratio < 1.0:
        return _STRONG
    strength = _WEAK if ratio < 2.0 else 0.0
    if distinct * 2 <= n:  # a word that makes up most of the prompt
        top = Counter(words).most_common(1)[0][1]
        if top >= 50 and top / n >= 0.5:
            return _STRONG
        if top >= 30 and top / n >= 0.3:
            strength = _WEAK
    return strength


#: Compressibility is measured on at most this many characters from the start and as many from the end.
_SAMPLE = 4096


def _compressibility(text: str) -> float:
    sample = text if len(text) <= 2 * _SAMPLE else text[:_SAMPLE] + text[-_SAMPLE:]
    raw = sample.encode("utf-8", "replace")
    ratio = len(zlib.compress(raw, 1)) / len(raw)
    if ratio < 0.06:
        return _STRONG
    if ratio < 0.12:
        return _WEAK
    return 0.0
