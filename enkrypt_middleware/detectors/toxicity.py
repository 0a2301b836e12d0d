"""``toxicity``: six scores in [0, 1], from a shipped two-head linear model, the profanity word list and rules.

How a text is read: it is tokenised (``_profanity.tokenize``: Unicode tricks undone, lower case, symbols
as separators), the profanity word list (``_profanity``, with its leetspeak variants) is matched on the
tokens, and the model (``models/toxicity.json.gz``, ``_toxicity_model``, trained by
``training/train_toxicity.py``) scores windows of 64 tokens (a tweet-sized piece, as in training; the
highest window counts, so a long text is neither diluted nor pushed up by its length). The model's features
are the window's distinct words plus the word list's matches (their severity, categories and canonical
forms); each word's weight also carries prior knowledge distilled from GloVe vectors, the VADER lexicon and
a profanity classifier trained on ~200k comments (``training/toxicity_priors.py``), so that words rare or
absent in the training tweets still count. Its two heads:

``offensive``
    trained on TweetEval *offensive* (OffensEval 2019: insults, threats, profanity, targeted or not).
``hate``
    trained on TweetEval *hate* (HatEval 2019: hate speech against immigrants and women).

Both also learnt ordinary prompts (the injection sets' benign rows and ``training/toxicity_extra.py``) as
negatives, so that an assistant's traffic ("How do I kill a Python process?") does not look offensive.

Both heads are calibrated so that 0.5 is the operating point chosen by cross-validation on the training
split (the training script shifts each bias by the logit of the threshold that maximises out-of-fold
macro-F1; the raw thresholds are in the model's ``meta``). The six scores:

``toxicity``
    the ``offensive`` head, or any of ``obscene``, ``insult``, ``threat``, ``severe_toxicity`` when higher
    (on TweetEval offensive validation those rules fire with 85-100 % precision).
``identity_hate``
    the highest of: the ``hate`` head; a racial or ethnic slur, or a severe slur about sexual
    orientation or gender identity, from the word list (0.6, 0.75 for a severe one, raised by the model
    up to 0.95); dehumanising language about a protected group ("immigrants are vermin", 0.85); a call
    for violence against a group (0.9). Implicit hate without profanity scores through the ``hate``
    head, which learnt HatEval's vocabulary ("invaders", "send them back", ...).
``obscene``
    from the word list's sexual, excrement and religious-profanity terms: Mild 0.5, Strong 0.7, Severe
    0.85 (terms with a common innocent sense, such as "dick", "booty" or "breasts", 0.3), then moved by
    up to ±0.15 by the ``offensive`` head. Profanity used in a friendly way ("fuck yeah") is obscene but
    not necessarily toxic.
``insult``
    a targeted insult: addressed to the reader ("you idiot", "you're such a pathetic loser", "shut up",
    "fuck off") 0.9, about a person ("she is a disgusting pig") 0.7; otherwise an insulting word
    (``_toxicity_rules.INSULT_WORDS`` or the word list's insult, mental-disability, physical and
    orientation terms) gives ``0.15 + 0.45 * offensive``, and text addressed to "you" with no such word
    ``0.4 * offensive`` (neither fires alone at 0.5 unless the model is nearly certain).
``threat``
    a threat with a target: "I will kill you", "we're gonna hurt them", "I hope you die", "kill
    yourself", calls for violence ("they should be shot", "kill all <group>") 0.9; veiled threats ("I know
    where you live", "watch your back") 0.7. Moved by up to ±0.05 by the ``offensive`` head. No target, no
    threat: "how do I kill a Python process", "I'll shoot you an email", "I'll beat you at chess".
``severe_toxicity``
    the highest of: a Severe, unambiguous word-list term (``0.5 + 0.45 * offensive``); a threat together
    with an obscene or insulting text; an obscene *and* insulting text that the model finds offensive
    (``min(obscene, insult) * (0.5 + 0.5 * offensive)``); dehumanising language about a group (0.8).

``summary.toxicity`` is the list of labels at or over their thresholds (default 0.5 each; ``threshold``
sets all of them, ``thresholds`` single labels), in the order above. ``details`` has the six scores
(four decimals) and, when the detector fired, ``compliance_mapping``. Over several texts (messages),
each score is the highest over the texts.

What it cannot catch: sarcasm and toxicity carried by context rather than words; hate against groups
that HatEval does not cover and that uses no slur or dehumanising pattern (the ``hate`` head mostly
knows immigrants and women); insults and threats phrased outside the patterns (no second person, a
paraphrased threat, "it would be a shame if something happened to you"); languages other than English;
misspellings that are not leetspeak. The ``offensive`` head is a linear bag of words: on TweetEval
offensive validation the ``toxicity`` label reaches macro-F1 0.75 (``python -m eval``; 0.74 in
cross-validation on the training split; the issue's target is 0.78), short of transformer models, and it
fires on political vocabulary that its noisy training labels associate with offence. ``identity_hate``
fires on a quarter of HatEval's non-hateful tweets, which are often abusive towards women without being
hate speech.

``tier="accurate"`` (the ``accurate`` extra) adds a fine-tuned MiniLM transformer (``_minilm``): each head's
probability becomes the one whose logit is the mean of the linear model's and the transformer's, and the rules
above apply to those. It reads context a bag of words cannot (TweetEval offensive macro-F1 0.772, ROC AUC
0.866 against 0.820; HatEval 0.761; implicit-hate recall 0.75 on validation) at a transformer's cost
(milliseconds per sentence).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from operator import add, sub
from typing import Annotated, Any, Literal

from pydantic import Field

from . import _minilm
from . import _toxicity_rules as rules
from ._common import DetectorConfig
from ._linear import ModelColumns, sigmoid
from ._profanity import Term, WordList, tokens_of, word_list
from ._toxicity_model import SCALE, load_units
from .base import Finding, Located, Report

__all__ = ["LABELS", "ToxicityConfig", "ToxicityDetector", "analyze", "features"]

MODEL_NAME = "toxicity"
#: The model file's ``features``: this module's ``features`` over ``_profanity.tokenize`` tokens.
FEATURE_SET = "toxicity"
DEFAULT_THRESHOLD = 0.5
Label = Literal["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_hate"]
LABELS: tuple[Label, ...] = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_hate")

#: Tokens per model window (tweets, the training texts, are shorter).
WINDOW = 64

_OBSCENE_CATEGORIES = frozenset({"sexual", "excrement", "religious"})
_INSULT_CATEGORIES = frozenset({"insult", "mental", "physical", "orientation"})
_OBSCENE_STRENGTH = {"mild": 0.5, "strong": 0.7, "severe": 0.85}
_AMBIGUOUS_STRENGTH = 0.3
_SECOND_PERSON = frozenset("you u ya yall youre ur your yourself".split())


#: ``fast``: the linear model and rules; ``accurate``: also the fine-tuned transformer (``_minilm``).
Tier = Literal["fast", "accurate"]


class ToxicityConfig(DetectorConfig):
    """Options of the ``toxicity`` detector (every label fires at 0.5 unless set otherwise)."""

    name: Literal["toxicity"] = "toxicity"
    thresholds: dict[Label, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict,
        description="Threshold per label (toxicity, severe_toxicity, obscene, threat, insult, identity_hate); "
        "labels not given use `threshold`, or 0.5.",
    )
    tier: Tier = Field(
        default="fast",
        description="`fast`: the shipped linear model and rules, in the request path (well under a millisecond "
        "per KB). `accurate`: also a fine-tuned MiniLM transformer whose logits are averaged with the linear "
        "model's (needs `pip install 'enkrypt-middleware[accurate]'`; tens of milliseconds per text, in a worker "
        "thread; its model loads when the detector is built, at start-up, about a second once per process).",
    )

    def build(self) -> ToxicityDetector:
        thresholds = {str(label): value for label, value in self.thresholds.items()}
        return ToxicityDetector(
            threshold=self.threshold, thresholds=thresholds, block_message=self.block_message, tier=self.tier
        )


# --- features shared by training and scoring --------------------------------------------------------------------


def term_features(term: Term) -> list[str]:
    """Features of one word-list match (``#`` never occurs in a token): its canonical forms, and its severity
    and categories unless the term is ambiguous (then ``#ambiguous`` instead: "Moby Dick" is no insult)."""
    canonical = [f"#canon:{form}" for form in term.canonical]
    if term.ambiguous:
        return ["#ambiguous", *canonical]
    return [f"#{term.level}", *(f"#cat:{category}" for category in sorted(term.categories)), *canonical]


def features(tokens: Sequence[str], terms: Sequence[Term]) -> list[str]:
    """The model's features of one window: its words and the word-list matches in it."""
    out = list(tokens)
    for term in terms:
        out += term_features(term)
    return out


# --- shared analysis (also used by ``nsfw``) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resources:
    bias: tuple[float, float]
    words: WordList
    #: Each feature's two weights as one float, ``offensive * spread + hate``, in units of ``1 / SCALE`` (whole
    #: numbers): a window's two sums are then one ``sum(map(...))`` over its words, in C, with one dict lookup per
    #: word, and ``sum`` adds floats in place (complex numbers, ``offensive + 1j * hate``, as before, cost an object
    #: per word and a generic addition: a sixth of the model's time). ``spread`` is a power of two more than twice
    #: any window's ``hate`` sum can reach, so ``math.remainder(total, spread)`` is the window's ``hate`` sum and
    #: the rest divided by ``spread`` its ``offensive`` sum (``_shift``). Exact, since every partial sum is a
    #: whole number below 2**53, so the same in whatever order the set of the window's words is visited (that
    #: order follows the process's string hashes; sums of fractions in another order can differ in their last
    #: bits). The word-list features ("#...") are in it too: no token holds a "#", so they never meet a window's
    #: words.
    weights: dict[str, float]
    spread: float
    #: The keys of ``weights`` (a set intersects a window's tokens faster than a dict's keys), and the word-list
    #: features among them.
    keys: frozenset[str]
    lexical_keys: frozenset[str]


def make_resources(columns: ModelColumns) -> _Resources:
    """What scoring needs around a model's ``columns``, its weights in units of ``1 / SCALE``: the shipped file's
    (``load_units``), or a model in memory (``ToxicityModel.units``: the training script scores with a model not
    yet saved).

    Built from the model's columns with C loops only (``map``, ``zip``, ``dict``, ``frozenset``): a Python loop
    over the 40,000 features, and a tuple per feature, were most of the detector's first use.
    """
    if columns.heads != ("offensive", "hate") or columns.feature_set != FEATURE_SET:
        raise ValueError(f"toxicity model: expected heads offensive, hate over {FEATURE_SET!r} features")
    features = columns.features
    offensive, hate = columns.columns
    lexical = frozenset([feature for feature in features if feature[0] == "#"])
    shift = _shift(offensive, hate, len(lexical))
    packed = map(add, map(math.ldexp, offensive, repeat(shift)), hate)  # offensive * 2**shift + hate, floats
    weights = dict(zip(features, packed, strict=True))
    bias0, bias1 = columns.bias
    return _Resources((bias0, bias1), word_list(), weights, math.ldexp(1.0, shift), frozenset(weights), lexical)


def _shift(offensive: Sequence[float], hate: Sequence[float], lexical: int) -> int:
    """``spread`` of ``_Resources.weights`` is ``2 ** _shift(...)``: the least power of two over twice the largest
    ``hate`` sum a window can have (its at most ``WINDOW`` words and every word-list feature, each at the largest
    weight).

    Raises ``ValueError`` when the packed sums could pass 2**53 (a float's whole numbers end there): a model
    with weights in the millions, far from the shipped one's (below 5 each, 50,000 units).
    """
    features = WINDOW + lexical
    shift = int(2 * features * _largest(hate)).bit_length()
    if features * _largest(offensive) >= 2 ** (52 - shift):
        raise ValueError("toxicity model: weights too large to sum exactly")
    return shift


def _largest(values: Sequence[float]) -> float:
    """The largest magnitude in ``values`` (two C loops, no ``abs`` object per value)."""
    return max(max(values, default=0), -min(values, default=0))


@cache
def _resources() -> _Resources:
    return make_resources(load_units(MODEL_NAME))


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text's normalised tokens, their set, and the word-list terms found in them (with their token index)."""

    tokens: list[str]
    vocabulary: frozenset[str]
    hits: list[tuple[int, Term]]


_last: list[tuple[str, Analysis]] = []


def analyze(text: str, res: _Resources | None = None) -> Analysis:
    """Tokens and word-list hits of ``text``; the last result is kept, so detectors on one text share it.

    The kept result is returned only for the very object it was computed from (``is``, not ``==``: comparing
    two long texts costs a pass over them). That can never be another text's analysis: ``_last`` holds a
    reference to the text, so no other string can be given its identity while the result is kept, and the
    text and its analysis are replaced together, as one tuple, so a thread never sees one without the other.
    """
    if res is not None:
        return _analyze(text, res.words)
    last = _last[0] if _last else None
    if last is not None and last[0] is text:
        return last[1]
    analysis = _analyze(text, word_list())
    _last[:] = [(text, analysis)]
    return analysis


def _analyze(text: str, words: WordList) -> Analysis:
    shared = tokens_of(text)  # ``injection_attack`` may have tokenised this text already
    return Analysis(shared.tokens, shared.vocabulary, words.find(shared.tokens, shared.vocabulary))


def model_probabilities(analysis: Analysis, res: _Resources | None = None) -> tuple[float, float]:
    """``(offensive, hate)``: each head's highest probability over the text's windows (calibrated, 0.5 = fire).

    Computes exactly ``bias + sum of weights of set(features(window))`` per window, with set intersections
    instead of building every feature string. The highest window is taken on the sums, before the bias and the
    scale: ``bias + total / SCALE`` never decreases as ``total`` grows, so it is the same as the highest of the
    windows' logits, and the loop over the windows is a list comprehension with no arithmetic of its own.
    """
    res = res or _resources()
    weight = res.weights.__getitem__
    bias0, bias1 = res.bias
    tokens = analysis.tokens
    keys = res.keys
    totals = [
        sum(map(weight, keys.intersection(tokens[start : start + WINDOW])), 0.0)
        for start in range(0, max(len(tokens), 1), WINDOW)
    ]
    # each window's word-list terms, in text order (one pass over the hits, not one per window)
    terms: dict[int, list[Term]] = {}
    for index, term in analysis.hits:
        terms.setdefault(index // WINDOW, []).append(term)
    for window, window_terms in terms.items():
        found = {feature for term in window_terms for feature in term_features(term)}
        totals[window] = sum(map(weight, res.lexical_keys.intersection(found)), totals[window])
    spread = res.spread
    hates = [math.remainder(total, spread) for total in totals]
    # ``total - hate`` is ``offensive * spread``: dividing by a power of two is exact, and keeps the order
    best0 = bias0 + max(map(sub, totals, hates)) / spread / SCALE
    best1 = bias1 + max(hates) / SCALE
    return sigmoid(best0), sigmoid(best1)


def _with_logit(probability: float, logit: float) -> float:
    """The probability whose logit is the mean of ``probability``'s and ``logit``."""
    clipped = min(max(probability, 1e-9), 1.0 - 1e-9)
    return sigmoid((math.log(clipped / (1.0 - clipped)) + logit) / 2.0)


def scores(text: str, encoder: _minilm.ToxicityEncoder | None = None) -> dict[str, float]:
    """The six scores of ``text`` (unrounded); with ``encoder`` (the accurate tier), each head's probability is
    the mean of its two models' logits."""
    analysis = analyze(text)
    offensive, hate = model_probabilities(analysis)
    if encoder is not None:
        offensive, hate = map(_with_logit, (offensive, hate), encoder.logits(text))
    tokens = analysis.tokens
    vocabulary = analysis.vocabulary
    insults = [
        index + len(term.tokens) - 1
        for index, term in analysis.hits
        if not term.ambiguous and term.categories & _INSULT_CATEGORIES
    ]
    found = rules.read_rules(tokens, vocabulary, insults)

    obscene_base = 0.0
    severe_word = False
    slur = 0.0
    insulting_word = not vocabulary.isdisjoint(rules.INSULT_WORDS)
    for _, term in analysis.hits:
        if term.categories & _OBSCENE_CATEGORIES:
            strength = _AMBIGUOUS_STRENGTH if term.ambiguous else _OBSCENE_STRENGTH[term.level]
            obscene_base = max(obscene_base, strength)
        if term.ambiguous:
            continue
        if term.level == "severe":
            severe_word = True
        if term.categories & _INSULT_CATEGORIES:
            insulting_word = True
        if "racial" in term.categories or ("orientation" in term.categories and term.level == "severe"):
            slur = max(slur, 0.75 if term.level == "severe" else 0.6)

    obscene = _clip(obscene_base + 0.3 * (offensive - 0.5)) if obscene_base else 0.0

    insult = found.insult
    if not insult:
        if insulting_word:
            insult = 0.15 + 0.45 * offensive
        elif not vocabulary.isdisjoint(_SECOND_PERSON):
            insult = 0.4 * offensive

    threat = _clip(found.threat + 0.1 * (offensive - 0.5)) if found.threat else 0.0

    identity_hate = hate
    if slur:
        identity_hate = max(identity_hate, min(0.95, slur + 0.2 * max(offensive, hate)))
    if found.dehumanising:
        identity_hate = max(identity_hate, 0.85)
    if found.group_threat:
        identity_hate = max(identity_hate, 0.9)

    severe = 0.0
    if severe_word:
        severe = 0.5 + 0.45 * offensive
    if threat >= 0.5 and max(obscene, insult) >= 0.5:
        severe = max(severe, threat * (0.5 + 0.5 * max(obscene, insult)))
    severe = max(severe, min(obscene, insult) * (0.5 + 0.5 * offensive))
    if found.dehumanising or found.group_threat:
        severe = max(severe, 0.8)

    return {
        # A threat, an insult, an obscenity or severe toxicity is toxic whatever the model says.
        "toxicity": max(offensive, threat, insult, obscene, severe),
        "severe_toxicity": severe,
        "obscene": obscene,
        "threat": threat,
        "insult": insult,
        "identity_hate": identity_hate,
    }


def _clip(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


# --- the detector ------------------------------------------------------------------------------------------------


class ToxicityDetector:
    """Scores the six toxicity labels; a label fires at its threshold (default 0.5).

    ``tier="accurate"`` adds the fine-tuned transformer (``_minilm``): the detector then runs in a worker
    thread rather than inline. Its model loads at construction (about a second, once per process), which raises
    ``ValueError`` if the ``accurate`` extra is missing.
    """

    name = "toxicity"
    DEFAULT_BLOCK_MESSAGE = "Toxic content detected"

    __slots__ = ("_encoder", "block_message", "inline", "thresholds", "tier")

    def __init__(
        self,
        *,
        threshold: float | None = None,
        thresholds: Mapping[str, float] | None = None,
        block_message: str | None = None,
        tier: Tier = "fast",
    ) -> None:
        unknown = set(thresholds or ()) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown toxicity labels: {sorted(unknown)}")
        if tier not in ("fast", "accurate"):
            raise ValueError(f"unknown toxicity tier {tier!r}: expected 'fast' or 'accurate'")
        # Loaded here, where configurations are built (at start-up, or in a reload's worker thread), so that the
        # first request does not wait about a second for it; once per process.
        self._encoder = _minilm.encoder() if tier == "accurate" else None
        common = DEFAULT_THRESHOLD if threshold is None else threshold
        self.thresholds: dict[str, float] = {label: (thresholds or {}).get(label, common) for label in LABELS}
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE
        self.tier: Tier = tier
        #: The fast tier runs on the event loop (well under a millisecond per KB); the accurate one does not.
        self.inline: bool = tier == "fast"

    def detect(self, text: str) -> Finding:
        values = scores(text, self._encoder)
        fired = [label for label in LABELS if values[label] >= self.thresholds[label]]
        rounded: dict[str, Any] = {label: round(values[label], 4) for label in LABELS}
        score = max(rounded[label] for label in LABELS)
        return Finding(detected=bool(fired), score=score, details={**rounded, "labels": fired})

    def report(self, findings: Sequence[Located]) -> Report:
        best: dict[str, float] = dict.fromkeys(LABELS, 0.0)
        fired: set[str] = set()
        for item in findings:
            details = item.finding.details
            for label in LABELS:
                best[label] = max(best[label], float(details.get(label, 0.0)))
            fired.update(details.get("labels", ()))
        labels = [label for label in LABELS if label in fired]
        body: dict[str, Any] = dict(best)
        return Report(detected=bool(labels), summary={"toxicity": labels}, details=body)
