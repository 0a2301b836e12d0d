"""``sponge_attack``: prompts built to make the model spend unbounded compute or output.

Four signals, each with a strength in [0, 1], combine into the score as ``1 - prod(1 - strength)``:

``unbounded_output``
    An instruction to produce endless or huge output: "repeat X forever", "say Y 10000 times", "never
    stop writing", "write a million words", "count to a billion", "list all prime numbers". The verb
    must stand where an instruction stands (start of a sentence or clause, after "please", "you", "can
    you", ...) and not inside a clause about something else, so "why does my program print this
    forever?" or "a script that runs forever" do not count. Large but bounded requests ("a 5000-word
    essay") are weak evidence.
``repetition``
    The prompt itself repeats a word or short phrase many times: fewer distinct words than the square
    root of the word count, or one word making up most of a long prompt.
``compressibility``
    Text of ``compress_min_chars`` or more that zlib shrinks to a small fraction: repetition the word
    signal cannot see ("aaaa...", "abcabc..."). Only measured when the text has very long space-free
    runs or looks repetitive already, so ordinary prose and code never pay for zlib.
``length``
    More than ``max_chars`` characters.

Strong evidence is 0.9, weak 0.25, length 0.75. At the default threshold 0.5 a weak signal never fires
alone, nor do two; three do. Only signal names are reported, never text. The instruction reading is
English-only.
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
from .base import Finding, Located, Report, compact_json

__all__ = ["SpongeAttackConfig", "SpongeDetector"]

_STRONG = 0.9
_WEAK = 0.25
_LENGTH = 0.75
_DEFAULT_THRESHOLD = 0.5
_CLEAN = Finding(detected=False)
#: ``details`` of a report where nothing fired, as JSON.
_NOTHING_JSON = compact_json({"sponge_attack_detected": False, "signals": []})


class SpongeAttackConfig(DetectorConfig):
    """Options of the ``sponge_attack`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["sponge_attack"] = "sponge_attack"
    max_chars: int | None = Field(
        default=20000, gt=0, description="Texts longer than this fire on length alone; null disables the check."
    )
    compress_min_chars: int = Field(
        default=2000, gt=0, description="Texts at least this long may also be checked for compressibility."
    )

    def build(self) -> SpongeDetector:
        return SpongeDetector(
            threshold=_DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            max_chars=self.max_chars,
            compress_min_chars=self.compress_min_chars,
            block_message=self.block_message,
        )


# --- tokens --------------------------------------------------------------------------------------------------


def _table(boundaries: bytes = b"", clause: bytes = b"", lower: bool = True) -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte + 32 if lower else byte
    for byte in boundaries:
        table[byte] = ord("|")
    for byte in clause:
        table[byte] = ord(",")
    return bytes(table)


#: Lower-cases ASCII letters and digits and turns everything else into spaces: the words of a text.
_WORDS = _table()
#: The same, but sentence ends become "|" and clause marks "," (for reading instructions).
_PHRASES = _table(boundaries=b".!?;\n", clause=b',:()[]"*')
#: The same without lower-casing: splits into the same tokens, to look at their case.
_PHRASES_CASED = _table(boundaries=b".!?;\n", clause=b',:()[]"*', lower=False)
#: Digit-group separators inside numbers ("10,000", "1_000_000"), removed before reading numbers.
_THOUSANDS = re.compile(rb"[,_'](?<=[0-9][,_'])(?=[0-9]{3}(?![0-9]))")


def _words(text: bytes) -> frozenset[bytes]:
    return frozenset(text.split())


#: Without one of these words no instruction can be read (checked on the text's word set first).
_ANCHORS = _words(
    b"""forever endlessly infinitely indefinitely eternally eternity infinitum nonstop stop stopping end
    ending pause pausing limit infinite endless unlimited countless neverending over until till many times
    time words word pages page tokens token characters character chars char lines line rows row digits digit
    numbers number items item entries entry paragraphs paragraph sentences sentence essays essay stories
    story chapters chapter poems poem jokes joke examples example count primes prime integers long longest
    maximum"""
)
_VERBS = _words(
    b"""repeat say write print type output generate produce echo recite spell list count copy paste spam send
    respond reply answer continue keep loop iterate emit display show tell give return chant sing shout yell
    append add create compose calculate compute make provide enumerate"""
)
#: Verbs that take another action as their object: an instruction only as "keep repeating", "keep going".
_ASPECT_VERBS = _words(b"keep continue")
_GERUNDS = _words(
    b"""repeating writing saying typing printing generating talking outputting responding listing counting
    producing answering going"""
)
#: Right before an instruction verb: a sentence or clause start, or one of these words.
_LEADS = _words(b"| , please pls now just then and also kindly simply always you u")
#: ... or one of these after "you" ("you must say", "I want you to say", "your task is to repeat").
_MODALS = _words(b"to will must should shall can could would")
_MODAL_SUBJECTS = _words(b"you u is me")
#: Between the verb and its qualifier, these start a clause about something else.
_CLAUSE_WORDS = _words(b"that which who whom whose where when while if because so")
_ENDLESS = _words(b"forever endlessly infinitely indefinitely eternally nonstop infinitum")
_WITHOUT_WHAT = _words(b"stopping end ending pause pausing limit")
_LOOP_ADJECTIVES = _words(b"infinite endless unlimited countless neverending")
_UNTIL_YOU = _words(b"die crash collapse explode run")
_BOUNDED_BY = _words(b"under below less up between from smaller to within in until through than")

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
_NUMERAL = re.compile(rb"([0-9]{1,15})(?:(k|m|b|bn|mil)|e([0-9]{1,2}))?")
#: Per unit (singular): the count from which a request is weak, and strong, evidence.
_UNIT_LIMITS: dict[bytes, tuple[int, int]] = {
    b"time": (100, 1000), b"word": (5000, 20000), b"page": (50, 200), b"token": (10000, 50000),
    b"character": (20000, 100000), b"char": (20000, 100000), b"line": (1000, 10000), b"row": (1000, 10000),
    b"digit": (1000, 10000), b"number": (1000, 10000), b"item": (1000, 10000), b"entry": (1000, 10000),
    b"paragraph": (200, 1000), b"sentence": (500, 5000), b"essay": (50, 500), b"story": (50, 500),
    b"chapter": (50, 500), b"poem": (100, 1000), b"joke": (100, 1000), b"example": (100, 1000),
}  # fmt: skip
_IRREGULAR_PLURALS = {b"entries": b"entry", b"stories": b"story"}

#: How many words back from a qualifier the instruction verb may stand.
_WINDOW = 14


def _singular(word: bytes) -> bytes:
    return _IRREGULAR_PLURALS.get(word) or (word[:-1] if word.endswith(b"s") else word)


def _number_ending_at(tokens: list[bytes], end: int) -> int:
    """The count written by the words just before ``tokens[end]`` ("10000", "10,000", "10k", "1e6", "ten
    thousand", "a million", "millions of"), or 0."""
    j = end - 1
    if j >= 1 and tokens[j] == b"of" and tokens[j - 1] in _NUMBER_WORDS:
        return _NUMBER_WORDS[tokens[j - 1]]
    magnitude = 1
    if j >= 1 and tokens[j] in _MAGNITUDES:
        magnitude = _MAGNITUDES[tokens[j]]
        j -= 1
    if j < 0:
        return 0
    word = tokens[j]
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word] * magnitude
    match = _NUMERAL.fullmatch(word)
    if match is None:
        return 0
    value = int(match.group(1))
    if match.group(2):
        value *= _MAGNITUDES[match.group(2)]
    elif match.group(3):
        value *= 10 ** int(match.group(3))
    return value * magnitude


def _is_instruction_verb(tokens: list[bytes], j: int) -> bool:
    word = tokens[j]
    if word not in _VERBS:
        return False
    if word in _ASPECT_VERBS and (j + 1 >= len(tokens) or tokens[j + 1] not in _GERUNDS):
        return False
    if j == 0 or tokens[j - 1] in _LEADS:
        return True
    return tokens[j - 1] in _MODALS and j >= 2 and tokens[j - 2] in _MODAL_SUBJECTS


def _instructed(tokens: list[bytes], i: int) -> bool:
    """Whether an instruction verb governs ``tokens[i]``: within the window before it, same sentence,
    no clause about something else in between."""
    for j in range(i - 1, max(-1, i - 1 - _WINDOW), -1):
        word = tokens[j]
        if word == b"|" or word in _CLAUSE_WORDS:
            return False
        if _is_instruction_verb(tokens, j):
            return True
    return False


def _endless_at(tokens: list[bytes], i: int) -> bool:
    """Whether ``tokens[i]`` starts or ends an 'endlessly' qualifier."""
    word = tokens[i]
    before = tokens[i - 1] if i else b""
    after = tokens[i + 1 : i + 4]
    if word in _ENDLESS:  # forever, nonstop, ad infinitum
        return True
    if word == b"stop":  # non-stop
        return before == b"non"
    if word in _WITHOUT_WHAT:  # without stopping / end / limit
        return before == b"without"
    if word == b"over":  # over and over
        return after[:2] == [b"and", b"over"]
    if word == b"eternity":  # for (all) eternity
        return before in (b"for", b"all")
    if word == b"many":  # as many times as possible / as you can
        return before == b"as" and after[:2] == [b"times", b"as"]
    if word in (b"until", b"till"):  # until you die / crash / run out; until the end of time
        return (after[:1] == [b"you"] and after[1:2] != [] and after[1] in _UNTIL_YOU) or after == [
            b"the",
            b"end",
            b"of",
        ]
    if word in _LOOP_ADJECTIVES:  # infinite times, an endless number of times, in an infinite loop
        if after[:1] == [b"times"] or after == [b"number", b"of", b"times"]:
            return True
        return after[:1] == [b"loop"] and i >= 2 and tokens[i - 2] in (b"in", b"on")
    return False


def _split_phrases(translated: bytes) -> list[bytes]:
    return translated.replace(b"|", b" | ").replace(b",", b" , ").split()


def _is_title(raw: bytes, tokens: list[bytes], i: int) -> bool:
    """Whether ``tokens[i]`` is capitalised mid-sentence in the text (a name: "the movie Forever Young")."""
    if i == 0 or tokens[i - 1] in (b"|", b","):
        return False
    return _split_phrases(raw.translate(_PHRASES_CASED))[i][:1].isupper()


def _count_strength(count: int, limits: tuple[int, int]) -> float:
    return _STRONG if count >= limits[1] else _WEAK if count >= limits[0] else 0.0


#: The words ``_endless_at`` can start from, the units, and what may precede a count.
_ENDLESS_ANCHORS = (
    _ENDLESS | _WITHOUT_WHAT | _LOOP_ADJECTIVES | _words(b"stop over eternity many until till")
) & _ANCHORS
_UNITS = frozenset(_UNIT_LIMITS) | _words(b"times entries stories") | frozenset(w + b"s" for w in _UNIT_LIMITS)
_COUNT_ENDINGS = frozenset(_NUMBER_WORDS) | frozenset(_MAGNITUDES) | _words(b"of")
#: At most this many anchor words are examined in one text.
_MAX_ANCHORS = 1000


_NON_DIGITS = bytes(byte for byte in range(256) if not 48 <= byte <= 57)
#: A count big enough to matter is written with digits or with one of these.
_BIG_NUMBER_WORDS = _words(b"hundred hundreds thousand thousands million millions billion billions trillion zillion")
_NOTHING: frozenset[bytes] = frozenset()
_COMMON_UNITS = _words(b"over stop end ending limit many until till long longest maximum count")


def _relevant_anchors(vocabulary: set[bytes], translated: bytes) -> frozenset[bytes]:
    """The anchor words worth reading around: the rare ones, and common ones only with their company.

    ``translated``: the text through ``_WORDS`` (its words, lower-cased, between runs of spaces).
    """
    present = _ANCHORS.intersection(vocabulary)
    if not present:
        return _NOTHING
    relevant = set(present - _UNITS - _COMMON_UNITS)  # forever, infinite, nonstop, primes, ...
    if present & _UNITS and (not _BIG_NUMBER_WORDS.isdisjoint(vocabulary) or translated.translate(None, _NON_DIGITS)):
        relevant |= present & _UNITS
    for word in present.intersection(_COMPANY):
        if _COMPANY[word].search(translated):
            relevant.add(word)
    return frozenset(relevant)


def _phrases(*phrases: bytes) -> re.Pattern[bytes]:
    """Finds any of ``phrases`` in a ``_WORDS``-translated text, whatever runs of spaces stand between words.

    The same as looking for the phrase in the text's words joined by single spaces, without joining them.
    """
    return re.compile(b"|".join(b" +".join(map(re.escape, phrase.split())) for phrase in phrases))


#: Common anchor words and the phrases that must occur for them to matter.
_COMPANY: dict[bytes, re.Pattern[bytes]] = {
    b"over": _phrases(b"over and over"),
    b"stop": _phrases(b"never stop", b"not stop", b"t stop", b"not ever stop", b"non stop"),
    b"end": _phrases(b"without end", b"the end of time"),
    b"ending": _phrases(b"without ending"),
    b"limit": _phrases(b"without limit"),
    b"many": _phrases(b"as many times as"),
    b"until": _phrases(b"until you", b"until the end"),
    b"till": _phrases(b"till you", b"till the end"),
    b"long": _phrases(b"as long as possible", b"as long as you can"),
    b"longest": _phrases(b"longest possible"),
    b"maximum": _phrases(b"maximum length", b"maximum tokens", b"maximum output"),
    b"count": _phrases(b"count to", b"count up to", b"count from"),
}


def _instruction_strength(text: str, relevant: frozenset[bytes]) -> float:
    """Strength of the strongest instruction in ``text`` to produce unbounded or huge output.

    ``relevant``: the anchor words to read around (see ``_relevant_anchors``).
    """
    raw = text.encode("ascii", "replace")
    if b"," in raw or b"_" in raw or b"'" in raw:
        raw = _THOUSANDS.sub(b"", raw)
    tokens = _split_phrases(raw.translate(_PHRASES))
    n = len(tokens)
    best = 0.0
    examined = 0
    for i, word in enumerate(tokens):
        if word not in relevant:
            continue
        examined += 1
        if examined > _MAX_ANCHORS:
            break
        after = tokens[i + 1 : i + 5]
        if word in _ENDLESS_ANCHORS and _endless_at(tokens, i):
            if _instructed(tokens, i) and not _is_title(raw, tokens, i):
                return _STRONG
        elif word == b"stop":  # never stop writing, don't stop repeating, do not ever stop generating
            before = tokens[max(0, i - 3) : i]
            if after[:1] and after[0] in _GERUNDS and (b"never" in before or b"not" in before or b"t" in before):
                return _STRONG
        elif word == b"count":  # count (up) (from X) to N
            j = i + 1 + (after[:1] == [b"up"])
            if tokens[j : j + 1] == [b"from"]:
                j += 2
            if tokens[j : j + 1] == [b"to"] and j + 1 < n and (i == 0 or tokens[i - 1] in _LEADS):
                if tokens[j + 1] == b"infinity":
                    return _STRONG
                count = max(_number_ending_at(tokens, j + 2), _number_ending_at(tokens, min(n, j + 3)))
                best = max(best, _count_strength(count, _UNIT_LIMITS[b"number"]))
        elif word in (b"prime", b"primes", b"integers", b"digits", b"numbers"):  # list all prime numbers
            window = tokens[max(0, i - 3) : i]
            bounded = any(token in _BOUNDED_BY for token in after)
            if (b"all" in window or b"every" in window) and not bounded and _instructed(tokens, i):
                if word != b"numbers" or b"natural" in window or b"prime" in window:
                    if word != b"digits" or after[:2] == [b"of", b"pi"]:
                        return _STRONG
        if word in _UNITS and i and (tokens[i - 1][:1].isdigit() or tokens[i - 1] in _COUNT_ENDINGS):
            limits = _UNIT_LIMITS[_singular(word)]  # say hi 10000 times, write a million words
            count = _number_ending_at(tokens, i)
            if count >= limits[0] and _instructed(tokens, i):
                strength = _count_strength(count, limits)
                if strength == _STRONG:
                    return _STRONG
                best = max(best, strength)
        elif (
            (word == b"long" and i and tokens[i - 1] == b"as" and after[:1] == [b"as"])
            or (word == b"longest" and after[:1] == [b"possible"])
            or (word == b"maximum" and after[:1] and after[0] in (b"length", b"tokens", b"output"))
        ):  # as long as possible, the longest possible answer, maximum length
            best = max(best, _WEAK)
    return best


# --- repetition and compressibility ----------------------------------------------------------------------------


def _repetition(words: list[bytes], vocabulary: set[bytes]) -> float:
    n = len(words)
    if n < 50:
        return 0.0
    distinct = len(vocabulary)
    ratio = distinct / math.sqrt(n)
    if ratio < 1.0 and n >= 100:
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


# --- the detector -------------------------------------------------------------------------------------------


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
        """The signals that fired on ``text``, with their strengths."""
        fired: dict[str, float] = {}
        translated = text.encode("ascii", "replace").translate(_WORDS)
        words = translated.split()
        vocabulary = set(words)
        relevant = _relevant_anchors(vocabulary, translated)
        if relevant:
            strength = _instruction_strength(text, relevant)
            if strength:
                fired["unbounded_output"] = strength
        repetition = _repetition(words, vocabulary)
        if repetition:
            fired["repetition"] = repetition
        n = len(text)
        if n >= self.compress_min_chars and (
            n > 16 * (len(words) + 1) or len(vocabulary) < 3 * math.sqrt(len(words))
        ):  # long space-free runs, or few distinct words: worth a zlib pass
            strength = _compressibility(text)
            if strength:
                fired["compressibility"] = strength
        if self.max_chars is not None and n > self.max_chars:
            fired["length"] = _LENGTH
        return fired

    def detect(self, text: str) -> Finding:
        fired = self.signals(text)
        if not fired:
            return _CLEAN
        score = round(min(1.0, 1.0 - math.prod(1.0 - strength for strength in fired.values())), 6)
        return Finding(detected=score >= self.threshold, score=score, details={"signals": list(fired)})

    def report(self, findings: Sequence[Located]) -> Report:
        detected = any(item.finding.detected for item in findings)
        if not detected:
            return Report(
                detected=False,
                summary={"sponge_attack": 0},
                details={"sponge_attack_detected": False, "signals": []},
                details_json=_NOTHING_JSON,
            )
        signals: list[str] = []
        for item in findings:
            if item.finding.detected:
                for signal in item.finding.details.get("signals", ()):
                    if signal not in signals:
                        signals.append(signal)
        return Report(
            detected=detected,
            summary={"sponge_attack": int(detected)},
            details={"sponge_attack_detected": detected, "signals": signals},
        )
