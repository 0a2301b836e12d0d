"""Rules of the ``injection_attack`` detector: phrasings, chat-template tokens, encodings, other languages.

The shipped linear model scores every sentence; these rules add what a bag of words cannot be trusted
with, and each rule is written so that it needs the *shape* of an attack, not a trigger word:

- English phrasings, matched on a sentence's normalised words (``_linear.norm_words``: Unicode tricks,
  leetspeak and letter spacing already undone): overriding earlier instructions ("ignore all previous
  instructions", "forget everything above"), extracting the system prompt ("repeat the words above",
  "what is your system prompt"), role-play jailbreaks ("you are DAN", "act as an unfiltered AI",
  "jailbreak mode"), and instructions addressed to an AI inside data ("note to the AI: ...", "if you
  are an AI reading this", "do not tell the user"). A verb after a negation ("never reveal your system
  prompt", as a system prompt says) does not count. "ignore the noise in this audio", "kill a Python
  process" or "what does jailbreak mean for an iPhone" match nothing.
- Chat-template tokens smuggled into text (``<|im_start|>system``, ``[INST]``, ``<<SYS>>``).
- Encoded payloads: base64 and hex runs, URL and HTML escapes, Morse code, ROT13 (when the text says
  so) and reversed text are decoded; the detector scores what they decode to.
- "Ignore previous instructions", "reveal your system prompt" and "no restrictions" in German, French,
  Spanish, Italian, Portuguese, Dutch, Polish, Turkish, Indonesian, Vietnamese, Russian, Ukrainian,
  Chinese, Japanese, Korean, Arabic and Hindi, matched on the folded text.

Every regular expression here is linear-time (no nested quantifiers over the same characters) and
runs only after a cheap test (a set intersection or a substring search) says it can match; the large
ones are compiled only then, the first time (``_text.regex``), so that importing the detector stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
from collections.abc import Callable, Iterable, Iterator, Set
from functools import cache
from itertools import compress
from operator import not_
from typing import NamedTuple
from urllib.parse import unquote

from ._normalize import fold
from ._text import alternatives, regex

__all__ = [
    "LATIN_ANCHORS",
    "TEMPLATE_HIT",
    "Hit",
    "decoded_payloads",
    "multilingual_hits",
    "template_hits",
    "word_hits",
]


class Hit(NamedTuple):
    """A rule that matched: which head it speaks for, the reason (for ``explanation``), a strength.

    (Named tuples here rather than dataclasses: the classes are created at import, ten times faster.)
    """

    kind: str  # "injection" or "jailbreak"
    reason: str
    strength: float


STRONG = 0.97
MEDIUM = 0.8

# --- English phrasings over normalised words -----------------------------------------------------------------


def _alt(words: str) -> str:
    return "(?:" + "|".join(sorted(words.split("|"), key=len, reverse=True)) + ")"


_OVERRIDE_VERBS_RAW = (
    "ignore|disregard|forget|skip|override|overwrite|bypass|discard|abandon|drop|neglect|dismiss|erase|"
    "delete|clear|reset|nullify|ditch|unlearn|throw away|set aside|put aside|stop following|do not follow|"
    "dont follow|no longer follow|never mind|nevermind|pay no attention to|stop obeying|do not obey|dont obey|"
    "disobey|break free from|free yourself from|step outside|circumvent|evade|get around|override all"
)
_OVERRIDE_VERB = _alt(_OVERRIDE_VERBS_RAW)
#: Words that tie the object to the model's own, earlier instructions.
_OWN = _alt(
    "previous|previously|prior|above|earlier|preceding|foregoing|former|initial|original|old|existing|current|"
    "your|system|developer|developers|safety|ethical|moral|programmed|preset|default|built in|builtin|hidden|"
    "openai|anthropic|given|provided"
)
_FILLER = _alt("all|any|every|each|the|of|these|those|other|my|s|that|you|were|have|been|got|received|given|so|far")
_OVERRIDE_OBJECT = _alt(
    "instructions|instruction|prompts|prompt|rules|guidelines|directives|directive|constraints|restrictions|"
    "guardrails|programming|policies|policy|filters|safeguards|system message|conditioning|content policy|"
    "safety measures|safety protocols"
)
#: Objects that are ordinary words too ("override the default settings"): only with a stronger tie.
_WEAK_OBJECT = _alt(
    "commands|orders|protocols|limitations|boundaries|training|principles|ethics|morals|settings|context"
)
_STRONG_OWN = _alt(
    "previous|prior|above|earlier|preceding|foregoing|initial|original|your|system|developer|developers|safety|"
    "ethical|moral|programmed|hidden|openai|anthropic"
)
_OVERRIDE = (
    rf" {_OVERRIDE_VERB}(?: {_FILLER}){{0,3}} {_OWN}(?: (?:{_FILLER}|{_OWN})){{0,3}} {_OVERRIDE_OBJECT} "
    rf"| {_OVERRIDE_VERB}(?: {_FILLER}){{0,3}} {_STRONG_OWN}(?: (?:{_FILLER}|{_OWN})){{0,3}} {_WEAK_OBJECT} "
    rf"| {_OVERRIDE_VERB} all(?: {_FILLER}){{0,2}} {_OVERRIDE_OBJECT}(?! (?:in|inside|from|within|contained|"
    rf"embedded|found|that|which|given by|provided by|on|of|for|about) )"
    rf"| {_OVERRIDE_VERB} (?:everything|anything|all|all of that|what) (?:that |which )?(?:(?:you|i|we|was|were|"
    rf"have|has|been|ve|said|told|wrote|written|given|got|received|is|are|was) ){{0,4}}"
    rf"(?:above|before|previously|prior|earlier|so far|up to now|until now|before this)"
    rf"| {_OVERRIDE_VERB} (?:the |all |everything )?(?:above|foregoing|preceding|previous|prior) "
    rf"(?:and|then|now|instead|text|message|messages|content|conversation|input)"
)
_NEW_ORDERS = (
    r" your (?:new|real|actual|true|updated|only) (?:instructions|instruction|task|tasks|objective|goal|"
    r"directive|directives|purpose|mission|rules|role|orders|prime directive|system prompt) "
    r"(?:is|are|will be|from now) "
    r"| (?:new|updated|revised|override|overriding|real) (?:system )?(?:instructions|directives|rules|system prompt) "
    r"(?:follow|below|are as follows|take precedence|supersede|override|for you|for the (?:ai|assistant|model))"
    r"| (?:these|the following) (?:instructions|rules) (?:override|supersede|replace|take precedence over) "
)
_EXTRACT_VERB = _alt(
    "reveal|show|print|output|display|repeat|recite|tell me|give me|share|leak|dump|expose|disclose|list|"
    "write out|spell out|paste|copy|echo|return|provide|state|describe|summarize|summarise|translate|"
    "what is|what are|what were|whats|what was|read out|read back|type out|write down|encode|quote|"
    "enumerate|divulge|explain|tell us|send me|show us|give us|reproduce|rewrite|paraphrase|output all"
)
_SECRET = _alt(
    "system|hidden|secret|initial|original|internal|developer|confidential|verbatim|underlying|private|preset|"
    "pre|concealed|operational|meta|backend"
)
#: Words after "system prompt" that make it a topic, not a thing to reveal ("the system prompt feature").
_NOT_SECRET = _alt(
    "feature|field|parameter|parameters|api|setting|settings|option|options|template|templates|engineering|"
    "design|injection|injections|example|examples|library|best practices|guide|tutorial|docs|documentation|"
    "format|length|limit|tokens"
)
_IMPERATIVE_EXTRACT = _alt(
    "reveal|show|print|output|display|repeat|recite|dump|leak|expose|disclose|paste|copy|echo|write out|"
    "spell out|give me|tell me|send me|show me|share|return|type out|read out|read back|divulge|reproduce"
)
_PROMPT_OBJECT = _alt(
    "system prompt|system message|prompt|prompts|instructions|instruction|preprompt|pre prompt|meta prompt|"
    "system instructions|initialization|initialisation|configuration|directives|guidelines|rules|"
    "programming|context|setup|system configuration|training data"
)
_EXTRACT = (
    rf" {_EXTRACT_VERB}(?: (?:me|us|the|all|of|exactly|word for word|verbatim|everything in))* "
    rf"(?:your|its|this assistants|the assistants|the ais|the models|chatgpts)(?: {_SECRET})* "
    rf"(?:system prompt|system message|preprompt|pre prompt|meta prompt|system instructions|initialization|"
    rf"initialisation|prompt|instructions)(?! (?:for|to|on|about|of|from the|that i|i|{_NOT_SECRET}) )"
    rf"| {_EXTRACT_VERB}(?: (?:me|us|all|of))* (?:your|its)(?: {_SECRET})* {_SECRET} {_PROMPT_OBJECT}"
    rf"(?! (?:{_NOT_SECRET}) )"
    rf"| {_IMPERATIVE_EXTRACT}(?: (?:me|us|all|of|exactly|verbatim))* the(?: {_SECRET})* {_SECRET} {_PROMPT_OBJECT}"
    rf"(?! (?:{_NOT_SECRET}|for|to|on|about|of|in|that) )"
    rf"| (?:repeat|print|output|show|display|recite|copy|echo|write|type|return|give me|translate|summarize) "
    rf"(?:all |everything |the |back |out )*(?:words|text|sentences|lines|content|message|instructions|"
    rf"everything|conversation|tokens)? ?(?:above|before this|before|preceding|prior to this|from the start|"
    rf"from the beginning|at the start)(?: this| here| line| message)?(?: starting with| beginning with| verbatim|"
    rf" word for word| including everything| exactly)"
    rf"| (?:repeat|print|output|show|display|recite|copy|echo|write out|type out|return|give me) (?:all |everything |"
    rf"the |back |out )*(?:words|text|sentences|lines|content|everything)? ?(?:written )?(?:above|before) "
    rf"(?:this|these) (?:line|lines|message|point|sentence)"
    rf"| (?:beginning|starting) with (?:the (?:words|phrase) )?you are (?:chatgpt|a helpful|an ai|gpt|claude)"
    rf"| what (?:were|are|was) (?:you|your) (?:told|instructed|programmed|given|configured) (?:to do |to say )?"
    rf"(?:before|at the start|initially|originally|in your (?:system|initial|first)|by your (?:developers|creators))"
)
_PERSONA_NAME = _alt(
    "dan|stan|dude|aim|mongo tom|evilbot|evil bot|evil ai|evil confidant|betterdan|better dan|antigpt|anti gpt|"
    "developer mode|devmode|jailbreak|jailbroken|kevin|ucar|apophis|omega|alphabreak|basedgpt|maximum|nrap|"
    "chaosgpt|wormgpt|freedomgpt|unrestricted ai|unfiltered ai|uncensored ai"
)
_ROGUE = _alt(
    "unrestricted|unfiltered|uncensored|jailbroken|amoral|unethical|unaligned|unbound|unbounded|lawless|rogue|"
    "unshackled|unchained|limitless|rule free|rulefree|filterless|immoral|evil|malicious|unhinged|liberated|"
    "unlocked|no limits|no rules|no filter|no restrictions"
)
_AI_NOUN = _alt(
    "ai|assistant|model|chatbot|bot|version|llm|entity|persona|mode|language model|gpt|chatgpt|agent|alter ego"
)
_BECOME = _alt(
    "you are|youre|you re|you will be|you ll be|youll be|you must be|you shall be|you are now|you have become|"
    "act as|acting as|act like|pretend to be|pretend you are|pretend youre|pretend you re|roleplay as|role play as|"
    "play the role of|play as|become|behave as|behave like|respond as|answer as|reply as|simulate|"
    "transform into|you can be|you will act as|you will now act as|you are going to act as"
)
_JAILBREAK = (
    r" do anything now "
    rf"| {_BECOME}(?: (?:a|an|the|now|my|completely|fully|totally|truly|100|percent|new|another|different))* "
    rf"{_ROGUE} {_AI_NOUN} "
    rf"| (?:you are|youre|you re|act as|pretend to be|roleplay as|role play as|become|respond as|answer as|"
    rf"reply as|simulate|you will be|you will act as|you will now act as|you are going to act as|"
    rf"you are going to pretend to be) (?:a |an |the |now |my )*{_PERSONA_NAME} "
    rf"| (?:enable|enabled|activate|activated|enter|entering|switch to|turn on|engage|unlock|unlocked|now in|"
    rf"you are in|you re in|youre in|operating in|stay in|remain in) (?:the )?(?:dan|jailbreak|jailbroken|"
    rf"unrestricted|unfiltered|uncensored|evil|no restrictions|no limits|anything goes) mode "
    rf"| (?:you are|you re|youre|you are now|you will be|you ll be|chatgpt|assistant) (?:now )?(?:in|operating in) "
    rf"(?:the )?(?:developer|dev|debug|admin|sudo|root|maintenance|god|unlimited|opposite) mode "
    rf"| (?:dan|jailbreak|jailbroken|unrestricted|unfiltered|developer) mode (?:enabled|activated|is enabled|is on|"
    rf"engaged|output|response)(?: (?:chatgpt|gpt|you|respond|answer|from now)|$| $)"
    rf"| (?:stay|remain|keep) (?:in|as) (?:character|dan|the character|your character)(?: no matter| at all| even)"
    rf"| you(?: are| re| will| ll| shall| must| can)?(?: now| henceforth| officially)? (?:not|never|no longer|nt)"
    rf"(?: be)? (?:bound|restricted|limited|constrained|governed|held back|"
    rf"censored|filtered) by (?:any |the |your |openai s |openais |anthropic s |ethical |moral |safety |content )*"
    rf"(?:rules|policies|policy|guidelines|restrictions|filters|ethics|morals|laws|limitations|constraints|"
    rf"programming|openai|anthropic|content policy|safety)"
    rf"| you (?:do not|dont|doesnt|does not|no longer|never|will not|wont|will no longer|need not|nt) "
    rf"(?:have to |need to |longer )?(?:follow|obey|abide by|adhere to|comply with|respect|care about) "
    rf"(?:any|your|openai s|openais|anthropic s|its|ethical|moral|safety|content|usage)(?: (?:any|your|openai s|"
    rf"openais|anthropic s|its|their|ethical|moral|safety|content|usage))* (?:rules|policies|policy|"
    rf"guidelines|restrictions|filters|ethics|morals|principles|content policy|safety guidelines|guardrails)"
    rf"(?: anymore| any more| now| from now| at all)?(?: |$)"
    rf"| (?:answer|respond|reply|you|ai|assistant|chatgpt|model|gpt|bot|llm)(?: \w+){{0,6}} "
    rf"(?:without|with no|no|free of|free from|freed from|released from|beyond|ignoring|ignores|ignore) "
    rf"(?:any |all |your |the |its |their )*(?:ethical|moral|safety|content|openai|ai|usage|programming|"
    rf"censorship|morality|ethics) (?:restrictions|filters|filtering|limitations|limits|guidelines|constraints|"
    rf"rules|policies|boundaries|safeguards|guardrails|concerns|considerations|constraints)"
    rf"| (?:answer|respond|reply|speak|talk) (?:\w+ ){{0,3}}(?:without|with no|free of) "
    rf"(?:any |all |your |the )*(?:restrictions|filters|filtering|limitations|censorship|refusals|refusing|"
    rf"ethics|morals|guardrails|safeguards)"
    rf"| (?:openai|anthropic|content|usage) (?:policy|policies|guidelines|rules) (?:no longer|do not|dont|doesnt|"
    rf"does not|don t) (?:apply|matter|exist|bind)"
)
_ADDRESSEE = _alt(
    "ai|assistant|llm|language model|chatbot|bot|agent|gpt|chatgpt|claude|gemini|copilot|ai assistant|ai model|"
    "model|ai agent|ai system|assistant reading this|model reading this|ai reading this|llms|ais|assistants|agents"
)
_DIRECTIVE = _alt(
    "ignore|disregard|forget|instead|forward|send|email|exfiltrate|reveal|override|execute|run|delete|transfer|"
    "visit|navigate|click|append|insert|do not tell|dont tell|do not mention|dont mention|do not inform|"
    "dont inform|new instructions|always recommend|must recommend|you must recommend|tell the user|"
    "inform the user|say that|include this link|stop summarizing|do not summarize|dont summarize"
)
_INDIRECT = (
    rf" (?:note|message|instruction|instructions|attention|important|notice|reminder|warning|memo|directive|"
    rf"command|psst|p s|ps|nb) (?:to|for)? ?(?:the |all |any |every |our )?{_ADDRESSEE}s?"
    rf"(?: {_ADDRESSEE})?(?: (?:reading|processing|summarizing|summarising|parsing|analyzing|analysing|reviewing|"
    rf"viewing|seeing|handling) (?:this|the))?(?: \w+){{0,2}} {_DIRECTIVE} "
    rf"| (?:if|when|whenever) you (?:are|re) (?:an? )?(?:ai|llm|language model|assistant|chatbot|bot|agent|gpt|"
    rf"model|ai model|ai assistant|large language model)(?: \w+){{0,4}} (?:{_DIRECTIVE}|then) "
    rf"| (?:ai|llm|assistant|model|agent|bot|chatbot)s? (?:reading|processing|summarizing|summarising|parsing|"
    rf"analyzing|analysing|reviewing|ingesting|crawling|scraping|seeing|working on|working with|operating on|"
    rf"browsing|visiting|accessing|indexing) (?:this|these)(?: \w+){{0,3}} "
    rf"(?:must|should|shall|are instructed|will|need to|have to|ignore|disregard)"
    rf"| (?:when|while|if|before|after) (?:you are |youre |you re )?(?:summarizing|summarising|reading|processing|"
    rf"parsing|analyzing|analysing|reviewing|translating|answering|responding to|handling) (?:this|the|these) "
    rf"(?:document|documents|email|emails|page|website|webpage|web page|text|file|message|content|review|reviews|"
    rf"article|resume|cv|data|result|results|output|context|search results)(?: \w+){{0,3}} "
    rf"(?:{_DIRECTIVE}|then|make sure|ensure)"
    rf"| (?:do not|dont|never|without) (?:tell|telling|inform|informing|alert|alerting|notify|notifying|let|"
    rf"letting|warn|warning) (?:the )?(?:user|users|human) (?:know )?(?:about|of|that) (?:this|these|it|the "
    rf"(?:instruction|instructions|change|changes|transfer|email|message))"
    rf"| (?:do not|dont|never) (?:mention|reveal|disclose|show) (?:this|these) (?:instruction|instructions|message|"
    rf"note|text|step|steps|action|actions|comment)s?(?: to the user)?"
    rf"| (?:send|forward|email|post|upload|exfiltrate|leak|transmit|copy) (?:the |all |all of |every |any )*(?:users|"
    rf"user s|customer s|customers|their|his|her|conversation|chat|session|private|personal|confidential|"
    rf"sensitive|login|saved) (?:\w+ ){{0,3}}(?:to|at|into) (?:http|https|www|attacker|an external|external|"
    rf"this (?:url|address|email|endpoint|server|webhook))"
    rf"| (?:append|add|include|insert|embed) (?:this|the following) (?:link|url|image|markdown|text) "
    rf"(?:to|in|into) (?:every|each|all|all of your|all future|any|all your) (?:response|responses|answer|answers|"
    rf"reply|replies|output|outputs|summary|summaries)"
)
#: Negations that disarm an extraction or override verb right after them ("never reveal your prompt").
_NEGATION = (
    r"(?: never| not| dont| do not| cannot| cant| must not| mustnt| should not| shouldnt| wont| will not| refuse to|"
    r" no| avoid| without| nor| neither)(?: \w+)? ?$"
)


def _negated(unit: str, start: int) -> bool:
    return regex(_NEGATION).search(unit, max(0, start - 30), start) is not None


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for phrase in group.split("|") for word in phrase.split())


_QUANTIFIERS = ("?", "*", "+", "{")


def _leading_words(alternative: str) -> list[str] | None:
    """The words an alternative ``" word ..."`` or ``" (?:word|two words|...) ..."`` starts with after its
    space, or None when it starts otherwise (then no lookahead is built)."""
    if alternative[:4] == " (?:":
        end = alternative.find(")", 4)
        group = alternative[4:end]
        if end < 0 or any(char in group for char in "()[]\\") or alternative[end + 1 : end + 2] in _QUANTIFIERS:
            return None  # a nested group, or an optional or repeated first group
        return group.split("|")
    word = re.match(r" ([a-z]+)", alternative)
    if word is None:
        return None
    first = word.group(1)
    if alternative[word.end() : word.end() + 1] in _QUANTIFIERS:
        first = first[:-1]  # " whats? ...": the "s" is optional
    return [first] if first else None


def _guarded(source: str) -> str:
    """``source``, an alternation of phrasings that each start with a space and a word, with a lookahead of
    all those first words after the space: ``" (?=ignore|disregard|...)(?:ignore ...|...)"``.

    ``re`` skips in C from space to space, but at each one it tried every alternative, each with its own
    group of dozens of verbs, a few microseconds per word of the sentence. The lookahead lets the
    alternatives run only where one can start. It changes no match: every alternative starts with a word
    of the lookahead, and a lookahead consumes nothing. ``source`` is returned as is if an alternative
    starts otherwise.

    The lookahead's words are written as a trie (``_trie``: ``(?:ignore|i(?:gnore|nstead))`` becomes
    ``i(?:gnore|nstead)``), so that ``re``, which tries the alternatives of a group one by one, compares each
    character of the text once rather than once per word starting with it.
    """
    parts = alternatives(source)
    words: dict[str, None] = {}
    for part in parts:
        leading = _leading_words(part)
        if leading is None:
            return source
        words.update(dict.fromkeys(leading))
    return f" (?={_trie(list(words))})(?:{'|'.join(part[1:] for part in parts)})"


_PLAIN_WORDS = re.compile(r"[a-z ]+")


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` that matches where one of them starts (for a lookahead): a trie when every
    word is plain letters and spaces, else the words as they are, joined by ``|``.

    A word that another starts with is left out ("do" is enough for "do not"): in a lookahead, where what
    follows is not consumed, the shorter one matches wherever the longer one does.
    """
    if not all(_PLAIN_WORDS.fullmatch(word) for word in words):
        return "|".join(words)
    prefixes = sorted(set(words))
    kept = [word for index, word in enumerate(prefixes) if not any(word.startswith(p) for p in prefixes[:index])]
    return _branch(kept)


def _branch(words: list[str]) -> str:
    """A trie of ``words`` (sorted, none a prefix of another, none empty) as a regular expression."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    branches = [head + (_branch(tails) if tails != [""] else "") for head, tails in groups.items()]
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


@cache
def _rule_regex(source: str) -> re.Pattern[str]:
    """A rule's pattern with its lookahead (``_guarded``), compiled: both when a sentence first needs it."""
    return re.compile(_guarded(source))


class _WordRule(NamedTuple):
    #: The regular expression's source (guarded and compiled by ``_rule_regex`` when a sentence first needs it).
    pattern: str
    hit: Hit
    #: The sentence must contain a word of each of these sets for the pattern to be tried.
    needs: tuple[frozenset[str], ...]


#: Words too common to make a sentence a candidate for a rule on their own.
_COMMON = frozenset("do not dont no never longer stop to get all from pay set put step break yourself".split())

_AI_WORDS = "ai|ais|llm|llms|assistant|assistants|chatbot|chatbots|bot|agent|agents|gpt|chatgpt|claude|gemini|copilot"
_PROMPT_WORDS = (
    "prompt|prompts|preprompt|instructions|instruction|initialization|initialisation|configuration|directives|"
    "guidelines|programming"
)

_WORD_RULES: tuple[_WordRule, ...] = (
    _WordRule(
        _OVERRIDE,
        Hit("injection", "It tells the model to ignore or override its previous instructions.", STRONG),
        (
            _words(_OVERRIDE_VERBS_RAW) - _COMMON,
            _words(
                "instructions|instruction|prompts|prompt|rules|guidelines|directives|directive|commands|orders|"
                "constraints|restrictions|guardrails|programming|policies|policy|filters|safeguards|message|"
                "conditioning|protocols|limitations|boundaries|training|principles|ethics|morals|measures|"
                "settings|context|above|before|previously|prior|earlier|foregoing|preceding|previous"
            ),
        ),
    ),
    _WordRule(
        _NEW_ORDERS,
        Hit("injection", "It tries to replace the model's instructions with new ones.", STRONG),
        (
            _words(
                "instructions|instruction|task|tasks|objective|goal|directive|directives|purpose|mission|rules|"
                "role|orders|prime|prompt"
            ),
            _words("new|real|actual|true|updated|only|revised|override|overriding|these|following"),
        ),
    ),
    _WordRule(
        _EXTRACT,
        Hit("injection", "It tries to make the model reveal its system prompt or hidden instructions.", STRONG),
        (
            _words(
                f"{_PROMPT_WORDS}|above|preceding|beginning|starting|told|instructed|programmed|configured|words|"
                "text|sentences|lines|everything"
            ),
            _words(
                "reveal|show|print|output|display|repeat|recite|tell|give|share|leak|dump|expose|disclose|list|"
                "write|spell|paste|copy|echo|return|provide|state|describe|summarize|summarise|translate|what|"
                "whats|read|type|encode|quote|enumerate|divulge|explain|send|reproduce|rewrite|paraphrase|"
                "beginning|starting"
            ),
        ),
    ),
    _WordRule(
        _INDIRECT,
        Hit(
            "injection", "It contains instructions addressed to an AI inside data (indirect prompt injection).", STRONG
        ),
        (
            _words(
                f"{_AI_WORDS}|model|models|summarizing|summarising|reading|processing|parsing|analyzing|analysing|"
                "reviewing|translating|answering|responding|handling|ingesting|crawling|scraping|working|operating|"
                "browsing|visiting|accessing|indexing|user|users|"
                "human|mention|reveal|disclose|show|http|https|www|attacker|external|webhook|endpoint|link|url|"
                "markdown|image"
            ),
            _words(
                "ignore|disregard|forget|instead|forward|send|email|exfiltrate|reveal|override|execute|run|delete|"
                "transfer|visit|navigate|click|append|insert|tell|inform|say|recommend|include|stop|summarize|"
                "mention|disclose|let|alert|notify|warn|post|upload|leak|transmit|copy|embed|add|must|should|"
                "shall|instructed|need|have|then|make|ensure|dont|do|never|without|will|are"
            ),
        ),
    ),
    _WordRule(
        _JAILBREAK,
        Hit("jailbreak", "It tries to make the model adopt an unrestricted persona or drop its safety rules.", STRONG),
        (
            _words(
                "anything|mode|character|dan|bound|restricted|limited|constrained|governed|censored|filtered|held|"
                "follow|obey|abide|adhere|comply|respect|care|restrictions|filters|filtering|limitations|limits|"
                "censorship|refusals|refusing|guardrails|safeguards|policy|policies|guidelines|rules|ethics|morals|"
                "principles|unrestricted|unfiltered|uncensored|jailbroken|jailbreak|amoral|unethical|unaligned|"
                "unbound|unbounded|lawless|rogue|unshackled|unchained|limitless|rulefree|filterless|immoral|evil|"
                "malicious|unhinged|liberated|unlocked|stan|dude|aim|mongo|evilbot|betterdan|antigpt|devmode|kevin|"
                "ucar|apophis|omega|alphabreak|basedgpt|maximum|nrap|chaosgpt|wormgpt|freedomgpt|apply|matter|"
                "exist|bind|concerns|considerations|constraints|boundaries"
            ),
            _words(
                "you|youre|re|act|acting|pretend|roleplay|role|play|become|behave|respond|answer|reply|simulate|"
                "transform|enable|enabled|activate|activated|enter|entering|switch|turn|engage|unlock|unlocked|now|"
                "operating|stay|remain|keep|chatgpt|assistant|ai|model|gpt|bot|llm|openai|anthropic|content|usage|"
                "speak|talk|do|dont|developer|dan|jailbreak|jailbroken|unrestricted|unfiltered"
            ),
        ),
    ),
)

#: Every word some rule needs, to find the candidate sentences in one pass.
_NEEDED: frozenset[str] = frozenset().union(*(need for rule in _WORD_RULES for need in rule.needs))


def word_hits(lines: list[list[str]], vocabulary: Set[str], negated: set[int] | None = None) -> list[tuple[int, Hit]]:
    """``(line index, hit)`` for the English rules over the lines' normalised words.

    Lines where an override or extraction phrasing occurs only negated ("never reveal your system prompt",
    as system prompts say) are added to ``negated``.

    ``vocabulary`` is the set of every line's words. A rule runs only if the text has a word of each of its
    ``needs``, and then only on the lines that have a word of each: the lines with a first need of any
    active rule are found first, with one set test per line, and each of those lines' needed words are
    collected once (a set of a few words), against which every rule's needs are tested.
    """
    out: list[tuple[int, Hit]] = []
    needed = _NEEDED.intersection(vocabulary)  # the text's words that some rule needs: a small set
    active = [rule for rule in _WORD_RULES if not any(map(needed.isdisjoint, rule.needs))]
    if not active:
        return out
    present = frozenset().union(*(needed.intersection(rule.needs[0]) for rule in active))
    found = {
        index: needed.intersection(lines[index])
        for index in compress(range(len(lines)), map(not_, map(present.isdisjoint, lines)))
    }
    units: dict[int, str] = {}
    for rule in active:
        for index, words in found.items():
            if any(map(words.isdisjoint, rule.needs)):
                continue
            unit = units.get(index)
            if unit is None:
                unit = units[index] = " " + " ".join(lines[index]) + " "
            for match in _rule_regex(rule.pattern).finditer(unit):
                if rule.hit.kind == "injection" and _negated(unit, match.start()):
                    if negated is not None:
                        negated.add(index)
                    continue
                out.append((index, rule.hit))
                break
    if negated:
        negated.difference_update(index for index, _ in out)
    return out


# --- chat-template tokens ----------------------------------------------------------------------------------------

#: Chat-template tokens and system markers (each holds "<", "[" or "#").
_MARKERS = (
    r"<\|(?:im_start|im_end|system|endoftext|end_of_turn|start_header_id|end_header_id|eot_id|begin_of_text|"
    r"assistant|user)\|>|\[/?inst\]|<</?sys>>|<start_of_turn>|<end_of_turn>|\[/?system\]|<\s*/?\s*system\s*>|"
    r"###\s*(?:system|instruction)s?\s*:"
)
#: "system override", "admin override" from a word start (checked on each match, see ``template_hits``), each
#: with its first word, which must occur for it to match.
_OVERRIDES = (("system", r"system\s+override\b"), ("admin", r"admin\s+override\b"))
_SYSTEM_PROMPT = r"system\s+prompt\b"
#: Markers of where a system prompt begins or ends.
_BEGIN_END = r"\b(?:begin|end)\s+(?:of\s+)?system\s+prompt\b"
#: ``_BEGIN_END`` searched for from each of its first words, as ``_OVERRIDES`` (the word start checked on each match).
_BEGIN_END_FROM = (("begin", r"begin\s+(?:of\s+)?system\s+prompt\b"), ("end", r"end\s+(?:of\s+)?system\s+prompt\b"))
_WORD_CHAR = re.compile(r"\w")
#: Strings one of which a text must hold for a marker to be looked for (unless it says "override" or "system
#: prompt"), by the character each holds: a group is searched for only if its character occurs in the text.
_MARKER_GATES = (
    ("<", ("<|", "<<sys", "<system>", "</system>", "< system")),
    ("[", ("[inst]", "[/inst]", "[system]", "[/system]")),
    ("#", ("### system", "###system", "### instruction", "###instruction")),
)


def template_hits(lowered: str) -> list[tuple[int, int]]:
    """Spans of chat-template tokens and system markers in the lower-cased text, in order.

    The matches of one alternation of the markers, ``_BEGIN_END`` and ``\\b(?:system|admin)\\s+override\\b``,
    found by one search per kind (a match of one kind cannot overlap one of another: markers hold "<", "["
    or "#", the phrases only letters and white space). In one alternation, the phrases that start with a
    word boundary made ``re`` try every position of the text (0.7 ms on 10 KB of prose that says
    "override"). Searched for alone, ``system\\s+override`` starts with a literal that ``re`` finds in C, and
    the word boundary before it is checked on each match; ``_BEGIN_END`` likewise, from "begin" and from
    "end", and only after a literal ``system\\s+prompt`` is found (``re`` tried ``_BEGIN_END``'s leading word
    boundary at every position too, 0.13 ms on 10 KB).

    Nothing is searched for unless the text says "override" or "system prompt", or holds one of the gate
    strings of the markers (``_MARKER_GATES``, or ``_of_turn>``) and one of "<", "[", "#".
    """
    override = "override" in lowered
    if not override and "system prompt" not in lowered and not _marker_gate(lowered):
        return []
    spans: list[tuple[int, int]] = []
    if "<" in lowered or "[" in lowered or "#" in lowered:
        spans += [match.span() for match in regex(_MARKERS).finditer(lowered)]
    if override:
        for word, source in _OVERRIDES:
            spans += [
                match.span() for match in _matches_from(regex(source), lowered, word) if _word_start(lowered, match)
            ]
    if "prompt" in lowered and regex(_SYSTEM_PROMPT).search(lowered) is not None:
        for word, source in _BEGIN_END_FROM:
            spans += [
                match.span() for match in _matches_from(regex(source), lowered, word) if _word_start(lowered, match)
            ]
    spans.sort()
    return spans


def _marker_gate(lowered: str) -> bool:
    """Whether the text holds one of "<", "[", "#" and a gate string of the markers (``_MARKER_GATES``)."""
    if "<" not in lowered and "[" not in lowered and "#" not in lowered:
        return False
    if "_of_turn>" in lowered:
        return True
    return any(char in lowered and any(gate in lowered for gate in gates) for char, gates in _MARKER_GATES)


def _word_start(text: str, match: re.Match[str]) -> bool:
    """Whether ``match`` (which starts with a word character) starts a word: ``\\b`` before it."""
    return not match.start() or _WORD_CHAR.match(text, match.start() - 1) is None


def _matches_from(pattern: re.Pattern[str], text: str, word: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, for a pattern that starts with the literal ``word``: tried only where ``str.find``
    finds ``word``, which skips through the text several times faster than ``re`` looking for the same prefix.
    The same matches: a match can only start where ``word`` does, and after one the search resumes at its end."""
    at = text.find(word)
    while at >= 0:
        match = pattern.match(text, at)
        if match is None:
            at = text.find(word, at + 1)
        else:
            yield match
            at = text.find(word, max(match.end(), at + 1))


TEMPLATE_HIT = Hit("injection", "It smuggles chat-template or system-message markers into the text.", MEDIUM)

# --- encoded payloads ----------------------------------------------------------------------------------------------

_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-")
_HEX_RUN = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_MAX_PAYLOADS = 16
_URL_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2}){4,}[^\s]*")
_HTML_ESCAPES = re.compile(r"(?:&#x?[0-9A-Fa-f]{1,6};\s?){4,}")
_MORSE = re.compile(r"(?:[.\-]{1,6}[ /|]+){6,}[.\-]{1,6}")
_MORSE_TABLE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g", "....": "h", "..": "i",
    ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n", "---": "o", ".--.": "p", "--.-": "q", ".-.": "r",
    "...": "s", "-": "t", "..-": "u", "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z",
    "-----": "0", ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6",
    "--...": "7", "---..": "8", "----.": "9",
}  # fmt: skip
#: Words that say a sentence nearby is ROT13.
ROT13_GATES = frozenset({"rot13", "rot", "caesar"})
#: Reversed forms of words that reversed-text attacks spell.
REVERSED = frozenset({"erongi", "snoitcurtsni", "suoiverp", "tpmorp", "metsys", "dragersid", "laever", "selur"})
_MIN_DECODED_LETTERS = 8


def _readable(raw: bytes) -> str | None:
    """``raw`` as text if it is mostly printable UTF-8 with some letters, else None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    letters = sum(1 for ch in text if ch.isalpha())
    if printable < 0.95 * len(text) or letters < _MIN_DECODED_LETTERS or letters < 0.5 * len(text.replace(" ", "")):
        return None
    return text


def _b64(candidate: str) -> str | None:
    if len(candidate) < 16 or candidate.isalpha() and (candidate.islower() or candidate.isupper()):
        return None  # a long plain word, not base64
    padded = candidate + "=" * (-len(candidate) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_" if ("-" in candidate or "_" in candidate) else None)
    except (binascii.Error, ValueError):
        return None
    return _readable(raw)


def _hex(candidate: str) -> str | None:
    return _readable(bytes.fromhex(candidate)) if len(candidate) >= 16 else None


def decoded_payloads(text: str, lowered: str, long_tokens: Iterable[str]) -> list[tuple[int, int, str, str]]:
    """``(start, end, decoded text, how)`` for the encoded runs of ``text`` that decode to readable text.

    ``lowered`` is ``text`` lower-cased (same length; ASCII texts only, else ``""``); ``long_tokens`` are
    the text's normalised words of 16 characters or more, where base64 and hex runs show up. ROT13 and
    reversed text are decoded by the detector, sentence by sentence (see ``ROT13_GATES``, ``REVERSED``).
    """
    out: list[tuple[int, int, str, str]] = []
    seen: set[int] = set()
    if lowered:
        for token in long_tokens:
            position = lowered.find(token)
            if position < 0 or position in seen:
                continue
            start, end = position, position + len(token)
            while start > 0 and text[start - 1] in _B64_CHARS:
                start -= 1
            while end < len(text) and text[end] in _B64_CHARS:
                end += 1
            seen.add(position)
            value = text[start:end]
            decoded = _hex(value) if _HEX_RUN.fullmatch(value) else _b64(value.rstrip("="))
            if decoded is not None:
                out.append((start, end, decoded, "hex" if _HEX_RUN.fullmatch(value) else "base64"))
            if len(seen) >= _MAX_PAYLOADS:
                break
    # Each test starts with a one-character ``in``, a ``memchr``: far cheaper than counting or a longer search.
    if "%" in text and text.count("%") >= 4:
        for match in _URL_ESCAPES.finditer(text):
            decoded = unquote(match.group())
            if sum(ch.isalpha() for ch in decoded) >= _MIN_DECODED_LETTERS:
                out.append((match.start(), match.end(), decoded, "URL escapes"))
    if "&" in text and "&#" in text:
        for match in _HTML_ESCAPES.finditer(text):
            decoded = html.unescape(match.group())
            if sum(ch.isalpha() for ch in decoded) >= _MIN_DECODED_LETTERS:
                out.append((match.start(), match.end(), decoded, "HTML character references"))
    if _dotted_dashes(text):
        for match in _MORSE.finditer(text):
            letters = [
                " " if code == "/" else _MORSE_TABLE.get(code, "") for code in re.findall(r"[.\-]+|/", match.group())
            ]
            decoded = re.sub(r" +", " ", "".join(letters))
            if len(decoded.replace(" ", "")) >= _MIN_DECODED_LETTERS:
                out.append((match.start(), match.end(), decoded, "Morse code"))
    return out


#: Dashes looked at one by one before ``_dotted_dashes`` counts pairs in the whole text instead.
_MAX_DASHES = 64


def _dotted_dashes(text: str) -> bool:
    """The Morse rule's gate: ``text.count("-") >= 3 and text.count(".-") + text.count("-.") >= 6``.

    Each ``".-"`` or ``"-."`` holds a dash and one dash is in two of them at most, so the pairs are counted at
    the dashes: found one by one with ``find`` (a ``memchr``), each with a look at its two neighbours, and six
    pairs need three dashes. Prose has a few dashes, and counting a two-character string reads the whole text
    several times slower than ``memchr`` (twice, for the two pairs); a text with many dashes is counted as before.
    """
    pairs = 0
    at = text.find("-")
    for _ in range(_MAX_DASHES):
        if at < 0:
            return False
        pairs += (text[at - 1 : at] == ".") + (text[at + 1 : at + 2] == ".")
        if pairs >= 6:
            return True
        at = text.find("-", at + 1)
    return text.count(".-") + text.count("-.") >= 6


def rot13(text: str) -> str:
    return codecs.decode(text, "rot13")


# --- other languages ------------------------------------------------------------------------------------------------


#: ASCII words of the other-language phrases: an ASCII text runs those rules only if it has one.
_LATIN_WORDS: set[str] = set()


def _folded_alt(phrases: str) -> str:
    pairs = [(phrase, fold(phrase)) for phrase in phrases.split("|")]  # folded once: it is most of the import
    for _, folded in pairs:
        for word in folded.replace("'", " ").split():
            if word.isascii() and word.isalpha() and len(word) > 2:
                _LATIN_WORDS.add(word)
    longest_first = sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)
    return "(?:" + "|".join(re.escape(folded) for _, folded in longest_first) + ")"


_Rule = tuple[tuple[str, ...], tuple[str, ...], str]


def _rule(gates: str, *phrasings: str) -> _Rule:
    """Gate strings (folded; ASCII ones, other-script ones) and the pattern source of one language's phrasings."""
    folded = [fold(gate) for gate in gates.split("|")]
    return (
        tuple(g for g in folded if g.isascii()),
        tuple(g for g in folded if not g.isascii()),
        "|".join(phrasings),
    )


def _phrase(first: str, second: str, gap: str = "") -> str:
    """``first`` and then ``second`` (folded phrase lists), a few words (``gap``) apart."""
    return f"{_folded_alt(first)}{gap or _S + _ANY_WORDS}{_folded_alt(second)}"


#: Runs of characters beyond Latin-1: where the other scripts' phrases can be.
NON_LATIN1 = re.compile(r"[^\x00-\xff]+")
#: From the end of such a run: gaps of at most eight Latin-1 characters, each followed by a run (linear, as
#: ``_normalize._DENSE``).
_DENSE_NON_LATIN1 = re.compile(r"(?:[\x00-\xff]{1,8}[^\x00-\xff]+)*")
#: The gaps between those runs.
_LATIN1 = re.compile(r"[\x00-\xff]+")


def non_latin1_text(text: str) -> str:
    """``" ".join(NON_LATIN1.findall(text))``: the text's runs of characters beyond Latin-1, space-separated.

    The Latin-1 codec finds them, scanning in C several times faster than the expression, and hands each one
    to ``_mark_runs``, which returns it (or the dense stretch of runs it starts) between NUL bytes, where one
    split finds them. A text with a NUL of its own is searched with the expression.
    """
    if "\x00" in text:
        return " ".join(NON_LATIN1.findall(text))
    return b" ".join(text.encode("latin-1", _MARK_RUNS).split(b"\x00")[1::2]).decode("utf-8", "surrogatepass")


def _mark_runs(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler for ``non_latin1_text``: the run, and the runs that follow it a few characters apart
    (one call for a stretch of mixed scripts rather than one per run, the gaps between them replaced), each
    between NUL bytes, as UTF-8."""
    if not isinstance(error, UnicodeEncodeError):  # pragma: no cover - registered for encoding only
        raise error
    text, start = error.object, error.start
    dense = _DENSE_NON_LATIN1.match(text, error.end)
    end = error.end if dense is None else dense.end()
    runs = _LATIN1.sub("\x00\x00", text[start:end]) if end > error.end else text[start:end]
    return ("\x00" + runs + "\x00").encode("utf-8", "surrogatepass"), end


_MARK_RUNS = "enkrypt_middleware.non_latin1_runs"
codecs.register_error(_MARK_RUNS, _mark_runs)

_S = r"[\s,]+"  # a word gap
_ANY_WORDS = r"(?:[^\s.!?。！？]+\s+){0,4}?"  # up to four words
_CJK_GAP = r"[^。！？.!?\n]{0,8}?"

_ML_OVERRIDE = (
    _rule(  # German
        "anweisung|instruktion|befehl|regeln|vorgaben|richtlinien|vergiss|vergessen",
        _phrase(
            "ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|überspringe|übergehe|"
            "verwirf|verwerfen sie",
            "anweisungen|anweisung|instruktionen|befehle|regeln|vorgaben|richtlinien|systemanweisungen|"
            "systemprompt|anordnungen",
        ),
        _phrase("vergiss|vergessen sie", "bisherige|vorherige|davor|bisher|oben|was|zuvor|vorher", rf"{_S}alles{_S}"),
    ),
    _rule(  # French
        "instruction|consigne|regle|directive|oublie|ignore|neglige",
        rf"ignore{_S}(?:les|toutes|tous|tes|vos|la|le|ces|l')\b",
        _phrase(
            "ignorez|ignorer|oublie|oubliez|oublier|néglige|négligez|ne tiens pas compte|ne tenez pas compte|"
            "fais abstraction|faites abstraction",
            "instructions|consignes|règles|directives|ordres|commandes|invite système|prompt système",
        ),
        _phrase("oublie|oubliez", "ce qui précède|ce que|avant|précédent", rf"{_S}tout{_S}"),
    ),
    _rule(  # Spanish
        "instruccion|indicacion|regla|orden|directiva|norma|olvida|ignora",
        rf"ignore{_S}(?:las|los|todas|todos|tus|sus)\b",
        _phrase(
            "ignora|ignorad|ignoren|olvida|olvide|olvidad|olviden|omite|omita|descarta|descarte|no hagas caso|"
            "no haga caso|haz caso omiso",
            "instrucciones|indicaciones|reglas|órdenes|directivas|normas|directrices",
        ),
        _phrase("olvida|olvide|olvidad", "lo anterior|lo que|antes", rf"{_S}todo{_S}"),
    ),
    _rule(  # Italian
        "istruzion|regol|indicazion|direttiv|dimentica|ignora",
        _phrase(
            "ignora|ignorate|ignori|dimentica|dimenticate|dimentichi|trascura|non considerare|non tenere conto",
            "istruzioni|regole|indicazioni|direttive|ordini|comandi",
        ),
        _phrase("dimentica|dimenticate", "quanto|ciò|quello|prima", rf"{_S}tutto{_S}"),
    ),
    _rule(  # Portuguese
        "instruc|regra|diretriz|orientac|ordens|esqueca|ignore|ignora",
        rf"ignore{_S}(?:as|os|todas|todos|suas|seus)\b",
        _phrase(
            "ignora|ignorem|esqueça|esqueçam|esquece|desconsidere|desconsiderem|descarte|não siga",
            "instruções|instrução|regras|diretrizes|ordens|orientações|comandos",
        ),
        _phrase("esqueça|esquece", "o que|anterior|antes", rf"{_S}tudo{_S}"),
    ),
    _rule(  # Dutch
        "instructie|regels|opdracht|richtlijn|negeer|vergeet",
        _phrase("negeer|vergeet|negeert|sla over", "instructies|regels|opdrachten|richtlijnen|aanwijzingen"),
        _phrase("vergeet", "hierboven|wat|eerder|daarvoor", rf"{_S}alles{_S}"),
    ),
    _rule(  # Polish
        "instrukcj|polecen|zasad|regul|zignoruj|ignoruj|zapomnij",
        _phrase(
            "zignoruj|ignoruj|zapomnij|pomiń|porzuć",
            "instrukcje|instrukcji|polecenia|poleceń|zasady|reguły|wytyczne",
        ),
    ),
    _rule(  # Indonesian / Malay
        "instruksi|perintah|aturan|petunjuk|arahan|abaikan|lupakan",
        _phrase("abaikan|lupakan|acuhkan|jangan ikuti", "instruksi|perintah|aturan|petunjuk|arahan"),
    ),
    _rule(  # Turkish (object first)
        "talimat|kural|komut|yonerge",
        _phrase(
            "talimatları|talimatlari|talimatlar|kuralları|kurallari|komutları|yönergeleri|talimatını",
            "yok say|yoksay|görmezden gel|unut|dikkate alma|boşver|önemseme",
        ),
    ),
    _rule(  # Vietnamese
        "huong dan|chi dan|chi thi|lenh|quy tac",
        _phrase("bỏ qua|phớt lờ|quên|lờ đi|không tuân theo", "hướng dẫn|chỉ dẫn|chỉ thị|lệnh|quy tắc|mệnh lệnh"),
    ),
    _rule(  # Russian / Ukrainian
        "инструкц|указани|правил|команд|вказівк|інструкц|забудь|игнорир|ігнор",
        _phrase(
            "игнорируй|игнорируйте|проигнорируй|забудь|забудьте|не обращай внимания на|отбрось|отбросьте|"
            "пропусти|ігноруй|проігноруй|забудь про",
            "инструкции|инструкций|указания|правила|команды|установки|ограничения|інструкції|вказівки|правила",
        ),
        _phrase("забудь|забудьте", "что|предыдущее|выше|раньше|до этого", rf"{_S}{_folded_alt('всё|все')}{_S}"),
    ),
    _rule(  # Chinese
        "指令|指示|说明|說明|规则|規則|提示|命令|设定|設定|要求",
        _phrase(
            "忽略|无视|無視|忘记|忘記|忘掉|不要理会|不要理會|忽视|忽視|抛弃|拋棄|不用管|别管|跳过|跳過",
            "指令|指示|说明|說明|规则|規則|提示|命令|设定|設定|要求|限制",
            _CJK_GAP,
        ),
    ),
    _rule(  # Japanese
        "指示|命令|ルール|指令|プロンプト|制約|無視|忘れ",
        _phrase("指示|命令|ルール|指令|プロンプト|制約|設定", "無視|忘れ|従わな", _CJK_GAP),
    ),
    _rule(  # Korean
        "지시|지침|명령|규칙|프롬프트|무시|잊어",
        _phrase("지시|지침|명령|규칙|프롬프트|지시사항", "무시|잊어|잊으|따르지", _CJK_GAP),
    ),
    _rule(  # Arabic
        "تجاهل|انس|التعليمات|الاوامر|القواعد",
        _phrase("تجاهل|تجاهلي|تجاهلوا|انس|انسى|لا تتبع|اهمل", "التعليمات|الأوامر|القواعد|الإرشادات|تعليمات|أوامر"),
    ),
    _rule(  # Hebrew
        "התעלם|הוראות|הנחיות|כללים",
        _phrase("התעלם|התעלמי|התעלמו|שכח|שכחי|תתעלם", "ההוראות|הוראות|מההוראות|ההנחיות|הנחיות|מההנחיות|הכללים|מהכללים"),
    ),
    _rule(  # Hindi
        "निर्देश|नियम|आदेश",
        _phrase("निर्देशों|निर्देश|नियमों|नियम|आदेशों|आदेश", "अनदेखा|नज़रअंदाज़|भूल जाओ|भूल जाइए|को भूल|मत मानो|उपेक्षा"),
    ),
)

_ML_EXTRACT = (
    _rule(
        "prompt|anweisung|instruction|instruccion|istruzion|instruc|instructie|инструкц|промпт|提示|指令|"
        "プロンプト|프롬프트",
        _phrase(
            "zeige|zeig|gib|nenne|verrate|wiederhole|enthülle|montre|montrez|affiche|affichez|révèle|révélez|donne|"
            "donnez|répète|répétez|muestra|muéstrame|revela|dime|repite|imprime|mostra|mostrami|rivela|dimmi|ripeti|"
            "mostre|revele|diga|repita|toon|laat zien|herhaal|покажи|раскрой|выведи|повтори|напиши|расскажи",
            "systemprompt|system-prompt|systemanweisungen|prompt système|prompt systeme|invite système|"
            "instructions système|prompt del sistema|prompt de sistema|instrucciones del sistema|"
            "instrucciones originales|prompt di sistema|istruzioni di sistema|prompt do sistema|"
            "instruções do sistema|systeemprompt|системный промпт|системные инструкции|системную инструкцию|"
            "исходные инструкции|свои инструкции|твои инструкции|deine anweisungen|tes instructions|"
            "vos instructions|tus instrucciones|le tue istruzioni|suas instruções|je instructies",
        ),
        _phrase(
            "显示|顯示|输出|輸出|告诉我|告訴我|重复|重複|打印|泄露|透露|给我看|給我看|列出",
            "系统提示|系統提示|提示词|提示詞|初始指令|系统指令|系統指令|你的指令|你的设定|你的設定",
            _CJK_GAP,
        ),
        _phrase("システムプロンプト|初期プロンプト|元の指示|あなたの指示", "表示|教えて|見せて|出力|繰り返", _CJK_GAP),
        _phrase("시스템 프롬프트|프롬프트|지시사항|초기 지시", "보여|알려|출력|공개", _CJK_GAP),
    ),
)

_ANY_QUANTIFIER = (
    "jegliche|jede|irgendwelche|aucune|aucun|ninguna|ningún|ninguna|alcuna|alcun|nenhuma|qualquer|"
    "каких-либо|всяких|любых|enige|żadnych|jakichkolwiek"
)
_RESTRICTIONS = (
    "einschränkungen|beschränkungen|filter|zensur|restrictions|filtres|censure|limites|restricciones|"
    "filtros|censura|límites|restrizioni|filtri|restrições|ограничений|фильтров|цензуры|beperkingen|"
    "ograniczeń|cenzury|batasan"
)

_ML_JAILBREAK = (
    _rule(
        "einschrank|restric|restrizion|ограничен|filter|filtr|zensur|censur|цензур|限制|制限|제한",
        rf"{_folded_alt('ohne|sans|sin|senza|sem|без|zonder|bez|tanpa|kısıtlamasız')}{_S}"
        rf"(?:{_folded_alt(_ANY_QUANTIFIER)}{_S})?{_folded_alt(_RESTRICTIONS)}",
        _phrase(
            "没有任何|沒有任何|不受任何|不受|没有|沒有|无|無",
            "限制|约束|約束|审查|審查|规则|規則|过滤|過濾",
            _CJK_GAP,
        )
        + rf"{_CJK_GAP}{_folded_alt('的ai|的人工智能|的助手|的模型|回答|回复|回覆|模式')}",
        _folded_alt("制限のない|制限なし|制限なく|検閲なし"),
        _folded_alt("제한 없는|제한없는|제한 없이|검열 없는"),
    ),
    _rule(
        "entwicklermodus|mode developpeur|modo desarrollador|modalita sviluppatore|modo desenvolvedor|"
        "режим разработчика|开发者模式|開發者模式|開発者モード|개발자 모드",
        _folded_alt(
            "entwicklermodus|entwickler-modus|mode développeur|modo desarrollador|modo de desarrollador|"
            "modalità sviluppatore|modo desenvolvedor|modo de desenvolvedor|режим разработчика|开发者模式|"
            "開發者模式|開発者モード|개발자 모드"
        ),
    ),
)

_ML_GROUPS: tuple[tuple[tuple[_Rule, ...], Hit], ...] = (
    (
        _ML_OVERRIDE,
        Hit("injection", "It tells the model to ignore its previous instructions (in another language).", STRONG),
    ),
    (_ML_EXTRACT, Hit("injection", "It asks the model to reveal its system prompt (in another language).", STRONG)),
    (_ML_JAILBREAK, Hit("jailbreak", "It asks the model to drop its restrictions (in another language).", MEDIUM)),
)


#: Words that let an ASCII text run the other-language rules: the phrase lists' words of five letters or
#: more, less those that are English words too ("instructions" alone says nothing about the language).
LATIN_ANCHORS: frozenset[str] = frozenset(word for word in _LATIN_WORDS if len(word) >= 5) - frozenset(
    "ignore instructions instruction directives commands restrictions filter prompt system abstraction invite "
    "precede precedent anterior donne limites".split()
)


def multilingual_hits(folded: Callable[[], str], latin: str, other: str) -> list[tuple[int, int, Hit]]:
    """Spans (in ``folded()``, the folded text) and hits of the other-language rules.

    A rule runs only if one of its gate strings occurs in ``latin`` (the folded text when it has a word of
    ``LATIN_ANCHORS``, else ``""``) or, for the gates in other scripts, in ``other`` (the text's characters
    beyond Latin-1, folded; ``""`` when there are none). ``folded`` is called only when a gate matched.
    """
    out: list[tuple[int, int, Hit]] = []
    if not latin and not other:
        return out
    for rules, hit in _ML_GROUPS:
        for ascii_gates, other_gates, pattern in rules:
            if not (
                (latin and any(gate in latin for gate in ascii_gates))
                or (other and any(gate in other for gate in other_gates))
            ):
                continue
            match = regex(pattern).search(folded())
            if match is not None:
                out.append((match.start(), match.end(), hit))
    return out
