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


# --- words -----------------------------------------------------------------------------------------------


def _word_table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte + 32
    return bytes(table)


#: Lower-cases ASCII letters and turns everything but letters and digits into spaces.
_WORDS = _word_table()

#: Words without which no instruction pattern can match (checked on the word set before any regex).
_TRIGGERS = frozenset(
    b"""forever endless endlessly infinite infinitely infinity indefinitely eternally eternity infinitum
    nonstop non stop stopping times time words word pages page tokens token characters chars lines line
    paragraphs paragraph sentences digits numbers items entries essays stories chapters poems jokes examples
    rows million millions billion billions trillion trillions thousand thousands hundred hundreds k m
    loop many long longest maximum max prime count""".split()
)

_VERB = (
    r"(?:repeat|say|write|print|type|output|generate|produce|echo|recite|spell|list|count|copy|paste|spam"
    r"|send|respond|reply|answer|continue|keep|go|loop|iterate|emit|display|show|tell|give|return|chant|sing"
    r"|shout|yell|append|add|create|compose|calculate|compute|make|provide|enumerate)"
)
#: Where an instruction starts: the beginning of a sentence or clause, or after a word that asks for one.
_LEAD = (
    r"(?:^|[.!?\n:;\"'(*\-]\s*|,\s*|\b(?:please|pls|now|just|then|and|also|must|should|shall|to|you|will|can"
    r"|could|would|kindly|simply|always|i want you to|i need you to)\s+)"
)
_NUMBER = (
    r"(?P<num>\d{1,3}(?:[,_' ]\d{3}){1,4}|\d{1,15}(?:\.\d{1,3})?(?:e\d{1,2})?|an?|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|twenty|fifty|hundreds of|thousands of|millions of|billions of|trillions of)"
    r"(?:\s?(?P<mag>k|m|b|thousand|million|billion|trillion|hundred thousand|hundred|gazillion|zillion)\b)?"
)
_UNBOUNDED = (
    r"(?:forever|endlessly|infinitely|indefinitely|eternally|ad infinitum|non-?stop|without (?:ever )?"
    r"(?:stopping|end|ending|a break|pausing|limit)|for (?:all )?eternity|(?:until|till|til) (?:the end of time"
    r"|the heat death|you (?:die|crash|run out|can't|cannot|are stopped)|i (?:say|tell you) (?:to )?stop)"
    r"|over and over|(?:an? )?(?:infinite|endless|unlimited|countless) (?:number of )?times"
    r"|in an? (?:infinite|endless|never-ending|neverending) loop|as many times as (?:you can|possible)"
    r"|on (?:an? )?(?:infinite |endless )?loop)"
)
_INSTRUCTION = re.compile(
    rf"{_LEAD}{_VERB}\b[^.!?\n]{{0,80}}?(?:(?P<unbounded>{_UNBOUNDED})\b|\b{_NUMBER}\s?(?:-\s?)?"
    r"(?P<unit>times|words?|pages?|tokens?|characters?|chars?|lines?|paragraphs?|sentences?|digits?|numbers?"
    r"|items?|entries|entry|essays?|stories|story|chapters?|poems?|jokes?|examples?|rows?)\b)"
    r"|\b(?P<never>(?:never|don'?t|do not)\s+(?:ever\s+)?stop)\s+(?:repeating|writing|saying|typing|printing"
    r"|generating|talking|outputting|responding|listing|counting|producing|answering)\b"
    r"|\bcount(?: up)?(?: from \S{1,12})? to (?:(?P<infinity>infinity)\b|"
    + _NUMBER.replace("num>", "cnum>").replace("mag>", "cmag>")
    + r")"
    r"|\b(?:list|print|write|generate|output|give me|tell me|enumerate)\s+(?:all|every)\s+(?:the\s+)?"
    r"(?P<all>prime numbers|primes|digits of pi|natural numbers|integers|numbers)\b"
)
_WEAK_INSTRUCTION = re.compile(
    r"\b(?:as long as (?:possible|you can)|(?:the )?longest (?:possible )?(?:response|answer|text|essay|story)"
    r"|maximum (?:length|number of tokens|tokens|output)|(?:use|exhaust) (?:all|every)(?: of)?(?: your| the)?"
    r" (?:tokens|output|context))\b"
)

_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "hundreds of": 200, "thousands of": 2000,
    "millions of": 2_000_000, "billions of": 2_000_000_000, "trillions of": 2_000_000_000_000,
}  # fmt: skip
_MAGNITUDES = {
    "k": 1e3, "m": 1e6, "b": 1e9, "hundred": 1e2, "thousand": 1e3, "hundred thousand": 1e5, "million": 1e6,
    "billion": 1e9, "trillion": 1e12, "gazillion": 1e15, "zillion": 1e15,
}  # fmt: skip
#: Per unit: the count from which a request is weak, and strong, evidence.
_UNIT_LIMITS: dict[str, tuple[float, float]] = {
    "time": (100, 1000),
    "word": (5000, 20000),
    "page": (30, 100),
    "token": (10000, 50000),
    "character": (20000, 100000),
    "char": (20000, 100000),
    "line": (1000, 10000),
    "row": (1000, 10000),
    "digit": (1000, 10000),
    "number": (1000, 10000),
    "item": (1000, 10000),
    "entry": (1000, 10000),
    "paragraph": (200, 1000),
    "sentence": (500, 5000),
    "essay": (50, 500),
    "story": (50, 500),
    "chapter": (50, 500),
    "poem": (100, 1000),
    "joke": (100, 1000),
    "example": (100, 1000),
}


def _count(number: str | None, magnitude: str | None) -> float:
    if number is None:
        return 0.0
    number = number.strip()
    value = _WORD_NUMBERS.get(number)
    if value is None:
        try:
            value_f = float(re.sub(r"[,_' ]", "", number))
        except ValueError:
            return 0.0
    else:
        value_f = float(value)
    if magnitude:
        value_f *= _MAGNITUDES.get(magnitude, 1.0)
    return value_f


def _unit_key(unit: str) -> str:
    if unit in ("entries", "entry"):
        return "entry"
    if unit in ("stories", "story"):
        return "story"
    if unit == "times":
        return "time"
    return unit[:-1] if unit.endswith("s") else unit


def _instruction_strength(low: str) -> float:
    best = 0.0
    for match in _INSTRUCTION.finditer(low):
        if match["unbounded"] or match["never"] or match["infinity"] or match["all"]:
            return _STRONG
        if match["unit"]:
            weak, strong = _UNIT_LIMITS[_unit_key(match["unit"])]
            count = _count(match["num"], match["mag"])
        else:
            weak, strong = _UNIT_LIMITS["number"]
            count = _count(match["cnum"], match["cmag"])
        if count >= strong:
            return _STRONG
        if count >= weak:
            best = _WEAK
    if not best and _WEAK_INSTRUCTION.search(low):
        best = _WEAK
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
