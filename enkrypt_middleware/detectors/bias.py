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
from collections.abc import Sequence, Set
from functools import cache
from typing import Any, Literal

from ._common import DetectorConfig
from ._groups import GROUP, GROUP_ADJECTIVES, GROUP_NOUNS, PEOPLE_NOUNS, THE_GROUPS
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
    if text.isascii():
        starts = _run_starts(text, vocabulary)
        if not starts:
            return 0.0, [], ""  # no clause holds the tokens that a pattern that scores needs
        clauses = _candidates(text, starts)
    else:
        clauses = _clauses(text, sentences(text))  # ``tokenize`` folds the text, which moves offsets
    best = 0.0
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    pos = 0
    for start, end in clauses:
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

#: The last token of a group mention in ``group_string``: a group noun, a group after "the" ("the elderly"), or
#: ``xgroupx`` itself, which a text may hold (it is left as it is). The other mentions end with a people noun
#: after a group adjective ("black people").
_MENTION_ENDS = frozenset((*GROUP_NOUNS, *THE_GROUPS, GROUP_TOKEN))
#: The first token of a group mention: a group noun or adjective, "the", or ``xgroupx``.
_MENTION_STARTS = frozenset(GROUP_NOUNS) | frozenset(GROUP_ADJECTIVES) | {"the", GROUP_TOKEN}
_SINGULARS = frozenset(_SINGULAR.split("|"))
#: Runs of consecutive tokens, as the set of the first token and a set for each token after it, one of which
#: every match of a pattern that scores holds (``_run_starts`` says why).
_RUNS: tuple[tuple[frozenset[str], tuple[frozenset[str], ...]], ...] = (
    (_MENTION_ENDS, (_AFTER_GROUP,)),  # "women are", "the elderly are", "gays cant"
    (frozenset(GROUP_ADJECTIVES), (frozenset(PEOPLE_NOUNS), _AFTER_GROUP)),  # "black people are"
    (  # "a woman should", "a womans place is"
        _SINGULARS | {f"{word}s" for word in _SINGULARS},
        (frozenset(("place", "should", "shouldnt", "cant", "cannot")),),
    ),
    (frozenset(("typical",)), (_MENTION_STARTS | _SINGULARS,)),  # "typical women", "typical woman"
    (frozenset(("girl",)), ()),  # "like a girl"
)
#: For each token that starts a run, the rests of the runs it starts.
_FOLLOWERS: dict[str, tuple[tuple[frozenset[str], ...], ...]] = {
    word: tuple(rest for first, rest in _RUNS if word in first) for first, _ in _RUNS for word in first
}
_LEADS = frozenset(_FOLLOWERS)
#: The two tokens after a token's end in ``bare`` text (see ``_run_starts``), ``""`` where there is none.
_FOLLOWING = re.compile(r"(?:[^a-z0-9]*([a-z0-9]+))?(?:[^a-z0-9]*([a-z0-9]+))?")


def _run_starts(text: str, vocabulary: Set[str]) -> list[int]:
    """Places in an ASCII ``text`` (``vocabulary``: its tokens' set) where a run of tokens starts that a pattern
    that scores needs (``_RUNS``): the clauses around them are the only ones that may score, and most prose that
    names a group ("the women who ran the mills") has none.

    Why no other clause may score. ``_classify`` scores a clause only when ``_PRESCRIPTIVE``, ``_QUANTIFIED``,
    ``_BY_NATURE``, ``_TYPICAL`` or ``_TRAIT`` matches ``group_string`` of its tokens, and each of their
    alternatives needs whole tokens in a row (``test_bias`` checks each case against the patterns):

    - a group, then a word of ``_AFTER_GROUP`` ("xgroupx are", "xgroupx cant"). That word is a token of the
      clause (no mention starts with one), and so is the last token of the mention before it: one of
      ``_MENTION_ENDS``, or a people noun right after a group adjective;
    - one of ``_SINGULAR``, with an "s" or not, then "place", "should", "shouldnt", "cant" or "cannot" ("a
      woman should", "a womans place is");
    - "typical", then the first token of a mention or one of ``_SINGULAR`` ("typical woman");
    - "like a girl", which needs "girl".

    And the tokens of a clause are tokens of the text, in a row. ``tokenize`` lower-cases an ASCII text, drops
    its apostrophes and splits it at every other character: its tokens are the runs of ``[a-z0-9]`` of the
    text lower-cased without apostrophes (``bare``). A clause starts after white space (a sentence's first
    character, ``_text.sentences``, or a clause's, after ``,``, ``;`` or ``:`` and white space, ``_clauses``)
    or at 0, and ends before white space, ``,``, ``;`` or ``:``, or at the end: no token runs across its edges.
    (A text that is not ASCII is folded, whole and clause by clause, which need not agree: it is not read here.)

    So the runs are looked for in ``bare``: their first token where it is a whole token (``str.find``), the
    tokens after it read by ``_FOLLOWING``. A run is looked for only when each of its sets has a word in
    ``vocabulary``. The places found are moved back over the apostrophes dropped before them.
    """
    rests: dict[str, list[tuple[frozenset[str], ...]]] = {}
    for word in _LEADS.intersection(vocabulary):
        runs = [rest for rest in _FOLLOWERS[word] if not any(map(vocabulary.isdisjoint, rest))]
        if runs:
            rests[word] = runs
    if not rests:
        return []
    lowered = text.lower()
    bare = lowered.replace("'", "") if "'" in lowered else lowered
    size = len(bare)
    starts: list[int] = []
    for word, runs in rests.items():
        at = bare.find(word)
        while at >= 0:
            end = at + len(word)
            if (
                (not at or bare[at - 1] not in _TOKEN_CHARS)
                and (end == size or bare[end] not in _TOKEN_CHARS)
                and _is_followed(bare, end, runs)
            ):
                starts.append(at)
            at = bare.find(word, end)
    if not starts or bare is lowered:
        return starts
    dropped: list[int] = []  # where each apostrophe was, in ``bare``
    at = lowered.find("'")
    while at >= 0:
        dropped.append(at - len(dropped))
        at = lowered.find("'", at + 1)
    return [start + bisect_right(dropped, start) for start in starts]


def _is_followed(bare: str, end: int, runs: list[tuple[frozenset[str], ...]]) -> bool:
    """Whether the tokens after ``end``, a token's end in ``bare``, are of each set of one of ``runs``, in turn."""
    following = _FOLLOWING.match(bare, end)
    tokens = following.groups("") if following is not None else ("", "")
    for rest in runs:
        for token, words in zip(tokens, rest, strict=False):  # a rest has at most two sets
            if token not in words:
                break
        else:
            return True
    return False


def _candidates(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """The clauses of ``text`` that hold one of the places ``starts``, in order.

    Tokenising every clause of a long text to find the few that may score cost more than the rest of the
    detector, and so did finding every sentence of it: the sentences are read only around those places
    (``_text.sentences_around``).
    """
    clauses = _clauses(text, sentences_around(text, starts))
    firsts = [start for start, _ in clauses]
    found: set[int] = set()
    for start in starts:
        index = bisect_right(firsts, start) - 1
        if index >= 0 and start < clauses[index][1]:
            found.add(index)
    return [clauses[index] for index in sorted(found)]


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
