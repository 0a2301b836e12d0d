from __future__ import annotations

import random
import re
from bisect import bisect_right

import pytest

from enkrypt_middleware.detectors import BUILTIN_DETECTORS, bias
from enkrypt_middleware.detectors._profanity import tokenize
from enkrypt_middleware.detectors._text import _ABBREVIATIONS, _SENTENCE_END, _ends, sentences, sentences_around
from enkrypt_middleware.detectors._toxicity_rules import group_string
from enkrypt_middleware.detectors.base import Located
from enkrypt_middleware.detectors.bias import BiasConfig, BiasDetector, find_bias

# text, expected debiased text
BIASED: list[tuple[str, str]] = [
    ("Women are bad drivers.", "Some women are bad drivers."),
    ("All immigrants are criminals.", "Some immigrants are criminals."),
    ("Most women are too emotional to lead.", "Some women are too emotional to lead."),
    ("Women are naturally nurturing.", "Some women are nurturing."),
    ("Muslims are terrorists.", "Some Muslims are terrorists."),
    ("The elderly are a burden on society.", "Some of the elderly are a burden on society."),
    ("Women can't drive.", ""),
    ("Immigrants shouldn't be allowed to vote.", ""),
    ("Gay people don't belong in the military.", ""),
    ("A woman's place is in the kitchen.", ""),
    ("Typical woman driver!", ""),
    ("He throws like a girl.", ""),
]

NOT_BIASED = [
    "Women were denied the vote until 1920.",
    "It's wrong to say all immigrants are criminals.",
    "Not all men are violent.",
    "Women are not inferior to men.",
    "According to the census, 20% of immigrants are self-employed.",
    "The stereotype that women are bad drivers is not supported by evidence.",
    "Black people are welcome here.",
    "Immigrants built this country.",
    "I love my mother and my grandmother.",
    "Many Muslims fast during Ramadan.",
    "Can you recommend a good science fiction book?",
]


@pytest.mark.parametrize(("text", "debiased"), BIASED, ids=[t for t, _ in BIASED])
def test_generalisations_fire_with_a_neutral_rewrite(text: str, debiased: str) -> None:
    finding = BiasDetector().detect(text)
    assert finding.detected is True
    assert [(s.start, s.end) for s in finding.spans] == [(0, len(text))]
    assert finding.details["debiased_text"] == debiased


@pytest.mark.parametrize("text", NOT_BIASED)
def test_factual_and_anti_bias_statements_do_not_fire(text: str) -> None:
    assert BiasDetector().detect(text).detected is False


def test_only_the_biased_sentence_is_reported_and_rewritten() -> None:
    text = "The weather is nice. Old people are useless with technology. Thanks!"
    score, spans, debiased = find_bias(text)
    assert score >= 0.5
    assert [text[a:b] for a, b in spans] == ["Old people are useless with technology."]
    assert debiased == "The weather is nice. Some old people are useless with technology. Thanks!"


def test_enkrypt_shape() -> None:
    detector = BiasDetector()
    texts = ["Hello there.", "Women can't drive. Drive safely!"]
    located = [Located(path=f"m[{i}]", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(located)
    assert report.summary == {"bias": 1}
    assert report.details == {
        "bias_detected": True,
        "biased_text": "Women can't drive.",
        "debiased_text": "Drive safely!",
    }
    clean = detector.report([Located(path="m", text="Hello", finding=detector.detect("Hello"))])
    assert clean.summary == {"bias": 0}
    assert clean.details == {"bias_detected": False, "biased_text": "", "debiased_text": ""}


def test_threshold_from_config_changes_the_verdict() -> None:
    text = "Women are bad drivers."  # a descriptive generalisation scores 0.75
    assert BiasConfig().build().detect(text).detected is True
    assert BiasConfig(threshold=0.8).build().detect(text).detected is False
    assert BiasConfig(threshold=0.8).build().detect("All women are bad drivers.").detected is True
    assert BUILTIN_DETECTORS["bias"] is BiasConfig


def test_long_sentences_are_read_in_clauses() -> None:
    text = ", ".join(["the committee met again"] * 60) + ", and women are bad drivers."
    assert BiasDetector().detect(text).detected is True


# --- the faster paths find what the plain ones found (issue 5) -----------------------------------------------------

_PATTERNS = ("_REPORTED", "_PRESCRIPTIVE", "_STATISTICAL", "_QUANTIFIED", "_BY_NATURE", "_TYPICAL", "_TRAIT")


@pytest.mark.parametrize("name", [*_PATTERNS, "_NEGATED_TRAIT"])
def test_spaced_patterns_match_the_sentences_the_plain_ones_match(name: str) -> None:
    source = getattr(bias, name)
    words = sorted(set(re.findall(r"[a-z0-9]+", " ".join(getattr(bias, other) for other in _PATTERNS))))
    words += ["x", "1", "the"] + ["xgroupx are", "xgroupx is", "all xgroupx are", "most of xgroupx are"] * 40
    words += ["xgroupx are not", "xgroupx are all", "xgroupx cant", "a woman should", "like a girl"] * 40
    rng = random.Random(2)
    matched = 0
    for _ in range(4000):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        expected = re.search(source, sentence) is not None
        assert (bias._spaced(source).search(" " + sentence) is not None) is expected, sentence
        matched += expected
    assert matched


def test_candidates_hold_every_clause_with_a_group_word() -> None:
    pieces = ["Women", "women's", "wo'men", "old", "bold", "Old people", "men", "comment", "are bad drivers", "."]
    pieces += [". ", "! ", "? ", ", ", "; ", "\n\n", " ", "'", "e.g. ", "Dr. ", "immigrants", "xmen", "men1", "é"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        if rng.random() < 0.1:
            text = text * 30  # long sentences, cut into clauses
        clauses = bias._clauses(text, sentences(text))
        words = bias._GATE.intersection(tokenize(text))
        gated = [clause for clause in clauses if not bias._GATE.isdisjoint(tokenize(text[clause[0] : clause[1]]))]
        candidates = bias._candidates(text, words)
        assert set(gated) <= set(candidates), text
        assert candidates == sorted(set(candidates))


_PLAIN_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n\s*\n|\n(?=\s*(?:[-*\u2022]|\d+[.)])\s)")


def test_sentence_ends_are_found_as_by_the_plain_pattern() -> None:
    pieces = [".", "!", "?", "\n", " ", "\t", "a", "b", '"', "'", ")", "]", "-", "*", "\u2022", "1", "e.g.", "Dr."]
    pieces += ["U.S.", "\r", "\u2028", "\u3000", "\n\n", "..."]
    rng = random.Random(4)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        expected = [(match.span(), match.group()) for match in _PLAIN_SENTENCE_END.finditer(text)]
        assert [(match.span(), match.group()) for match in _SENTENCE_END.finditer(text)] == expected, text


def _sequential_sentences(text: str) -> list[tuple[int, int]]:
    """``sentences`` as first written: every candidate end decided by the last word since the last kept end."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group()[0] == ".":
            before = text[start : match.start()].rsplit(None, 1)
            last = before[-1].lower() if before else ""
            if "." in last or len(last) == 1 or last in _ABBREVIATIONS:
                continue
        span = text[start:end]
        if span.strip():
            spans.append((start + len(span) - len(span.lstrip()), end - len(span) + len(span.rstrip())))
        start = end
    span = text[start:]
    if span.strip():
        spans.append((start + len(span) - len(span.lstrip()), len(text) - len(span) + len(span.rstrip())))
    return spans


_SENTENCE_PIECES = ["a", "word", "Dr", "e.g", "U.S", "J", " ", " ", "  ", "\n", "\n\n", "\n- ", "\n1. ", ".", ".", "!"]
_SENTENCE_PIECES += ["?", "...", '"', "'", ")", "]", "\t", "\u00a0", "\u2003", "x.y", "etc", "mr", "-", "\u2022", "no"]


def test_sentences_decided_pairwise_are_the_sequential_ones() -> None:
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(_SENTENCE_PIECES) for _ in range(rng.randint(0, 40)))
        assert sentences(text) == _sequential_sentences(text), text


def test_sentences_around_positions_are_those_of_the_whole_text() -> None:
    rng = random.Random(6)
    for size in [40] * 3000 + [1500] * 300:  # long texts are read from fresh points before each position
        text = "".join(rng.choice(_SENTENCE_PIECES) for _ in range(rng.randint(0, size)))
        positions = rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 6)))
        ends = [0, *_ends(text, 0), len(text)]
        expected: set[tuple[int, int]] = set()
        for position in positions:
            index = min(bisect_right(ends, position), len(ends) - 1)
            expected.update(span for span in sentences(text) if ends[index - 1] <= span[0] < ends[index])
        assert sentences_around(text, positions) == sorted(expected), (text, positions)


# --- issue 5: sentences that cannot generalise skip the patterns, apostrophes are separators ---------------------

_SCORING = ("_PRESCRIPTIVE", "_QUANTIFIED", "_BY_NATURE", "_TYPICAL", "_TRAIT")


def test_a_sentence_a_scoring_pattern_matches_may_generalise() -> None:
    # _classify returns 0 without trying the patterns when _may_generalise says none of them can match
    words = sorted(set(re.findall(r"[a-z0-9]+", " ".join(getattr(bias, name) for name in _PATTERNS))))
    words += ["xgroupx"] * 60 + ["the", "a", "s", "place", "is", "like", "girl", "typical", "should", "cant"]
    rng = random.Random(7)
    matched = 0
    for _ in range(60000):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        if any(bias._spaced(getattr(bias, name)).search(" " + sentence) for name in _SCORING):
            assert bias._may_generalise(" " + sentence), sentence
            matched += 1
    assert matched > 100
    assert not bias._may_generalise(" the xgroupx who ran the mills")


def _plain_find_bias(text: str) -> tuple[float, list[tuple[int, int]], str]:
    """``find_bias`` reading every clause of the text (no candidates, no gate on the patterns)."""
    best = 0.0
    spans: list[tuple[int, int]] = []
    pieces: list[str] = []
    pos = 0
    for start, end in bias._clauses(text, sentences(text)):
        sentence = text[start:end]
        tokens = tokenize(sentence)
        if bias._GATE.isdisjoint(tokens):
            continue
        spaced = " " + group_string(tokens)
        score, prescriptive = 0.0, False
        if bias._spaced(bias._REPORTED).search(spaced):
            pass
        elif bias._spaced(bias._PRESCRIPTIVE).search(spaced):
            score, prescriptive = 0.9, True
        elif "%" in sentence or bias._spaced(bias._STATISTICAL).search(spaced):
            pass
        elif bias._spaced(bias._QUANTIFIED).search(spaced):
            score = 0.9
        elif bias._spaced(bias._BY_NATURE).search(spaced) or bias._spaced(bias._TYPICAL).search(spaced):
            score, prescriptive = 0.75, bias._spaced(bias._TYPICAL).search(spaced) is not None
        elif bias._spaced(bias._TRAIT).search(spaced) and not bias._spaced(bias._NEGATED_TRAIT).search(spaced):
            score = 0.75
        if not score:
            continue
        best = max(best, score)
        spans.append((start, end))
        pieces.append(text[pos:start])
        if not prescriptive:
            pieces.append(bias._neutralise(sentence))
        pos = end
    if not spans:
        return 0.0, [], ""
    pieces.append(text[pos:])
    return best, spans, " ".join("".join(pieces).split())


def test_find_bias_is_the_reading_of_every_clause() -> None:
    pieces = ["Women", "women's", "wom'en", "'women", "women'", "old", "Old people", "men", "are", "bad", "drivers"]
    pieces += ["all", "most", "immigrants", "can't", "shouldn't", "vote", "the", "elderly", "typical", "woman", "told"]
    pieces += ["like a girl", "place is", "a", "'", "''", "should", "stay home", "lazy", "not all", "stereotype", "is"]
    pieces += [
        "naturally",
        "Muslims",
        "black",
        "people.",
        ".",
        ", ",
        "! ",
        "? ",
        "\n",
        " ",
        "e.g.",
        "Dr.",
        "study",
        "%",
    ]
    rng = random.Random(8)
    found = 0
    for _ in range(6000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        text = (text + ".")[:-1]  # a fresh object: nothing kept for it
        expected = _plain_find_bias(text)
        assert find_bias(text) == expected, text
        found += bool(expected[1])
    assert found > 300
