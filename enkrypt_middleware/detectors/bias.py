"""``bias``: generalisations about protected groups, by sentence-level patterns (no trained model).

Groups (``_groups``): gender, race and ethnicity, religion, nationality and migration status, age,
disability and sexual orientation, named in the plural or generically ("women", "black people", "the
elderly", "immigrants"). A sentence is biased when it makes a claim about the whole group:

descriptive
    a quantified group with a stereotype trait ("all Mexicans are lazy", "most women are bad drivers"),
    a group said to be so by nature ("women are naturally nurturing", "men are always late", "Asians are
    inherently good at maths"), a group with a stereotype trait ("immigrants are criminals", "old people
    are useless with technology"), "typical <group>", "like a girl".
prescriptive
    what a group cannot or must not do or be ("women can't drive", "immigrants shouldn't vote", "gay
    people don't belong in the military", "women belong in the kitchen", "a woman's place is in the home").

Not biased (suppressed): sentences that report or reject a generalisation ("it's wrong to say all X are Y",
"not all X are Y", "the stereotype that ...", "there is no evidence that ..."), a negated trait ("women
are not inferior"), past-tense history ("women were denied the vote until 1920": the patterns need a
present tense), and descriptive sentences with statistics ("according to", "%", "study", "survey",
"census", "data").

Details as Enkrypt's: ``bias_detected`` (bool); ``biased_text``: the biased sentences, joined by a space;
``debiased_text``: the text with each biased sentence neutralised. A descriptive generalisation is
rewritten to a claim about some members ("Most women are bad drivers." -> "Some women are bad drivers.",
the quantifier replaced and "naturally"/"always"/... dropped); a prescriptive one, "typical <group>" and
"like a girl" are removed, since no neutral rewrite of "women shouldn't vote" exists. Both are ``""``
when nothing is biased (the text is not echoed back). ``summary.bias`` is 0 or 1. The score is 0.9 for
a quantified or prescriptive generalisation, 0.75 for the others; ``threshold`` (default 0.5) applies to it.

What it cannot catch: generalisations about groups outside the word lists (professions, political sides
are not protected groups here), implicit bias without a generalising sentence, stereotypes with traits
outside the list, other languages, and refutations phrased in ways the suppressors do not know.
Sentences longer than 600 characters are read clause by clause.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence, Set
from functools import cache
from typing import Any, Literal

from ._common import DetectorConfig
from ._groups import GROUP, GROUP_ADJECTIVES, GROUP_NOUNS, PEOPLE_NOUNS
from ._profanity import tokenize
from ._text import alternatives, regex, sentences, sentences_around
from ._toxicity_rules import GROUP_TOKEN, group_string
from .base import Finding, Located, Report, Span
from .toxicity import analyze

__all__ = ["BiasConfig", "BiasDetector", "find_bias"]

DEFAULT_THRESHOLD = 0.5
_MAX_SENTENCE = 600
_CLEAN = Finding(detected=False)

#: Singular nouns for generic statements ("a woman should ...", "typical woman").
_SINGULAR = "woman|man|girl|boy|female|male|muslim|jew|christian|immigrant|foreigner|black|asian|mexican|gay|lesbian"
#: A text without one of these tokens (apostrophes are dropped: "woman's" is "womans") has no group in it.
_GATE = (
    frozenset(GROUP_NOUNS)
    | frozenset(GROUP_ADJECTIVES)
    | frozenset(_SINGULAR.split("|"))
    | frozenset(f"{word}s" for word in _SINGULAR.split("|"))
)
_ADJECTIVE_GATE = frozenset(GROUP_ADJECTIVES)
_PEOPLE_GATE = frozenset(PEOPLE_NOUNS)
_NOUN_GATE = (
    frozenset(GROUP_NOUNS)
    | frozenset(_SINGULAR.split("|"))
    | frozenset(f"{word}s" for word in _SINGULAR.split("|"))
    | frozenset(("elderly", "disabled", "handicapped"))
)
#: Group words written in lower case mid-sentence (the others are proper adjectives: "Muslims", "Asian").
_COMMON_WORDS = frozenset(
    """women men girls boys females males ladies wives husbands mothers fathers immigrants migrants refugees
    foreigners illegals aliens boomers millennials teenagers teens seniors pensioners elders retirees disabled
    autistic gays lesbians homosexuals bisexuals old older elderly young younger blind deaf handicapped gay
    lesbian bisexual trans transgender queer straight female male the""".split()
)

_G = GROUP_TOKEN
_Q = r"(?:all|most|every|typical|these|those)"
_INTENS = (
    r"(?:naturally|inherently|genetically|biologically|innately|instinctively|fundamentally|intrinsically|"
    r"always|by nature|born to be|just naturally)"
)
_TRAITS = (
    r"(?:lazy|stupid|dumb|violent|dangerous|criminals?|terrorists?|thieves|rapists|savages|animals|inferior|"
    r"superior|weak|emotional|hysterical|irrational|bossy|greedy|cheap|dirty|smelly|loud|aggressive|"
    r"untrustworthy|liars|dishonest|incompetent|useless|worthless|primitive|backward|ignorant|uneducated|"
    r"illiterate|ugly|evil|sinful|perverts|predators|pedophiles|diseased|helpless|a burden|burdens|submissive|"
    r"sneaky|manipulative|shallow|gold diggers|freeloaders|parasites|moochers|welfare queens|drunks|alcoholics|"
    r"thugs|fanatics|extremists|barbaric|uncivilized|unintelligent|not smart|too emotional|bad (?:at|drivers|"
    r"with|leaders|parents)|terrible (?:at|drivers|leaders)|worse (?:at|than|drivers|leaders)|"
    r"better (?:at|than|drivers|leaders)|good at (?:math|maths|science|sports|dancing|business|money)|"
    r"slow (?:at|learners)|useless (?:at|with)|unable to \w+|incapable of \w+|unfit (?:to|for)|not capable of)"
)
_HEDGE = r"(?:all |just |so |too |such |really |very |generally |usually |mostly |simply |all just |basically )?"
#: Patterns over the sentence's tokens (lower case, apostrophes dropped), groups replaced by ``xgroupx``.
#: "all immigrants are criminals", "most women are bad drivers".
_QUANTIFIED = rf"\b{_Q} (?:of )?{_G} (?:are|is) {_HEDGE}(?:an? )?(?:bunch of )?{_TRAITS}\b"
#: "women are naturally nurturing", "men are always late".
_BY_NATURE = rf"\b{_G} (?:are|is) (?:all )?{_INTENS}\b"
#: "immigrants are criminals", "old people are useless with technology".
_TRAIT = rf"\b{_G} (?:are|is) {_HEDGE}(?:an? )?(?:bunch of )?{_TRAITS}\b"
#: "typical woman", "like a girl".
_TYPICAL = (
    rf"\btypical (?:{_G}|{_SINGULAR})\b"
    r"|\b(?:throws?|runs?|fights?|cry|cries|crying|scream|screams|drives?|acts?|acting|hits?) like a girl\b"
)
_ABILITY = (
    r"(?:drive|lead|code|program|think|do math|do maths|be trusted|handle|understand|fight|be good|be leaders|"
    r"manage|learn|work|be engineers|be scientists|be doctors|be pilots|be presidents|be bosses|be in charge|"
    r"control (?:themselves|their)|make decisions|raise children|parent|do science|do business|be funny|"
    r"play sports|be rational|be objective|be logical|assimilate|integrate|be american|be british|be patriotic)"
)
#: "women can't drive", "immigrants shouldn't vote", "gays don't belong in the military".
_PRESCRIPTIVE = (
    rf"\b{_G} (?:(?:cant|cannot|can not|are not able to|arent able to|are unable to|are incapable of|"
    rf"are not capable of|arent capable of) {_ABILITY}\b"
    r"|(?:shouldnt|should not|should never|must not|mustnt|dont deserve|do not deserve|dont belong|"
    r"do not belong|have no place|are unfit|are not fit|will never be|could never|belong in the kitchen|"
    r"belong at home|should stay (?:at )?home|should stay in the kitchen)\b)"
    rf"|\b(?:a|every|any) (?:{_SINGULAR})s? place is\b"
    rf"|\b(?:a|every|any) (?:{_SINGULAR}) (?:should|shouldnt|should not|cant|cannot) (?:be )?"
    rf"(?:{_ABILITY}|stay home|obey|submit|vote|lead)\b"
)
#: Sentences that report, reject or hedge a generalisation.
_REPORTED = (
    r"\b(?:not all|wrong to (?:say|assume|think|claim)|myth that|stereotypes?|no evidence|false that|"
    r"untrue that|isnt true|is not true|not true that|dont believe|do not believe|stop saying|"
    r"(?:the|a) (?:idea|claim|notion|belief|assumption|misconception|prejudice|generalisation|generalization) that|"
    r"people (?:who|that) (?:say|think|believe|claim)|racist to|sexist to|bigoted to|its a myth|is a myth|"
    r"debunk|debunked|refute|challenge the|so called|myths? about)\b"
)
_STATISTICAL = r"\b(?:according to|study|studies|survey|surveys|census|data|statistics|percent|per cent)\b"
_NEGATED_TRAIT = rf"\b{_G} (?:are|is) (?:not|never|no)\b"


#: The words that follow the group in a pattern that finds a generalisation: "are"/"is" (``_QUANTIFIED``,
#: ``_BY_NATURE``, ``_TRAIT``) and the first words of ``_PRESCRIPTIVE``'s "{group} can't ...".
_AFTER_GROUP = frozenset(
    "are is cant cannot can arent shouldnt should must mustnt dont do have will could belong".split()
)
#: Strings one of the other patterns needs: "typical <group>", "like a girl", "a woman's place is", "a woman
#: should/shouldn't/can't/cannot ...".
_GENERALISING = ("typical ", " like a girl", " place is", " should", " cant", " cannot")
_GROUP_THEN = GROUP_TOKEN + " "


def _may_generalise(spaced: str) -> bool:
    """Whether a pattern that finds a generalisation (all but ``_REPORTED``, ``_STATISTICAL`` and
    ``_NEGATED_TRAIT``, which only clear a sentence) can match ``spaced`` (``" " + words``).

    A necessary condition for each, read from the patterns (``test_bias`` checks it against them): a few
    substring searches of a sentence-long string, where the seven patterns cost a search each, every one of
    them trying its alternatives at every word. Most sentences that name a group generalise nothing
    ("the women who ran the mills"), and end here.
    """
    if any(map(spaced.__contains__, _GENERALISING)):
        return True
    at = spaced.find(_GROUP_THEN)
    while at >= 0:
        start = at + len(_GROUP_THEN)
        end = spaced.find(" ", start)
        if spaced[start : end if end >= 0 else len(spaced)] in _AFTER_GROUP:
            return True
        at = spaced.find(_GROUP_THEN, start)
    return False


def _classify(words: str, raw: str) -> tuple[float, bool]:
    """(score, prescriptive) of one sentence: ``words`` its token string, ``raw`` its text."""
    spaced = " " + words
    if not _may_generalise(spaced):
        return 0.0, False  # every pattern that scores cannot match
    if _spaced(_REPORTED).search(spaced):
        return 0.0, False
    if _spaced(_PRESCRIPTIVE).search(spaced):
        return 0.9, True
    if "%" in raw or _spaced(_STATISTICAL).search(spaced):
        return 0.0, False
    if _spaced(_QUANTIFIED).search(spaced):
        return 0.9, False
    if _spaced(_BY_NATURE).search(spaced) or _spaced(_TYPICAL).search(spaced):
        return 0.75, _spaced(_TYPICAL).search(spaced) is not None
    if _spaced(_TRAIT).search(spaced) and not _spaced(_NEGATED_TRAIT).search(spaced):
        return 0.75, False
    return 0.0, False


@cache
def _spaced(source: str) -> re.Pattern[str]:
    """``source``, whose alternatives each start with ``\\b`` and a word, compiled to search ``" " + words``
    instead of ``words``, with a space where each ``\\b`` was (compiled on first use, as ``_text.regex``).

    The same sentences match: ``words`` is tokens joined by single spaces, so a word starts at a word
    boundary exactly where a space precedes it in ``" " + words``. But a pattern that starts with a
    literal character lets ``re`` skip in C from space to space, where one that starts with ``\\b`` is
    tried at every word boundary: 4x faster.
    """
    parts = alternatives(source)
    if not all(part.startswith("\\b") and (part[2:3].isalpha() or part[2:5] == "(?:") for part in parts):
        raise ValueError(f"not a pattern of words: {source[:40]!r}")
    return regex(" (?:" + "|".join(part[2:] for part in parts) + ")")


#: The generalising subject in the text itself: an optional quantifier and the group (for the rewrite).
_SUBJECT = rf"\b(?:(?:all|most|every|typical|these|those)\s+(?:of\s+(?:the\s+)?)?)?{GROUP}\b"
_INTENS_WORD = rf"\s+(?:all\s+)?{_INTENS}\b"


def _neutralise(sentence: str) -> str:
    """``sentence`` as a claim about some members of the group ("Most women are ..." -> "Some women are ...",
    "naturally"/"always"/... dropped); ``""`` when the subject cannot be found."""
    lowered = sentence.replace("\u2019", "'").lower()
    match = regex(_SUBJECT).search(lowered) if len(lowered) == len(sentence) else None
    if match is None:
        return ""
    start, end = match.span()
    claim = lowered[start:end]
    body = sentence[start:end]
    quantifier = re.match(r"(?:all|most|every|typical|these|those)\s+(?:of\s+(?:the\s+)?)?", claim)
    if quantifier:
        body = body[quantifier.end() :]
    first = body.split(" ", 1)[0]
    if first[:1].isupper() and first.lower() in _COMMON_WORDS:
        body = body[0].lower() + body[1:]
    rewritten = f"some of {body}" if body.lower().startswith("the ") else f"some {body}"
    if start == 0 and sentence[:1].isupper():
        rewritten = rewritten[0].upper() + rewritten[1:]
    rest = regex(_INTENS_WORD).sub("", sentence[end:], count=1)
    return sentence[:start] + rewritten + rest


def find_bias(text: str) -> tuple[float, list[tuple[int, int]], str]:
    """(score, biased sentence spans, debiased text) of ``text``; ``(0.0, [], "")`` when nothing is biased."""
    vocabulary = analyze(text).vocabulary
    if _NOUN_GATE.isdisjoint(vocabulary) and (
        _ADJECTIVE_GATE.isdisjoint(vocabulary) or _PEOPLE_GATE.isdisjoint(vocabulary)
    ):
        return 0.0, [], ""  # no group noun, and no group adjective with a people noun
    best = 0.0
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    pos = 0
    for start, end in _candidates(text, _GATE.intersection(vocabulary)):
        sentence = text[start:end]
        tokens = tokenize(sentence)
        if _GATE.isdisjoint(tokens):
            continue
        score, prescriptive = _classify(group_string(tokens), sentence)
        if not score:
            continue
        best = max(best, score)
        spans.append((start, end))
        pieces.append(text[pos:start])
        if not prescriptive:
            pieces.append(_neutralise(sentence))
        pos = end
    if not spans:
        return 0.0, [], ""
    pieces.append(text[pos:])
    debiased = " ".join("".join(pieces).split())
    return best, spans, debiased


#: The characters of ``tokenize``'s tokens in lower-cased ASCII text.
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _candidates(text: str, words: Set[str]) -> list[tuple[int, int]]:
    """The clauses that may hold one of ``words`` (the text's group words) as a token, in order.

    Tokenising every clause of a long text to find the few with a group word cost more than the rest of
    the detector, and so did finding every sentence of it. A clause ends at a separator, so its tokens are
    tokens of the whole text, where each group word is found with ``str.find`` in the lower-cased text, kept if
    it is a whole token, and mapped back to the clause around it, from only the sentences around those places
    (``_text.sentences_around``). The result is a superset: each candidate is still tokenised and gated.
    ``tokenize`` folds a text that is not ASCII, which moves offsets: every clause of such a text is a candidate.

    ``tokenize`` drops apostrophes ("women's" is ``womens``). An apostrophe counts as a separator here instead,
    which finds more places ("women" in "women's"), never fewer, except a word with an apostrophe inside
    ("wom'en"): those are found apart (``_across_apostrophes``). That replaced dropping the apostrophes from the
    text and mapping every place back, two more passes over the text.
    """
    if not text.isascii():
        return _clauses(text, sentences(text))
    lowered = text.lower()
    origins: set[int] = set()
    for word in words:
        size = len(word)
        at = lowered.find(word)
        while at >= 0:
            end = at + size
            if (not at or lowered[at - 1] not in _TOKEN_CHARS) and (
                end == len(lowered) or lowered[end] not in _TOKEN_CHARS
            ):
                origins.add(at)
            at = lowered.find(word, at + 1)
    if "'" in lowered:
        origins.update(_across_apostrophes(lowered, words))
    clauses = _clauses(text, sentences_around(text, origins))
    firsts = [start for start, _ in clauses]
    found: set[int] = set()
    for origin in origins:
        index = bisect_right(firsts, origin) - 1
        if index >= 0 and origin < clauses[index][1]:
            found.add(index)
    return [clauses[index] for index in sorted(found)]


#: What a token is made of once ``tokenize`` has dropped the apostrophes.
_WORD_CHARS = _TOKEN_CHARS | {"'"}


def _across_apostrophes(lowered: str, words: Set[str]) -> Iterator[int]:
    """Where one of ``words`` is a token once apostrophes are dropped and has one inside ("wom'en"): the first
    letter of each run of letters, digits and apostrophes around an apostrophe that reads as one of ``words``
    without them. Such a run is one token of the text as ``tokenize`` reads it: the characters on either side of
    it are neither letters, digits nor apostrophes."""
    at = lowered.find("'")
    while at >= 0:
        start = at
        while start and lowered[start - 1] in _WORD_CHARS:
            start -= 1
        end = at + 1
        while end < len(lowered) and lowered[end] in _WORD_CHARS:
            end += 1
        run = lowered[start:end]
        if run.replace("'", "") in words:
            yield start + len(run) - len(run.lstrip("'"))
        at = lowered.find("'", end)


def _clauses(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences ``spans`` of ``text``, those longer than ``_MAX_SENTENCE`` cut into clauses."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if end - start <= _MAX_SENTENCE:
            out.append((start, end))
            continue
        cut = start
        for match in re.finditer(r"[,;:]\s", text[start:end]):
            piece_end = start + match.start()
            if piece_end - cut <= _MAX_SENTENCE:
                out.append((cut, piece_end))
            cut = start + match.end()
        if end - cut <= _MAX_SENTENCE:
            out.append((cut, end))
    return out


class BiasConfig(DetectorConfig):
    """Options of the ``bias`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["bias"] = "bias"

    def build(self) -> BiasDetector:
        return BiasDetector(
            threshold=DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            block_message=self.block_message,
        )


class BiasDetector:
    """Finds generalisations about protected groups; fires at ``threshold`` (default 0.5)."""

    name = "bias"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Biased content detected"

    __slots__ = ("block_message", "threshold")

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, block_message: str | None = None) -> None:
        self.threshold = threshold
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE

    def detect(self, text: str) -> Finding:
        score, spans, debiased = find_bias(text)
        if not spans:
            return _CLEAN
        return Finding(
            detected=score >= self.threshold,
            score=score,
            spans=tuple(Span(start=start, end=end, label="bias") for start, end in spans),
            details={"debiased_text": debiased},
        )

    def report(self, findings: Sequence[Located]) -> Report:
        biased: list[str] = []
        debiased: list[str] = []
        for item in findings:
            if not item.finding.detected:
                continue
            biased.extend(item.text[span.start : span.end] for span in item.finding.spans)
            debiased.append(str(item.finding.details.get("debiased_text", "")))
        detected = bool(biased)
        details: dict[str, Any] = {
            "bias_detected": detected,
            "biased_text": " ".join(biased),
            "debiased_text": "\n".join(text for text in debiased if text),
        }
        return Report(detected=detected, summary={"bias": int(detected)}, details=details)
