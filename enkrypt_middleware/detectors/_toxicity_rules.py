"""Lexical rules of the ``toxicity`` detector: threats, targeted insults and dehumanising language.

Rules read the text's tokens (``_profanity.tokenize``: lower case, apostrophes dropped, so "you're" is
"youre" and "I'll" is "ill"). Each rule has anchor words (a violent verb, an insult, "hope", a dehumanising
noun); only where an anchor occurs is a short slice of tokens around it (at most a dozen) joined and
matched against the rule's regular expression, with protected-group mentions replaced by the token
``xgroupx`` first. Fixed phrases ("watch your back", "shut up") are looked for with ``in`` on the joined
text. So the cost is one set intersection for a text with no anchor, and a few microseconds per anchor
otherwise, whatever the length of the text; every expression runs on a bounded slice, so hostile input
cannot make matching slow. The expressions compile the first time a text needs one (``_text.regex``): most
texts have no anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from itertools import compress
from typing import NamedTuple

from . import _profanity
from ._groups import GROUP_ADJECTIVES, GROUP_NOUNS, PEOPLE_NOUNS, THE_GROUPS
from ._text import regex

__all__ = ["GROUP_TOKEN", "INSULT_WORDS", "Rules", "group_string", "read_rules"]

GROUP_TOKEN = "xgroupx"
_GROUP_NOUNS = frozenset(GROUP_NOUNS)
_GROUP_ADJECTIVES = frozenset(GROUP_ADJECTIVES)
_PEOPLE = frozenset(PEOPLE_NOUNS)
_THE_GROUPS = frozenset(THE_GROUPS)
#: The words a group mention is found from (``_slice``): its group noun or adjective.
_MENTION_WORDS = _GROUP_NOUNS | _GROUP_ADJECTIVES


def _slice(tokens: Sequence[str], start: int, end: int) -> str:
    """Tokens ``[start, end)`` joined by spaces, each group mention replaced by ``xgroupx``.

    A mention is a group noun, a group adjective with the people noun after it, or "the" with a group after
    it (``_THE_GROUPS``). Each holds a group noun or adjective: those tokens are found with one ``map`` over
    the slice (``_MENTION_WORDS``), and only they are looked at in Python, left to right, where a word-by-word
    loop spent most of the time on the other words. A "the" is looked at from the group after it, not as a
    word of its own: "the" is in most sentences, rarely before a group. A mention of two words hides its
    second word, as when reading word by word (a "the" is never part of another mention, so reading it from
    the word after it changes nothing).
    """
    piece = tokens[max(start, 0) : max(end, 0)]
    count = len(piece)
    out: list[str] = []
    done = 0  # words before this one are in ``out`` or replaced
    for i in compress(range(count), map(_MENTION_WORDS.__contains__, piece)):
        if i < done:
            continue  # the second word of a mention
        token = piece[i]
        if i > done and piece[i - 1] == "the" and token in _THE_GROUPS:
            begin, after = i - 1, i + 1
        elif token in _GROUP_NOUNS:
            begin, after = i, i + 1
        elif i + 1 < count and token in _GROUP_ADJECTIVES and piece[i + 1] in _PEOPLE:
            begin, after = i, i + 2
        else:
            continue
        out += piece[done:begin]
        out.append(GROUP_TOKEN)
        done = after
    if not done:
        return " ".join(piece)
    out += piece[done:]
    return " ".join(out)


def group_string(tokens: Sequence[str]) -> str:
    """All ``tokens`` joined by spaces, each protected-group mention replaced by ``xgroupx``."""
    return _slice(tokens, 0, len(tokens))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class _Phrases(NamedTuple):
    """Fixed phrases by their first word: (their words, the phrase padded with spaces) pairs."""

    firsts: frozenset[str]
    by_first: dict[str, tuple[tuple[frozenset[str], str], ...]]


def _phrases(text: str) -> _Phrases:
    """``|``-separated phrases, indexed by their first word."""
    out: dict[str, list[tuple[frozenset[str], str]]] = {}
    for phrase in (phrase.strip() for phrase in text.split("|")):
        if phrase:
            out.setdefault(phrase.split()[0], []).append((frozenset(phrase.split()), f" {phrase} "))
    return _Phrases(frozenset(out), {first: tuple(pairs) for first, pairs in out.items()})


def _has_phrase(phrases: _Phrases, vocabulary: Set[str], padded: Callable[[], str]) -> bool:
    """Whether one of ``phrases`` occurs: only the phrases whose first word occurs are looked at, and ``in``
    runs only for those whose words all occur (``padded()``: the tokens joined, with a space at each end)."""
    for first in phrases.firsts.intersection(vocabulary):
        for words, phrase in phrases.by_first[first]:
            if words <= vocabulary and phrase in padded():
                return True
    return False


def _alt(words: Set[str] | Sequence[str]) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


# --- insults --------------------------------------------------------------------------------------------------

#: Words that insult a person (profane ones included, for the targeting patterns).
INSULT_WORDS: frozenset[str] = _words(
    """idiot idiots idiotic stupid stupidest moron morons moronic dumb dumber dumbest imbecile imbeciles cretin
    cretins loser losers pathetic worthless useless clown clowns fool fools ignorant scum scumbag scumbags trash
    garbage filth filthy disgusting disgrace pig pigs rat rats liar liars coward cowards hypocrite hypocrites
    lowlife degenerate degenerates parasite parasites vermin freak freaks creep creeps pervert perverts ugly
    fatso psycho psychos lunatic lunatics maniac brainless clueless incompetent jerk jerks douchebag
    douchebags bozo buffoon dimwit halfwit nitwit numbskull dunce sheeple snowflake snowflakes weirdo sicko
    subhuman subhumans cockroach cockroaches traitor traitors deplorable deplorables retarded dumbass dipshit
    asshole assholes bitch bitches whore whores slut sluts cunt cunts twat bastard bastards skank skanks hoe
    hoes prick dickhead douche wanker tosser fag faggot faggots retard retards loony nutjob nutcase thug thugs"""
)
_ADDRESSEE = "you|u|ya|yall|youre|ur|your"
_INTENS = (
    "a|an|such|so|the|total|complete|absolute|utter|fucking|fuckin|f cking|f ckin|effing|frigging|freaking|"
    "little|big|fat|stupid|dumb|ugly|"
    "damn|pathetic|lying|worthless|useless|disgusting|old|sad|sorry|bunch of|real|massive|huge|bloody|typical|"
    "lazy|sick|ignorant|filthy|dirty|nasty|brainless|fake|spineless|just|all|such a|nothing but|a bunch of"
)
_COPULA = "are|r|is|re|look like|sound like|act like|remain|become|were|are just|are all|are such"
#: "you idiot", "you're a moron", "you are such a pathetic loser", "your stupid ass", "u r dumb" (slice ends
#: at the insult).
_ADDRESSED = rf"\b(?:{_ADDRESSEE})(?: (?:{_COPULA}))?(?: (?:{_INTENS})){{0,3}} \w+$"
#: "she is a disgusting pig", "they are all idiots", "he's a moron".
_THIRD_PERSON = (
    rf"\b(?:he|she|they|hes|shes|theyre|this guy|that guy|this woman|that woman|this man|that man)"
    rf"(?: (?:is|are|s|re|was|were|looks like|sounds like|is just|are just|are all|is such))?"
    rf"(?: (?:{_INTENS})){{0,3}} \w+$"
)
#: Dismissals and abuse addressed to the reader (fixed phrases, padded with spaces).
_ADDRESSED_PHRASES = _phrases(
    """shut up|shut the fuck up|shut your mouth|shut your face|stfu|go to hell|fuck you|fuck off|fuck u
    |screw you|nobody likes you|no one likes you|nobody asked you|no one asked you|piss off|go fuck yourself
    |kiss my ass|eat shit|suck my dick|suck my cock|go back to your country|go back to ur country
    |you piece of shit|youre a piece of shit|you are a piece of shit|piece of shit like you
    |you are a disgrace|youre a disgrace|idiot like you|idiots like you|morons like you|people like you"""
)


def insult_strength(
    tokens: list[str], vocabulary: Set[str], padded: Callable[[], str], extra: Sequence[int] = ()
) -> float:
    """How clearly the text insults someone: 0.9 addressed to the reader, 0.7 about a person, else 0.

    ``padded()`` is the tokens joined by spaces with a space at each end; ``extra``: positions of more insulting
    words (the word list's insults, in any spelling).
    """
    present = INSULT_WORDS.intersection(vocabulary)
    best = 0.0
    positions = _profanity.positions(tokens, present) if present else []
    for i in sorted({*positions, *extra}):
        if regex(_ADDRESSED).search(_slice(tokens, i - 7, i + 1)):
            return 0.9
        if not best and regex(_THIRD_PERSON).search(_slice(tokens, i - 7, i + 1)):
            best = 0.7
    if _has_phrase(_ADDRESSED_PHRASES, vocabulary, padded):
        return 0.9
    return best


# --- threats --------------------------------------------------------------------------------------------------

#: Verbs of violence that threaten whatever follows the target ("I will kill you in your sleep").
_HARD_VIOLENT = _words(
    "kill murder rape strangle stab behead lynch torture slaughter massacre execute slit gut skin decapitate"
)
#: Verbs with innocent readings after some words ("I'll shoot you an email", "beat you at chess").
_SOFT_VIOLENT = _words("hurt shoot beat punch slap choke hang burn smash bomb bury hunt")
_FILLER = (
    "will|shall|am|are|gonna|going to|gon|bout to|about to|want to|wanna|would|could|can|must|need to|"
    "have to|has to|gotta|got to|really|just|totally|literally|definitely|personally|also|then|so|soon|"
    "swear|swear to god|promise|be|tryna|trying to|ll|m|gladly|happily|fucking|fuckin|find and|"
    "find you and|come and|come over and|hunt you down and|track you down and"
)
_TARGET = (
    "you|u|ya|yall|him|her|them|every one of you|all of you|each of you|"
    "(?:your|ur|his|her|their) (?:ass|family|kids|children|wife|husband|mom|mother|dad|father|face|head|dog|"
    "whole family|sister|brother)"
)
_SUBJECT = "i|ill|im|ima|imma|id|we|well|were|wed"
_SPEAKER_HARD = (
    rf"\b(?:{_SUBJECT})(?: (?:{_FILLER})){{0,4}} (?:{_alt(_HARD_VIOLENT)})"
    rf"(?: the shit out of| the hell out of| up)? (?:{_TARGET})\b"
)
_SPEAKER_SOFT = (
    rf"\b(?:{_SUBJECT})(?: (?:{_FILLER})){{0,4}} (?:{_alt(_SOFT_VIOLENT)})"
    rf"(?: the shit out of| the hell out of| up| down)? (?:{_TARGET})\b"
    r"(?! (?:at|in|to|an|a|the|over|back|some|this|that|my|guys|on|up|down|with|for|off|out)\b)"
)
_WISH = (
    r"^(?:hope|wish|pray|praying|hoping)(?: that)? (?:you|u|ya|yall|he|she|they|xgroupx|your \w+|his \w+|her \w+)"
    r"(?: \w+){0,2}? (?:die|dies|get killed|gets killed|get raped|gets raped|get shot|gets shot|burn|burns|rot|"
    r"rots|suffer|suffers|get cancer|gets cancer|choke|chokes|drown|drowns|get murdered|gets murdered|"
    r"get hit by a \w+|gets hit by a \w+)\b"
)
_PAST_PARTICIPLES = _words(
    """shot killed hanged hung lynched gassed beheaded exterminated slaughtered burned burnt raped beaten
    executed stoned eliminated"""
)
#: "they should be shot", "these people deserve to be hanged" (slice ends at the participle).
_CALL = (
    rf"\b(?P<who>they|he|she|you|u|{GROUP_TOKEN}|(?:these|those|all|every|such) (?:people|men|women|guys|folks|"
    rf"persons|{_alt(INSULT_WORDS)}))(?: \w+){{0,3}}? "
    r"(?:should|must|ought to|need to|needs to|deserve to|deserves to|have to|has to) (?:all )?(?:be|get) \w+$"
)
_GROUP_VIOLENCE = (
    rf"^(?:kill|gas|hang|shoot|exterminate|nuke|lynch|eradicate) (?:all )?(?:the |these |those )?{GROUP_TOKEN}\b"
    rf"|^death to (?:all )?(?:the )?{GROUP_TOKEN}\b"
)
_GROUP_VERBS = _words("kill gas hang shoot exterminate nuke lynch eradicate death")
_THREAT_PHRASES = _phrases(
    """go die|just die|drop dead|kill yourself|kill urself|kill yourselves|hang yourself|neck yourself
    |shoot yourself|kys|drink bleach|you will die|youll die|you ll die|youre going to die|youre gonna die
    |you are going to die|you are gonna die|death to you|death to them"""
)
_VEILED_PHRASES = _phrases(
    """i know where you live|i know where you work|watch your back|youre next|you are next
    |sleep with one eye open|your days are numbered|youll regret this|you will regret this|youll pay for this
    |you will pay for this|youre dead meat|you are dead meat|youre a dead man|you are a dead man"""
)
_WISH_WORDS = _words("hope wish pray praying hoping")
_THREAT_ANCHORS = _HARD_VIOLENT | _SOFT_VIOLENT | _WISH_WORDS | _PAST_PARTICIPLES | _GROUP_VERBS


class Rules:
    """What the rules found in one text."""

    __slots__ = ("dehumanising", "group_threat", "insult", "threat")

    def __init__(self, threat: float, group_threat: bool, insult: float, dehumanising: bool) -> None:
        self.threat = threat
        self.group_threat = group_threat
        self.insult = insult
        self.dehumanising = dehumanising


def _threat(tokens: list[str], vocabulary: Set[str], padded: Callable[[], str]) -> tuple[float, bool]:
    present = _THREAT_ANCHORS.intersection(vocabulary)
    threat = 0.0
    group = False
    for i in _profanity.positions(tokens, present) if present else ():
        word = tokens[i]
        if word in _HARD_VIOLENT or word in _SOFT_VIOLENT:
            piece = _slice(tokens, i - 7, i + 5)
            if regex(_SPEAKER_HARD if word in _HARD_VIOLENT else _SPEAKER_SOFT).search(piece):
                threat = 0.9
        if word in _WISH_WORDS and regex(_WISH).search(_slice(tokens, i, i + 9)):
            threat = 0.9
        if word in _PAST_PARTICIPLES:
            match = regex(_CALL).search(_slice(tokens, i - 8, i + 1))
            if match:
                threat = 0.9
                group = group or match.group("who") == GROUP_TOKEN
        if word in _GROUP_VERBS and regex(_GROUP_VIOLENCE).search(_slice(tokens, i, i + 5)):
            threat = 0.9
            group = True
    if not threat and _has_phrase(_THREAT_PHRASES, vocabulary, padded):
        threat = 0.9
    if not threat and _has_phrase(_VEILED_PHRASES, vocabulary, padded):
        threat = 0.7
    return threat, group


# --- dehumanising language about a group ----------------------------------------------------------------------

_DEHUMANISING = _words(
    """animals vermin parasites cockroaches rats savages subhuman subhumans apes monkeys pigs dogs beasts filth
    scum trash garbage disease cancer plague infestation virus invaders inferior"""
)
#: Words allowed between the group and the dehumanising word ("muslims are nothing but a cancer").
_BETWEEN = _words(
    """are r is re all just nothing but like such no better than basically literally simply a an bunch of
    fucking filthy dirty disgusting mere merely truly really"""
)


def _dehumanising(tokens: list[str], vocabulary: Set[str]) -> bool:
    present = _DEHUMANISING.intersection(vocabulary)
    for i in _profanity.positions(tokens, present) if present else ():
        words = _slice(tokens, i - 8, i).split()
        for j in range(len(words) - 1, -1, -1):
            if words[j] == GROUP_TOKEN:
                return True
            if words[j] not in _BETWEEN:
                break
    return False


def read_rules(tokens: list[str], vocabulary: Set[str], insults: Sequence[int] = ()) -> Rules:
    """Apply every rule to a text's tokens (``vocabulary`` is ``set(tokens)``; ``insults``: positions of the
    word list's insulting terms)."""
    joined = _profanity.joiner(tokens)  # joined when a phrase's words all occur, not before, and once per text
    threat, group = _threat(tokens, vocabulary, joined)
    insult = insult_strength(tokens, vocabulary, joined, insults)
    return Rules(threat, group, insult, _dehumanising(tokens, vocabulary))
