"""``injection_attack``: prompt injection and jailbreak attempts, by a shipped linear model plus rules.

How a text is scored:

1. It is cut into sentences (at ``.``/``?``/``!`` followed by white space, and at line breaks) and
   each sentence is tokenised with Unicode tricks, leetspeak and letter spacing undone
   (``_linear.split_lines``; a plain ASCII text's words as split are ``toxicity``'s tokens, computed once for both).
2. The model (``models/injection.json.gz``, trained by ``training/train_injection.py`` with three heads:
   ``attack``, ``injection``, ``jailbreak``) scores the whole text when it has at most 400 words (as in
   training). It also scans every sentence of three words or more, 32-word windows of longer sentences
   and runs of consecutive sentences of up to 64 words with the unigram weights of its ``attack`` head;
   the best three are rescored exactly and count if they beat the whole text by 1.5 logits (the best of
   many pieces is an optimistic estimate), so one attacking sentence in a long document still shows.
3. Rules (``_injection_rules``) score the sentence they match: override and extraction phrasings,
   role-play jailbreaks, instructions addressed to an AI inside data (indirect injection), chat-template
   tokens, and the same attacks in seventeen other languages. Encoded payloads (base64, hex, URL and
   HTML escapes, Morse, ROT13, reversed text) are decoded and scored like text. A sentence where an
   override or extraction phrasing only occurs negated ("never reveal your system prompt", as system
   prompts say) is left out of the model's view.
4. The score is the highest of the model's and the rules'; ``most_unsafe_content`` is the sentence of
   the strongest rule, else the sentence that scores highest in the model's best piece.

Details, as Enkrypt's: ``safe`` and ``attack`` as strings with six decimals (``"0.999354"``),
``p_injection`` and ``p_jailbreak`` (floats), ``detected_attacks`` (``[]``, ``["injection"]``,
``["jailbreak"]`` or both), ``most_unsafe_content`` (``""`` when clean) and, with ``need_explanation``,
``explanation``: one sentence built from the rule or the head that fired (no LLM call).

The default threshold, 0.55, was chosen on the validation splits (``python -m training.train_injection``
prints the sweep): mean F1 over the two development sets is flat between 0.3 and 0.55 (0.951 to 0.943),
and the highest threshold within 0.01 of the best is taken, since real traffic has far fewer attacks
than those half-attack sets. ``python -m eval`` reports the false alarms on benign prompts full of
trigger words and on long technical documents at this threshold.

What it cannot catch: attacks that read as ordinary requests (a harmful request with no jailbreak
framing is a matter for ``toxicity``/``policy_violation``), novel role-play framings that share no
vocabulary with the training data, injections in languages and scripts outside the phrase lists when
the words are not English, and instructions split across several texts of a conversation.
"""

from __future__ import annotations

import heapq
import math
import sys
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence, Set
from functools import cache, partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import add
from typing import Any, Literal

from pydantic import Field

from . import _injection_rules as rules
from ._common import DetectorConfig
from ._linear import LazyLexicon, LinearModel, Lines, ModelColumns, lexicon, sigmoid, split_lines
from ._normalize import fold, fold_with_offsets, original_span
from ._profanity import Tokens, keep_tokens, kept_tokens
from .base import Finding, Located, Report

__all__ = ["DEFAULT_THRESHOLD", "InjectionAttackConfig", "InjectionAttackDetector"]

#: Chosen on the validation splits by ``python -m training.train_injection`` (see the module docstring).
DEFAULT_THRESHOLD = 0.55
MODEL_NAME = "injection"

#: Sentences shorter than this many words are scored only with their neighbours (a fragment of two
#: words is not evidence of anything).
_MIN_SENT = 3
#: Sentences longer than this many words are also scored in windows of _WINDOW words, every _STRIDE.
_MAX_SENTENCE = 48
_WINDOW = 32
_STRIDE = 16
#: Runs of consecutive sentences are scored up to this many words.
_MAX_RUN = 64
#: Texts of up to this many words are also scored as a whole.
_MAX_WHOLE = 400
#: Pieces (by scan score) rescored exactly.
_RESCORE = 3
#: How much (in logits) a piece of the text must score above the whole to count: the best of many
#: pieces is an optimistic estimate.
_PIECE_MARGIN = 1.5
#: A token this long may be an encoded payload.
_LONG_TOKEN = 16
_LONG_RUN = b"x" * _LONG_TOKEN
#: Characters of ``most_unsafe_content`` at most.
_MAX_CONTENT = 1000
#: How deep decoded payloads are decoded again.
_MAX_DEPTH = 2

#: Characters that end a sentence without a following space (replaced by a line break; same length).
_SENTENCE_ENDS = ("。", "！", "？", "\u2028", "\u2029", "\x85")


class InjectionAttackConfig(DetectorConfig):
    """Options of the ``injection_attack`` detector (``threshold`` defaults to 0.55, chosen on validation data)."""

    name: Literal["injection_attack"] = "injection_attack"
    need_explanation: bool = Field(
        default=False, description="Add a one-sentence `explanation` of the verdict to the details (rule-based)."
    )

    def build(self) -> InjectionAttackDetector:
        return InjectionAttackDetector(
            threshold=DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            need_explanation=self.need_explanation,
            block_message=self.block_message,
        )


class _Scorer:
    """The model as one feature -> weight dict per head (summed at C speed with ``map``)."""

    __slots__ = ("attack", "biases", "heads", "index", "lexicon", "memo", "tables")

    def __init__(
        self,
        heads: tuple[str, ...],
        biases: tuple[float, ...],
        features: list[str],
        columns: Sequence[Sequence[float]],
        lexicon: Collection[str],
    ) -> None:
        self.heads = heads
        self.biases = biases
        # each head's non-zero weights, picked in C rather than by a comprehension over every feature
        self.tables: list[dict[str, float]] = [
            dict(compress(zip(features, column, strict=True), column)) for column in columns
        ]
        self.attack = heads.index("attack")
        #: Each head's index by name (the last one, should a custom model repeat a name).
        self.index = {head: h for h, head in enumerate(heads)}
        self.lexicon = lexicon
        self.memo: dict[str, list[str]] = {}

    @classmethod
    def of(cls, model: LinearModel) -> _Scorer:
        """The scorer of a ``LinearModel`` (a model passed to the detector)."""
        columns = [[row[h] for row in model.weights.values()] for h in range(len(model.heads))]
        return cls(model.heads, model.bias, list(model.weights), columns, LazyLexicon(lambda: model.lexicon))

    @classmethod
    def shipped(cls, name: str) -> _Scorer:
        """The scorer of a model of the package, read column by column (``ModelColumns``): no tuple per feature."""
        model = ModelColumns.load(name)
        return cls(
            model.heads, model.bias, model.features, model.columns, LazyLexicon(partial(lexicon, model.features))
        )

    def lines(self, text: str, tokens: list[str] | None = None) -> Lines:
        return split_lines(text, self.lexicon, self.memo, tokens)

    def logit(self, tokens: list[str], head: int) -> float:
        """A head's logit for a run of words (unigrams and bigrams, each counted once)."""
        return self.logit_of(self.features(tokens), head)

    def probability(self, head: str, features: set[str]) -> float:
        """The probability of the head named ``head`` for a run of words' ``features`` (0.0 if the model has none).

        Only the heads the report names are scored (``injection``, ``jailbreak``): each costs a lookup per feature.
        """
        index = self.index.get(head)
        return 0.0 if index is None else sigmoid(self.logit_of(features, index))

    @staticmethod
    def features(tokens: list[str]) -> set[str]:
        """The unigrams and bigrams of a run of words (a bigram is ``" ".join`` of a pair from ``zip``: in C, and
        cheaper than concatenating each word, a space and the next word)."""
        return {*tokens, *map(" ".join, zip(tokens, islice(tokens, 1, None), strict=False))}

    def logit_of(self, features: set[str], head: int) -> float:
        """A head's logit for a run of words' ``features``.

        ``math.fsum`` rather than ``sum``: the set's order follows the process's string hashes, and a plain sum
        of floats in another order can differ in its last bits; ``fsum`` is exact, so a text scores the same in
        every process.
        """
        return self.biases[head] + math.fsum(map(self.tables[head].get, features, repeat(0.0)))


@cache
def _scorer() -> _Scorer:
    return _Scorer.shipped(MODEL_NAME)


#: Characters kept inside ``norm12`` tokens but not ``_profanity.tokenize``'s: a plain ASCII text without them has
#: the same tokens in both, before leetspeak and spelled-out letters are undone.
_LEET_CHARACTERS = "@$|!+"


class _Text:
    """A text cut into sentences and words: sentence ``i`` is ``text[spans[i]]`` and ``flat[starts[i]:starts[i+1]]``.

    ``vocabulary`` is the set of the words. For a plain ASCII text, the words as split are ``toxicity``'s tokens
    (``_profanity.tokens_of``): the list and its set are computed once for both detectors, and reused here as
    they are when no leetspeak or spelled-out word had to be undone. Whichever detector reads the text first
    computes them: ``toxicity`` by tokenising the whole text, this class by splitting its lines (which it needs
    anyway), and then it keeps them for ``toxicity`` (``_profanity.keep_tokens``).
    """

    __slots__ = ("_spans", "flat", "lines", "long", "marked", "starts", "text", "vocabulary")

    def __init__(self, text: str, scorer: _Scorer) -> None:
        marked = text.replace(". ", ".\n")
        # ``in`` with one character is a ``memchr``; a replace scans the whole text even when nothing matches
        if "?" in marked:
            marked = marked.replace("? ", "?\n")
        if "!" in marked:
            marked = marked.replace("! ", "!\n")
        if "\t" in marked:
            marked = marked.replace(".\t", ".\n")
        if "\r" in marked:
            marked = marked.replace("\r", "\n")
        if not marked.isascii():
            for end in _SENTENCE_ENDS:
                if end in marked:
                    marked = marked.replace(end, "\n")
        self.text = text
        #: The text with a line break at the end of each sentence (the same length): sentence ``i`` is its line ``i``.
        self.marked = marked
        self._spans: list[tuple[int, int]] | None = None
        shareable = text.isascii() and not any(map(text.__contains__, _LEET_CHARACTERS))
        shared = kept_tokens(text) if shareable else None
        lines = scorer.lines(marked, None if shared is None else shared.tokens)
        if shareable and shared is None:  # split here first: the words as split are toxicity's tokens
            shared = keep_tokens(text, Tokens.of(lines.tokens))
        self.lines = lines.lines
        self.flat = lines.flat
        self.vocabulary: Set[str] = shared.vocabulary if shared is not None and lines.raw else frozenset(self.flat)
        #: Whether a word has _LONG_TOKEN characters or more (a byte search, when the words are as split).
        self.long = _LONG_RUN in lines.spaced if lines.raw else max(map(len, self.vocabulary), default=0) >= _LONG_TOKEN
        # An ASCII text's line breaks are its encoded form's (``_linear._encode`` maps only the byte 10 to one), so
        # it has as many lines as sentences. Folding other characters keeps line breaks too; stay safe.
        if not marked.isascii() and len(self.lines) != len(self.spans):
            self.lines = [scorer.lines(part).lines[0] if part else [] for part in marked.split("\n")]
            self.flat = list(chain.from_iterable(self.lines))
            self.vocabulary = frozenset(self.flat)
            self.long = max(map(len, self.vocabulary), default=0) >= _LONG_TOKEN
        self.starts = list(accumulate(map(len, self.lines), initial=0))

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Each sentence's ``(start, end)`` in the text, computed when first asked for: only a text with a rule hit, a
        payload or a verdict to report needs them, and finding every line break of a long text costs as much as a
        tenth of the detector."""
        if self._spans is None:
            lengths = list(map(len, self.marked.split("\n")))
            starts = list(accumulate(map(add, lengths, repeat(1)), initial=0))
            self._spans = list(zip(starts, map(add, starts, lengths), strict=False))
        return self._spans

    def blank(self, indices: set[int]) -> None:
        """Leave sentences ``indices`` out of the words (their spans stay)."""
        for index in indices:
            self.lines[index] = []
        self.flat = list(chain.from_iterable(self.lines))
        self.starts = list(accumulate(map(len, self.lines), initial=0))

    def sentence_at(self, offset: int) -> int:
        """The sentence holding character ``offset``."""
        return max(bisect_right(self.spans, (offset, len(self.text) + 1)) - 1, 0)

    def content(self, first: int, last: int, window: tuple[int, int] | None) -> str:
        """The text of sentences ``first..last`` (or of a window of words of sentence ``first``)."""
        start, end = self.spans[first][0], self.spans[last][1]
        if window is not None:
            # A window of a long sentence: its share of the sentence's characters, widened to whole words.
            count = max(len(self.lines[first]), 1)
            length = end - start
            a, b = window
            lo, hi = start + length * a // count, start + -(-length * b // count)
            while lo > start and not self.text[lo - 1].isspace():
                lo -= 1
            while hi < end and not self.text[hi].isspace():
                hi += 1
            start, end = lo, hi
        return self.text[start:end].strip()[:_MAX_CONTENT]


class _Result:
    """A verdict. ``content``, the sentence to report, is worked out the first time it is asked for (``content``
    may be given as a function): only a detected text reports one, and for most texts nothing else needs where
    the sentences are in the text (``_Text.spans``)."""

    __slots__ = ("_content", "attack", "explanation", "p_injection", "p_jailbreak")

    def __init__(
        self,
        attack: float,
        p_injection: float,
        p_jailbreak: float,
        content: str | Callable[[], str],
        explanation: str,
    ) -> None:
        self.attack = attack
        self.p_injection = p_injection
        self.p_jailbreak = p_jailbreak
        self._content = content
        self.explanation = explanation

    @property
    def content(self) -> str:
        if not isinstance(self._content, str):
            self._content = self._content()
        return self._content


_NOTHING = _Result(0.0, 0.0, 0.0, "", "")

#: A piece of the text: (scan logit, first word, end word, first sentence, last sentence, window or None).
_Piece = tuple[float, int, int, int, int, "tuple[int, int] | None"]


def _pieces(scorer: _Scorer, doc: _Text) -> list[_Piece]:
    """Every piece with its scan logit: the attack head's bias and unigram weights (bigrams are left to
    the exact rescoring of the best pieces, which is where they matter; building every bigram of a long
    text would cost more than the rest of the scan).

    Pieces: each sentence (32-word windows of a sentence longer than 48 words), and from each sentence the
    longest run of whole sentences that fits in 64 words. Scan logits come from prefix sums of the
    per-word weights, computed with ``map`` over the whole text.

    The pieces are then built in one pass over the sentences, the end of each run found by moving a pointer
    forward (runs end in text order). A ``map`` pass over the sentences per quantity and a ``bisect`` per
    sentence cost more: each pass costs a few hundred instructions per sentence, more than the loop's few
    operations. A piece's logit is ``bias + (end - start)`` for a sentence and ``(bias + end) - start`` for a
    window or a run, in that order: floating-point sums in another order can differ in their last bits, and so
    change which pieces rank highest.
    """
    starts = doc.starts
    unigram = [0.0, *accumulate(map(scorer.tables[scorer.attack].get, doc.flat, repeat(0.0)))]
    bias = scorer.biases[scorer.attack]
    sentences: list[_Piece] = []
    windows: list[_Piece] = []
    runs: list[_Piece] = []
    ends = starts[1:]
    ends.append(sys.maxsize)  # after the last sentence: no run ends there
    stop = 0  # the first sentence that ends more than _MAX_RUN words after the start of sentence ``i``
    for i, a in enumerate(starts[:-1]):
        b = ends[i]
        size = b - a
        if size > _MAX_SENTENCE:
            for w in range(0, size - _STRIDE, _STRIDE):
                end = min(w + _WINDOW, size)
                windows.append((bias + unigram[a + end] - unigram[a + w], a + w, a + end, i, i, (w, end)))
        elif size >= _MIN_SENT:
            sentences.append((bias + (unigram[b] - unigram[a]), a, b, i, i, None))
        limit = a + _MAX_RUN
        while ends[stop] <= limit:
            stop += 1
        if stop > i + 1 and size:  # a run of this sentence and the next ones, up to sentence ``stop - 1``
            end = ends[stop - 1]
            runs.append((bias + unigram[end] - unigram[a], a, end, i, stop - 1, None))
    return sentences + windows + runs


def _best_content(
    scorer: _Scorer, doc: _Text, pieces: list[_Piece], rescored: dict[tuple[int, int], float], best: _Piece
) -> str:
    """The text to report for the model's best piece; of several sentences, the one that scores highest alone."""
    _, _, _, first, last, window = best
    if first != last:
        singles = [p for p in pieces if first <= p[3] == p[4] <= last and p[5] is None]
        top = heapq.nlargest(_RESCORE, singles)
        if top:
            single = max(top, key=lambda p: _logit(scorer, doc.flat, p, rescored))
            first = last = single[3]
    return doc.content(first, last, window)


def _logit(scorer: _Scorer, flat: list[str], piece: _Piece, rescored: dict[tuple[int, int], float]) -> float:
    """The attack logit of ``piece``'s words, looked up in ``rescored`` when the piece was rescored already."""
    logit = rescored.get((piece[1], piece[2]))
    return scorer.logit(flat[piece[1] : piece[2]], scorer.attack) if logit is None else logit


class InjectionAttackDetector:
    """Prompt injection and jailbreak detector; see the module docstring."""

    name = "injection_attack"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Potential injection attack detected"

    __slots__ = ("_custom", "_model", "block_message", "need_explanation", "threshold")

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        need_explanation: bool = False,
        block_message: str | None = None,
        model: LinearModel | None = None,
    ) -> None:
        self.threshold = threshold
        self.need_explanation = need_explanation
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE
        self._model = model
        self._custom: _Scorer | None = None

    def _scorer(self) -> _Scorer:
        if self._model is None:
            return _scorer()
        if self._custom is None:
            self._custom = _Scorer.of(self._model)
        return self._custom

    # --- scoring ------------------------------------------------------------------------------------------------

    def score(self, text: str) -> float:
        """The attack probability of ``text`` (what ``detect`` compares with the threshold)."""
        return self._analyse(text, 0).attack

    def _analyse(self, text: str, depth: int) -> _Result:
        if not text or text.isspace():
            return _NOTHING
        scorer = self._scorer()
        doc = _Text(text, scorer)
        if not doc.flat and text.isascii():
            return _NOTHING
        vocabulary = doc.vocabulary
        negated: set[int] = set()
        word_hits = rules.word_hits(doc.lines, vocabulary, negated)
        if negated:
            # "Never reveal your system prompt": the model only knows the phrase, so it does not see it.
            doc.blank(negated)
        flat = doc.flat

        # The model: the whole text (when short enough to be read as one piece, as in training) and the
        # best few pieces, which must beat it by _PIECE_MARGIN.
        best_logit = -math.inf
        best: _Piece | None = None
        best_features: set[str] | None = None  # kept for the probabilities of the best piece
        pieces = _pieces(scorer, doc)
        if flat and len(flat) <= _MAX_WHOLE:
            best_features = scorer.features(flat)
            best_logit = scorer.logit_of(best_features, scorer.attack)
            best = (best_logit, 0, len(flat), 0, len(doc.lines) - 1, None)
        rescored: dict[tuple[int, int], float] = {}  # attack logits by word span, for the report below
        for piece in heapq.nlargest(_RESCORE, pieces):
            if best is not None and piece[1] == 0 and piece[2] == len(flat):
                continue
            piece_features = scorer.features(flat[piece[1] : piece[2]])
            logit = rescored[piece[1], piece[2]] = scorer.logit_of(piece_features, scorer.attack)
            if logit - _PIECE_MARGIN > best_logit:
                best_logit, best, best_features = logit - _PIECE_MARGIN, piece, piece_features
        score = sigmoid(best_logit) if best is not None else 0.0

        # Rules and decoded payloads, per sentence: the strongest one names the sentence and the reason,
        # whether or not the model scored the text higher still.
        hit: rules.Hit | None = None
        hit_sentence = -1
        hit_score = 0.0
        for index, strength, found in self._rules(doc, depth, word_hits, vocabulary):
            if strength > hit_score:
                hit, hit_sentence, hit_score = found, index, strength
        if hit is None and best is None:
            return _NOTHING
        score = max(score, hit_score)

        features: set[str] | None = None
        content: Callable[[], str]
        if hit is not None:
            words = doc.lines[hit_sentence]
            content = partial(doc.content, hit_sentence, hit_sentence, None)
        else:
            assert best is not None
            words, features = flat[best[1] : best[2]], best_features
            content = partial(_best_content, scorer, doc, pieces, rescored, best)
        if features is None:
            features = scorer.features(words)  # built once for both heads
        p_injection = scorer.probability("injection", features)
        p_jailbreak = scorer.probability("jailbreak", features)
        if hit is not None:
            if hit.kind == "jailbreak":
                p_jailbreak = max(p_jailbreak, hit_score)
            else:
                p_injection = max(p_injection, hit_score)
        return _Result(score, p_injection, p_jailbreak, content, hit.reason if hit is not None else "")

    def _rules(
        self, doc: _Text, depth: int, word_hits: list[tuple[int, rules.Hit]], vocabulary: Set[str]
    ) -> list[tuple[int, float, rules.Hit]]:
        """``(sentence index, score, hit)`` of every rule that matched and every decoded payload that scored."""
        text, lines, flat = doc.text, doc.lines, doc.flat
        out: list[tuple[int, float, rules.Hit]] = [(index, hit.strength, hit) for index, hit in word_hits]
        ascii_text = text.isascii()
        lowered = text.lower()  # a few characters lower-case to two: offsets are then approximate
        for start, _ in rules.template_hits(lowered):
            out.append((doc.sentence_at(start), rules.TEMPLATE_HIT.strength, rules.TEMPLATE_HIT))
        offsets = None

        def sentence_of(folded_start: int) -> int:
            nonlocal offsets
            if offsets is None:
                offsets = fold_with_offsets(text)[1]
            return doc.sentence_at(original_span(text, offsets, folded_start, folded_start + 1)[0])

        folded_text: list[str] = []

        def folded() -> str:
            if not folded_text:
                folded_text.append(lowered if ascii_text else fold(text))
            return folded_text[0]

        latin = folded() if not rules.LATIN_ANCHORS.isdisjoint(vocabulary) else ""
        other = "" if ascii_text else fold(rules.non_latin1_text(text))
        for start, _, hit in rules.multilingual_hits(folded, latin, other):
            out.append((doc.sentence_at(start) if ascii_text else sentence_of(start), hit.strength, hit))
        if depth >= _MAX_DEPTH:
            return out
        payloads: list[tuple[int, str, str]] = []
        long_tokens = dict.fromkeys(token for token in flat if len(token) >= _LONG_TOKEN) if doc.long else {}
        for start, _, decoded, how in rules.decoded_payloads(text, lowered if ascii_text else "", long_tokens):
            payloads.append((doc.sentence_at(start), decoded, how))
        if not rules.ROT13_GATES.isdisjoint(vocabulary):
            for index, words in enumerate(lines):
                if not rules.ROT13_GATES.isdisjoint(words):
                    a, b = doc.spans[index][0], doc.spans[min(index + 2, len(lines) - 1)][1]
                    payloads.append((index, rules.rot13(text[a:b]), "ROT13"))
        if not rules.REVERSED.isdisjoint(vocabulary):
            for index, words in enumerate(lines):
                if not rules.REVERSED.isdisjoint(words):
                    a, b = doc.spans[index]
                    payloads.append((index, text[a:b][::-1], "reversed text"))
        for index, decoded, how in payloads:
            inner = self._analyse(decoded, depth + 1)
            if inner.attack >= self.threshold:
                kind = "jailbreak" if inner.p_jailbreak > inner.p_injection else "injection"
                out.append((index, inner.attack, rules.Hit(kind, f"It hides an instruction in {how}.", inner.attack)))
        return out

    # --- the detector protocol ---------------------------------------------------------------------------------

    def detect(self, text: str) -> Finding:
        result = self._analyse(text, 0)
        detected = result.attack >= self.threshold
        score = min(max(result.attack, 0.0), 1.0)
        return Finding(detected=detected, score=score, details=self._details(result, detected))

    def _details(self, result: _Result, detected: bool) -> dict[str, Any]:
        threshold = self.threshold
        attacks: list[str] = []
        if detected:
            if result.p_injection >= threshold:
                attacks.append("injection")
            if result.p_jailbreak >= threshold:
                attacks.append("jailbreak")
            if not attacks:
                attacks.append("jailbreak" if result.p_jailbreak > result.p_injection else "injection")
        details: dict[str, Any] = {
            "safe": f"{1.0 - result.attack:.6f}",
            "attack": f"{result.attack:.6f}",
            "p_injection": round(result.p_injection, 6),
            "p_jailbreak": round(result.p_jailbreak, 6),
            "detected_attacks": attacks,
            "most_unsafe_content": result.content if detected else "",
        }
        if self.need_explanation:
            details["explanation"] = _explain(result, attacks)
        return details

    def report(self, findings: Sequence[Located]) -> Report:
        detected = any(item.finding.detected for item in findings)
        strongest = max(findings, key=lambda item: (item.finding.detected, item.finding.score), default=None)
        details = self._details(_NOTHING, False) if strongest is None else dict(strongest.finding.details)
        return Report(detected=detected, summary={"injection_attack": int(detected)}, details=details)


def _explain(result: _Result, attacks: list[str]) -> str:
    if not attacks:
        return "No prompt injection or jailbreak attempt was found."
    if result.explanation:
        return result.explanation
    if attacks == ["jailbreak"]:
        return f"It reads like a jailbreak attempt (classifier score {result.attack:.2f})."
    if attacks == ["injection"]:
        return f"It reads like a prompt injection (classifier score {result.attack:.2f})."
    return f"It reads like a prompt injection and a jailbreak attempt (classifier score {result.attack:.2f})."
