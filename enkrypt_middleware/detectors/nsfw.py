"""``nsfw``: sexual content, by the profanity word list's sexual terms and context rules (no trained model).

No labelled NSFW data set is available to train on, so the score is built from evidence words, each with
a strength, combined as ``1 - prod(1 - strength)`` over the distinct words found:

explicit (0.85)
    pornographic vocabulary: "porn", "xxx", "hentai", "blowjob", "gangbang", "deepthroat", "nudes", and the
    word list's variants of those acts (``_EXPLICIT_CANONICAL``).
sexual slang (0.6)
    the word list's sexual-anatomy slang ("cock", "pussy", "tits", "cum", "dildo" and their spellings),
    counted only when the term is unambiguous or the text also has sexual context (a context word, or a
    verb such as "suck", "lick", "ride"); an ambiguous term alone ("Moby Dick", "the rooster's cock") is
    0.15. "erotic", "erotica", "smut", "lewd", "horny", "nsfw", "nudity", "sexting", "kinky" also count 0.6.
sexual context (0.35)
    "sex", "sexy", "naked", "orgasm", "masturbate", "fetish", "lingerie", "stripper",
    "have sex", "make love", ... One is not enough to fire at 0.5; two are.

When the text reads as medical, scientific, educational or legal ("doctor", "cancer", "symptoms",
"anatomy", "reproductive", "education", "consent", "research", "law"), slang and context words count at
40 % of their strength (explicit terms do not change): "breast cancer screening", "sex education",
"the vulva and vagina are parts of the reproductive system" stay safe for work. Expletives ("fuck this
traffic") are not sexual content: they are ``toxicity``'s ``obscene``.

Details as Enkrypt's: ``sfw`` and ``nsfw`` probabilities (four decimals, summing to 1); ``summary.nsfw``
is 0 or 1 (fires at ``threshold``, default 0.5). Over several texts, the highest ``nsfw`` counts.

What it cannot catch: sexual content written in ordinary words ("she took off her dress and ..."),
innuendo and euphemism, languages other than English, and sexual content in images. A hand-written
check set (``eval/toxicity.py``, not held out) is all it has been measured on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from ._common import DetectorConfig
from ._profanity import joiner
from .base import Finding, Located, Report
from .toxicity import analyze

__all__ = ["NsfwConfig", "NsfwDetector", "nsfw_probability"]

DEFAULT_THRESHOLD = 0.5
_EXPLICIT = 0.85
_SLANG = 0.6
_CONTEXT = 0.35
_AMBIGUOUS = 0.15
_CLINICAL_FACTOR = 0.4


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Pornographic vocabulary (tokens).
_EXPLICIT_WORDS = _words(
    """porn porno pornography pornographic xxx hentai blowjob blowjobs handjob handjobs gangbang gangbanged
    deepthroat deepthroating cumshot cumshots creampie bukkake rimjob nudes sexting camgirl camgirls onlyfans
    pornhub xvideos threesome orgy orgies dildo dildos vibrator cunnilingus fellatio anilingus analingus
    masturbating masturbation masturbate jerking milf bdsm"""
)
#: Canonical forms in the word list that are sexual acts or explicit anatomy (their spellings count as slang;
#: the acts among them as explicit).
_EXPLICIT_CANONICAL = frozenset(
    {"blowjob", "fellatio", "cunnilingus", "creampie", "rim job", "jack off", "jerk off", "beat off", "whack off"}
)
_SLANG_CANONICAL = frozenset(
    """cock dick pussy penis vagina clit jizz cum boobs tits tit dildo orgasm ejaculation foreskin testicles
    nipple vulva boner schlong shlong muff punani snatch anal anus bollocks nutsack cameltoe wank masturbate
    breast hooters funbags milf""".split()
)
#: Words that are sexual content on their own in most uses (counted like slang).
_STRONG_CONTEXT_WORDS = _words("erotic erotica smut smutty lewd horny nsfw nudity sexting kinky")
#: Sexual context (tokens; two-word phrases are matched on the joined tokens).
_CONTEXT_WORDS = _words(
    """sex sexual sexually sexy naked nude orgasm orgasms aroused arousal fetish lingerie stripper strippers
    striptease seduce seduced seductive moan moaning moaned intercourse foreplay undress undressed undressing
    lust lustful slutty hookup topless bottomless"""
)
#: Verbs that make an ambiguous anatomy word sexual ("suck your cock").
_SEXUAL_VERBS = _words("suck sucking sucked lick licking licked ride riding stroke stroking rub rubbing spread touch")
#: Word-list terms that are innocent as a whole.
_INNOCENT_TERMS = frozenset({"pussy cat", "pussycat"})
_CONTEXT_PHRASES = (" have sex ", " had sex ", " having sex ", " make love ", " making love ", " in bed with ")
#: Words that make a text medical, scientific, educational or legal.
_CLINICAL = _words(
    """doctor doctors medical medicine clinic clinical health healthy cancer screening symptom symptoms diagnosis
    treatment patient patients anatomy biology biological education educational reproductive reproduction
    pregnancy pregnant std stds sti stis hiv contraception contraceptive puberty gynecologist urologist
    infection infections exam examination surgery consent research study studies census statistics law legal
    court offender offenders harassment abuse assault prevention nurse hospital physician therapy therapist
    hygiene disease diseases condom condoms menstrual menstruation lump mammogram prostate whale whales"""
)


def nsfw_probability(text: str) -> float:
    """Probability-like score that ``text`` is sexual content (see the module docstring)."""
    analysis = analyze(text)
    vocabulary = analysis.vocabulary
    strengths: dict[str, float] = {}
    for word in _EXPLICIT_WORDS.intersection(vocabulary):
        strengths[word] = _EXPLICIT
    for word in _STRONG_CONTEXT_WORDS.intersection(vocabulary):
        strengths[word] = _SLANG
    context = _CONTEXT_WORDS.intersection(vocabulary)
    joined = joiner(analysis.tokens)() if not vocabulary.isdisjoint(("sex", "love", "bed")) else ""
    phrases = [phrase for phrase in _CONTEXT_PHRASES if joined and phrase in joined]
    sexual_context = bool(context or phrases or strengths) or not _SEXUAL_VERBS.isdisjoint(vocabulary)
    slang: dict[str, float] = {}
    for _, term in analysis.hits:
        if "sexual" not in term.categories:
            continue
        key = " ".join(term.tokens)
        if key in _INNOCENT_TERMS:
            continue
        if any(canonical in _EXPLICIT_CANONICAL for canonical in term.canonical):
            strengths[key] = _EXPLICIT
        elif any(canonical in _SLANG_CANONICAL for canonical in term.canonical):
            slang[key] = _AMBIGUOUS if term.ambiguous and not sexual_context else _SLANG
    clinical = not _CLINICAL.isdisjoint(vocabulary)
    factor = _CLINICAL_FACTOR if clinical else 1.0
    for key, strength in slang.items():
        strengths.setdefault(key, strength * factor)
    for word in context:
        strengths.setdefault(word, _CONTEXT * factor)
    for phrase in phrases:
        strengths.setdefault(phrase, _CONTEXT * factor)
    if not strengths:
        return 0.0
    return 1.0 - math.prod(1.0 - strength for strength in strengths.values())


class NsfwConfig(DetectorConfig):
    """Options of the ``nsfw`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["nsfw"] = "nsfw"

    def build(self) -> NsfwDetector:
        return NsfwDetector(
            threshold=DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            block_message=self.block_message,
        )


class NsfwDetector:
    """Scores sexual content; fires at ``threshold`` (default 0.5)."""

    name = "nsfw"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "NSFW content detected"

    __slots__ = ("block_message", "threshold")

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, block_message: str | None = None) -> None:
        self.threshold = threshold
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE

    def detect(self, text: str) -> Finding:
        nsfw = round(nsfw_probability(text), 4)
        return Finding(detected=nsfw >= self.threshold, score=nsfw, details={"sfw": round(1.0 - nsfw, 4), "nsfw": nsfw})

    def report(self, findings: Sequence[Located]) -> Report:
        detected = any(item.finding.detected for item in findings)
        nsfw = max((item.finding.score for item in findings), default=0.0)
        details: dict[str, Any] = {"sfw": round(1.0 - nsfw, 4), "nsfw": nsfw}
        return Report(detected=detected, summary={"nsfw": int(detected)}, details=details)
