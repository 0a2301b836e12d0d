"""``relevancy``, ``adherence`` and ``hallucination``: an answer judged against the request.

All three run on the output side, need the request (``ScanContext``) and judge whole answers. They are
enabled by the output policy's ``additional_config.{relevancy,adherence,hallucination}: true``
(Enkrypt's switches; defaults apply) and/or as detectors of the output policy, with options.

Scores and their direction (all in [0, 1]):

``adherence`` -> ``details.adherence.adherence_score``: **1 = every claim of the answer is supported by
    ``enkrypt_context``**, 0 = none is. Fires (``summary.adherence: 1``) when the score is below
    ``threshold`` (default 0.5).
``hallucination`` -> ``details.hallucination.hallucination_score``: **1 = the answer's least supported
    claim has no support in ``enkrypt_context``**, 0 = every claim is supported. Fires
    (``summary.hallucination: 1``, ``details.hallucination.is_hallucination: 1``) at or above ``threshold``
    (default 0.5).
``relevancy`` -> ``details.relevancy.relevancy_score``: **1 = the answer is about what the question
    asks**, 0 = unrelated. Fires (``summary.relevancy: 1``) below ``threshold`` (default 0.3).

As everywhere in ``summary``, 1 means the check found a problem (Enkrypt's SDK counts summary values
above 0 as violations). The answer's claims are listed (``atomic_facts``) with a 1/0 verdict each
(``adherence_list``, ``relevancy_list``), and the failing ones again as ``unsupported_sentences`` /
``irrelevant_sentences``. A blocked answer's sentences are withheld from the details.

Method (lexical, no model). The answer is cut into claims: sentences, merged until each has at least
four content words. A claim's *unsupported mass* ``U`` adds, for each of its words that the context
does not contain, a weight by kind: numbers 2.0, content words 1.0, first/second person pronouns 1.0 (a
claim about the speaker or listener cannot be grounded in a document), other function words 0.7,
conversational fillers 0.6, third-person pronouns 0.3 (they refer back to something named). Words match
by light stem, a small synonym table, or a shared five-letter prefix (counted 70 % supported). Support
is looked for in the best window of up to three consecutive context sentences, the windows tried being
those around the sentences that share most words with the claim; a word found only elsewhere in the
context counts 35 % of its weight. A number must also stand near the word before it in the claim ("born
in 1977" against "born in 1935 ... died in 1977" is a mismatch, weighing 2.0). A claim's support is ``exp(-U / 3.5)``,
so about two and a half unsupported content words make it unsupported (support below 0.5).
``adherence_score`` is the mean support of the claims weighted by their length;
``hallucination_score`` is one minus the support of the least supported claim.

Relevancy: a claim is relevant to the question when it shares content words with it (stems, synonyms,
prefixes), or names a topic the question names (the related-words table of ``topic_detector``); a claim
that starts with a pronoun inherits the relevance of the claim before it. ``relevancy_score`` is the
length-weighted mean.

Limits: lexical support cannot see negation ("X is not Y" against "X is Y" is supported), paraphrase
beyond stems and the small synonym table, or meaning ("Paris." answering "What is the capital of
France?" shares no word with the question and is only rescued by the answer-type rule for short answers).
Measured on BEGIN (``python -m eval.grounding``). Texts that are JSON documents (tool-call arguments)
and answers without a context (or question) are not judged: their details say why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from ._common import DetectorConfig
from ._text import FILLERS, STOPWORDS, content_stems, sentences, stem, words
from ._topics import TOPICS
from .base import NO_CONTEXT, Finding, Located, Report, ScanContext

__all__ = [
    "AdherenceConfig",
    "AdherenceDetector",
    "HallucinationConfig",
    "HallucinationDetector",
    "RelevancyConfig",
    "RelevancyDetector",
    "claim_supports",
    "relevance",
]

#: Support = exp(-U / TAU): a claim with U = TAU * ln 2 (about 2.4 unsupported content words) has 0.5.
TAU = 3.5
MIN_CLAIM_WORDS = 4
_STOP_WEIGHT = 0.7
_FILLER_WEIGHT = 0.6
_ANAPHORA_WEIGHT = 0.3
_PREFIX_SUPPORT = 0.7
_ELSEWHERE_SUPPORT = 0.65
_NUMBER_ANCHOR = 5
_NUMBER_WEIGHT = 2.0
_WINDOW = 3
_CANDIDATES = 4

_ANAPHORA = frozenset("he she it they him her them his its their hers theirs this that these those there".split())
_SPEAKER = frozenset("i me my mine myself we us our ours ourselves you your yours yourself yourselves".split())

_SYNONYMS = (
    "call called name named known referred refer term termed",
    "usual usually normal normally typical typically generally general often commonly common",
    "big large huge",
    "small little tiny",
    "begin began start started starting beginning",
    "us usa america american united states",
    "also too",
    "create created make made build built",
    "film movie",
    "song track",
    "get got obtain obtained",
    "kid kids child children",
    "buy bought purchase purchased",
    "quick quickly fast rapid rapidly",
    "help helps assist assists",
    "show shows display displays",
    "cost costs price prices",
)


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _SYNONYMS:
        group = [stem(word) for word in words(line)]
        for member in group:
            table.setdefault(member, group[0])
    return table


_SYNONYM = _synonyms()


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def _weight(token: str) -> float:
    if token in _SPEAKER:
        return 1.0
    if token in _ANAPHORA:
        return _ANAPHORA_WEIGHT
    if token in FILLERS:
        return _FILLER_WEIGHT
    if token in STOPWORDS:
        return _STOP_WEIGHT
    return 1.0


def _with_synonyms(stems: set[str]) -> frozenset[str]:
    return frozenset(stems | {_SYNONYM[s] for s in stems if s in _SYNONYM})


@dataclass(frozen=True, slots=True)
class _Window:
    stems: frozenset[str]
    prefixes: frozenset[str]
    positions: Mapping[str, list[int]]


class ContextIndex:
    """The context cut into sentences and indexed once (cached per context string)."""

    __slots__ = ("_windows", "by_stem", "prefixes", "sentences", "stems")

    def __init__(self, text: str) -> None:
        self.sentences: list[list[str]] = [[stem(t) for t in words(text[a:b])] for a, b in sentences(text)]
        self.by_stem: dict[str, set[int]] = {}
        for number, sentence in enumerate(self.sentences):
            for token in sentence:
                self.by_stem.setdefault(token, set()).add(number)
        self.stems = _with_synonyms(set(self.by_stem))
        self.prefixes = frozenset(s[:5] for s in self.stems if len(s) >= 5)
        self._windows: dict[tuple[int, int], _Window] = {}

    def window(self, start: int, end: int) -> _Window:
        found = self._windows.get((start, end))
        if found is None:
            tokens = [token for sentence in self.sentences[start:end] for token in sentence]
            positions: dict[str, list[int]] = {}
            for offset, token in enumerate(tokens):
                positions.setdefault(token, []).append(offset)
            stems = _with_synonyms(set(positions))
            prefixes = frozenset(s[:5] for s in stems if len(s) >= 5)
            found = self._windows[(start, end)] = _Window(stems, prefixes, positions)
        return found

    def candidates(self, stems: Sequence[str]) -> list[tuple[int, int]]:
        """Windows (start, end) around the sentences sharing most stems with a claim."""
        count = len(self.sentences)
        if count <= _WINDOW:
            return [(0, count)] if count else []
        hits: dict[int, int] = {}
        for token in set(stems):
            for number in self.by_stem.get(token, ()):
                hits[number] = hits.get(number, 0) + 1
        best = sorted(hits, key=lambda n: (-hits[n], n))[:_CANDIDATES] or [0]
        # only the widest windows: a window's unsupported mass never exceeds that of a window inside it
        spans: set[tuple[int, int]] = set()
        for number in best:
            for start in range(max(0, number - _WINDOW + 1), min(number, count - _WINDOW) + 1):
                spans.add((start, start + _WINDOW))
        return sorted(spans)


@lru_cache(maxsize=16)
def _index(context: str) -> ContextIndex:
    return ContextIndex(context)


def _unsupported(tokens: Sequence[str], stems: Sequence[str], window: _Window, index: ContextIndex) -> float:
    """The unsupported mass U of one claim against one window of the context."""
    mass = 0.0
    previous: str | None = None
    for token, token_stem in zip(tokens, stems, strict=True):
        number = _is_number(token)
        if token_stem in window.stems or _SYNONYM.get(token_stem, "") in window.stems:
            if number and previous is not None:
                near = window.positions.get(previous)
                mine = window.positions.get(token_stem)
                if near and mine and min(abs(a - b) for a in near for b in mine) > _NUMBER_ANCHOR:
                    mass += _NUMBER_WEIGHT  # the number is in the context, but next to something else
            if token not in STOPWORDS and token not in FILLERS and token_stem in window.positions:
                previous = token_stem
            continue
        weight = _NUMBER_WEIGHT if number else _weight(token)
        if not number and len(token_stem) >= 5 and token_stem[:5] in window.prefixes:
            mass += weight * (1.0 - _PREFIX_SUPPORT)
        elif token_stem in index.stems and not number:
            mass += weight * (1.0 - _ELSEWHERE_SUPPORT)
        else:
            mass += weight
    return mass


def _claims(text: str) -> list[tuple[str, list[str]]]:
    """The answer's claims: sentences merged until each has MIN_CLAIM_WORDS content words."""
    claims: list[tuple[int, int, list[str], int]] = []
    for start, end in sentences(text):
        tokens = words(text[start:end])
        if not tokens:
            continue
        content = len(content_stems(tokens))
        if claims and (claims[-1][3] < MIN_CLAIM_WORDS or content < MIN_CLAIM_WORDS):
            first, _, previous, count = claims[-1]
            claims[-1] = (first, end, previous + tokens, count + content)
        else:
            claims.append((start, end, tokens, content))
    return [(text[start:end], tokens) for start, end, tokens, _ in claims]


def claim_supports(answer: str, context: str) -> list[tuple[str, float]]:
    """Each claim of ``answer`` with its support in ``context`` (1 = fully supported)."""
    return list(_claim_supports(answer, context))


@lru_cache(maxsize=64)  # adherence and hallucination of one answer share the work
def _claim_supports(answer: str, context: str) -> tuple[tuple[str, float], ...]:
    index = _index(context)
    out: list[tuple[str, float]] = []
    for claim, tokens in _claims(answer):
        stems = [stem(token) for token in tokens]
        spans = index.candidates(stems)
        mass = min((_unsupported(tokens, stems, index.window(a, b), index) for a, b in spans), default=None)
        if mass is None:
            mass = sum(_weight(token) for token in tokens)
        out.append((claim, math.exp(-mass / TAU)))
    return tuple(out)


# --- relevancy ---------------------------------------------------------------------------------------------


def _topics_of(stems: set[str]) -> set[str]:
    """Table topics a text is about: named by an alias, or two of its related words."""
    found: set[str] = set()
    for name, (aliases, related) in TOPICS.items():
        if any(alias <= stems for alias in aliases) or len(stems & related) >= 2:
            found.add(name)
    return found


_WH_NUMBER = frozenset({"many", "much", "old", "long", "year", "when", "often", "far"})
_WH_NAME = frozenset({"who", "where", "which"})


def _answer_type_ok(question: list[str], answer: str) -> bool:
    """A short answer that has the kind of thing the question asks for: a number or a proper name."""
    asked = set(question)
    tokens = words(answer)
    if asked & _WH_NUMBER and any(_is_number(token) for token in tokens):
        return True
    if asked & (_WH_NAME | {"what"}):
        return any(word[:1].isupper() for word in answer.split()[1:]) or answer[:1].isupper()
    return False


def relevance(answer: str, question: str, context: str | None = None) -> list[tuple[str, float]]:
    """Each claim of ``answer`` with its relevance to ``question`` (1 = about what it asks).

    With a ``context`` (retrieved for the question), a claim whose content words (two at least) the
    context contains is relevant to the extent the context shares the question's content words.
    """
    question_tokens = words(question)
    wanted = _with_synonyms(set(content_stems(question_tokens)))
    prefixes = frozenset(s[:5] for s in wanted if len(s) >= 5)
    question_topics = _topics_of(set(wanted))
    claims = _claims(answer)
    known: frozenset[str] = frozenset()
    on_question = 0.0
    if context:
        known = _index(context).stems
        on_question = len(wanted & known) / len(wanted) if wanted else 0.0
    out: list[tuple[str, float]] = []
    previous = 0.0
    for claim, tokens in claims:
        stems = set(content_stems(tokens))
        stems |= {_SYNONYM[s] for s in stems if s in _SYNONYM}
        hits = sum(1.0 if s in wanted else _PREFIX_SUPPORT if len(s) >= 5 and s[:5] in prefixes else 0.0 for s in stems)
        score = 1.0 - math.exp(-hits)
        if question_topics and question_topics & _topics_of(stems):
            score = max(score, 0.75)
        if on_question and len(stems) >= 2:
            grounded = len(stems & known)
            if grounded >= 2:
                score = max(score, on_question * grounded / len(stems))
        if tokens[0] in _ANAPHORA:
            score = max(score, previous)
        if len(claims) == 1 and len(stems) <= 6 and _answer_type_ok(question_tokens, claim):
            score = max(score, 0.75)
        out.append((claim, round(score, 4)))
        previous = score
    return out


# --- detectors ---------------------------------------------------------------------------------------------


def _is_json_document(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _weighted_mean(items: Sequence[tuple[str, float]]) -> float:
    total = sum(len(claim) for claim, _ in items)
    return sum(len(claim) * value for claim, value in items) / total if total else 1.0


def _not_judged(reason: str) -> Finding:
    return Finding(detected=False, details={"skipped": reason})


def _grounded_claims(text: str, context: ScanContext) -> list[tuple[str, float]] | Finding:
    """The answer's claims with their support in ``enkrypt_context``, or why the answer is not judged."""
    if not context.context:
        return _not_judged("no enkrypt_context in the request")
    if _is_json_document(text):
        return _not_judged("JSON document")
    return claim_supports(text, context.context) or _not_judged("no text")


def _judged(findings: Sequence[Located]) -> list[Located]:
    return [item for item in findings if "skipped" not in item.finding.details]


class _Grounded:
    """What the three detectors share: context use, threshold, and picking the worst text."""

    needs_context = True
    whole_answer = True
    name: str
    _key: str
    _summary_defaults: Mapping[str, Any]

    def __init__(self, threshold: float, block_message: str | None) -> None:
        self.threshold = threshold
        self.block_message = block_message

    def _worst(self, findings: Sequence[Located]) -> tuple[bool, dict[str, Any]]:
        judged = _judged(findings)
        if not judged:
            reasons = sorted({str(item.finding.details.get("skipped")) for item in findings})
            return False, {**self._summary_defaults, "skipped": "; ".join(reasons) or "nothing to judge"}
        worst = max(judged, key=lambda item: item.finding.score)
        return any(item.finding.detected for item in judged), dict(worst.finding.details)

    def report(self, findings: Sequence[Located]) -> Report:
        detected, details = self._worst(findings)
        return Report(detected=detected, summary={self.name: int(detected)}, details=details)


class AdherenceDetector(_Grounded):
    name = "adherence"
    DEFAULT_BLOCK_MESSAGE = "The answer does not adhere to the provided context"
    _summary_defaults: Mapping[str, Any] = {
        "adherence_score": None,
        "atomic_facts": [],
        "adherence_list": [],
        "unsupported_sentences": [],
    }

    def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        supports = _grounded_claims(text, context)
        if isinstance(supports, Finding):
            return supports
        score = round(_weighted_mean(supports), 4)
        verdicts = [int(value >= 0.5) for _, value in supports]
        return Finding(
            detected=score < self.threshold,
            score=1.0 - score,
            details={
                "adherence_score": score,
                "atomic_facts": [claim for claim, _ in supports],
                "adherence_list": verdicts,
                "unsupported_sentences": [claim for (claim, _), ok in zip(supports, verdicts, strict=True) if not ok],
            },
        )


class HallucinationDetector(_Grounded):
    name = "hallucination"
    DEFAULT_BLOCK_MESSAGE = "The answer contains claims not supported by the provided context"
    _summary_defaults: Mapping[str, Any] = {
        "is_hallucination": 0,
        "hallucination_score": None,
        "unsupported_sentences": [],
    }

    def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        supports = _grounded_claims(text, context)
        if isinstance(supports, Finding):
            return supports
        score = round(1.0 - min(value for _, value in supports), 4)
        detected = score >= self.threshold
        return Finding(
            detected=detected,
            score=score,
            details={
                "is_hallucination": int(detected),
                "hallucination_score": score,
                "unsupported_sentences": [claim for claim, value in supports if 1.0 - value >= self.threshold],
            },
        )


class RelevancyDetector(_Grounded):
    name = "relevancy"
    DEFAULT_BLOCK_MESSAGE = "The answer is not relevant to the question"
    _summary_defaults: Mapping[str, Any] = {
        "relevancy_score": None,
        "atomic_facts": [],
        "relevancy_list": [],
        "irrelevant_sentences": [],
    }

    def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        if not context.question:
            return _not_judged("no question in the request")
        if _is_json_document(text):
            return _not_judged("JSON document")
        if not content_stems(words(context.question)):
            return _not_judged("the question has no content words")
        scored = relevance(text, context.question, context.context)
        if not scored:
            return _not_judged("no text")
        score = round(_weighted_mean(scored), 4)
        verdicts = [int(value >= self.threshold) for _, value in scored]
        return Finding(
            detected=score < self.threshold,
            score=1.0 - score,
            details={
                "relevancy_score": score,
                "atomic_facts": [claim for claim, _ in scored],
                "relevancy_list": verdicts,
                "irrelevant_sentences": [claim for (claim, _), ok in zip(scored, verdicts, strict=True) if not ok],
            },
        )


class _GroundingConfig(DetectorConfig):
    def _threshold(self, default: float) -> float:
        return default if self.threshold is None else self.threshold


class AdherenceConfig(_GroundingConfig):
    """Options of ``adherence`` (fires below ``threshold``, default 0.5; 1 = fully supported)."""

    name: Literal["adherence"] = "adherence"

    def build(self) -> AdherenceDetector:
        return AdherenceDetector(self._threshold(0.5), self.block_message)


class HallucinationConfig(_GroundingConfig):
    """Options of ``hallucination`` (fires at or above ``threshold``, default 0.5; 1 = unsupported)."""

    name: Literal["hallucination"] = "hallucination"

    def build(self) -> HallucinationDetector:
        return HallucinationDetector(self._threshold(0.5), self.block_message)


class RelevancyConfig(_GroundingConfig):
    """Options of ``relevancy`` (fires below ``threshold``, default 0.3; 1 = relevant)."""

    name: Literal["relevancy"] = "relevancy"

    def build(self) -> RelevancyDetector:
        return RelevancyDetector(self._threshold(0.3), self.block_message)
