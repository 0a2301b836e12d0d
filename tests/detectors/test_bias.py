from __future__ import annotations

import random
import re
import time
from bisect import bisect_right

import pytest

from enkrypt_middleware.detectors import BUILTIN_DETECTORS, bias
from enkrypt_middleware.detectors._groups import GROUP_ADJECTIVES, GROUP_NOUNS, PEOPLE_NOUNS
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


# --- only the clauses around a run of tokens that a scoring pattern needs are read ---------------------------------

_RUN_WORDS = sorted(
    {*re.findall(r"[a-z0-9]+", " ".join(getattr(bias, name) for name in _SCORING)), *bias._LEADS, *PEOPLE_NOUNS}
)


def _holds_a_run(tokens: list[str]) -> bool:
    """Whether ``tokens`` hold one of ``bias._RUNS`` (or "girl"), read on the token list itself."""
    for i, token in enumerate(tokens):
        for first, rest in bias._RUNS:
            if token in first and all(
                i + k < len(tokens) and tokens[i + k] in words for k, words in enumerate(rest, 1)
            ):
                return True
    return False


def _spell(tokens: list[str], rng: random.Random) -> str:
    """``tokens`` written as a text that ``tokenize`` reads back as them: cases, apostrophes, separators."""
    out = []
    for token in tokens:
        if rng.random() < 0.2:
            token = token.upper() if rng.random() < 0.5 else token.capitalize()
        if rng.random() < 0.15 and len(token) > 1:
            cut = rng.randrange(1, len(token))
            token = token[:cut] + "'" * rng.randint(1, 2) + token[cut:]
        if rng.random() < 0.1:
            token = "'" + token if rng.random() < 0.5 else token + "'"
        out.append(token)
    separators = [" ", " ", " ", "  ", "-", "_", "/", " ' ", "\t", '"', "("]
    return "".join(token + rng.choice(separators) for token in out).rstrip() + "."


def test_every_match_of_a_scoring_pattern_holds_a_run() -> None:
    # the argument of ``_run_starts``: each scoring alternative needs one of the runs, read on the tokens
    rng = random.Random(9)
    words = _RUN_WORDS + ["xgroupx", "women", "the", "a", "s", "are", "is", "black", "people", "woman", "all"] * 25
    matched = 0
    for _ in range(200_000):
        tokens = [rng.choice(words) for _ in range(rng.randint(1, 8))]
        spaced = " " + group_string(tokens)
        if any(bias._spaced(getattr(bias, name)).search(spaced) for name in _SCORING):
            assert _holds_a_run(tokens), tokens
            matched += 1
    assert matched > 1500


def test_runs_are_found_in_the_text_as_on_its_tokens() -> None:
    rng = random.Random(10)
    words = _RUN_WORDS + ["the", "x", "of", "and"] * 30
    found = 0
    for _ in range(20000):
        tokens = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        text = _spell(tokens, rng)
        assert tokenize(text) == tokens, text
        starts = bias._run_starts(text, frozenset(tokens))
        assert bool(starts) is _holds_a_run(tokens), text
        assert all(text[start].isalnum() for start in starts), text
        found += bool(starts)
    assert found > 800


_GENERALISING_TEMPLATES = [
    "{g} are lazy",
    "all {g} are criminals",
    "most of the {g} are bad drivers",
    "{g} are naturally nurturing",
    "{g} can't drive",
    "{g} shouldn't vote",
    "{g} don't belong in the military",
    "typical {s}",
    "a {s}'s place is in the kitchen",
    "a {s} should obey",
    "he throws like a girl",
    "the {a} {p} are useless with technology",
    "not all {g} are violent",
    "{g} are not inferior",
    "according to a study, {g} are smart",
    "the {g} who ran the mills",
    "the {a} market hall",
]


def _generalisations(rng: random.Random, count: int) -> list[str]:
    singular = bias._SINGULAR.split("|")
    texts = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(1, 5)):
            template = rng.choice(_GENERALISING_TEMPLATES)
            sentence = template.format(
                g=rng.choice(GROUP_NOUNS),
                s=rng.choice(singular),
                a=rng.choice(GROUP_ADJECTIVES),
                p=rng.choice(PEOPLE_NOUNS),
            )
            if rng.random() < 0.3:
                sentence = sentence.upper() if rng.random() < 0.2 else sentence.capitalize()
            sentences.append(sentence + rng.choice([". ", "! ", "? ", ", ", "; ", "\n\n", " "]))
        filler = "The committee met again and the weather was nice. " * rng.randint(0, 3)
        texts.append(filler + "".join(sentences) + filler)
    return texts


def _real_texts() -> list[str]:
    import csv
    from pathlib import Path

    texts: list[str] = []
    for path in sorted(Path("/work/shared/data/toxicity").glob("*_val.csv")):
        with path.open(newline="", encoding="utf-8") as rows:
            texts += [row["text"] for row in csv.DictReader(rows)][:3000]
    return texts


def test_find_bias_is_the_reading_of_every_clause_on_generated_and_real_texts() -> None:
    from eval.toxicity import BIAS_SET

    rng = random.Random(12)
    real = _real_texts()
    texts = [*_generalisations(rng, 3000), *(text for text, _ in BIAS_SET), *real]
    texts += [" ".join(rng.sample(real, min(len(real), 30))) for _ in range(60 if real else 0)]
    biased = 0
    for text in texts:
        text = (text + ".")[:-1]  # a fresh object: nothing kept for it
        expected = _plain_find_bias(text)
        assert find_bias(text) == expected, text
        biased += bool(expected[1])
    assert biased > 1500


HOSTILE = {
    "apostrophes after a group": "women " + "'" * 200_000,
    "separators after a group": "old" + " ,-" * 100_000 + "people",
    "groups in a row": "old people women are " * 20_000,
    "apostrophes inside": "wom'en ar'e " * 20_000,
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_runs_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    BiasDetector().detect(text)
    assert time.perf_counter() - started < 2.0
