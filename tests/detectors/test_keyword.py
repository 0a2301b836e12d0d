from __future__ import annotations

import pydantic
import pytest

from enkrypt_middleware.detectors.base import Finding, Located, Span
from enkrypt_middleware.detectors.keyword import KeywordDetector, KeywordDetectorConfig

KEYWORDS = ["kill", "killer", "bomb", "fire", "Silver Phoenix", "XYZ", "c++", "#tag", "straße", "don't"]
#: Enough extra keywords to switch the detector from its substring gate to its word-set gate.
FILLER = [f"filler{i}" for i in range(20)] + ["a$$", "f@ck", "東京"]

# text, expected (keyword as configured, the original text it covers) in order
CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("plain", "I will kill you", [("kill", "kill")]),
    ("case", "KILL it. Kill it!", [("kill", "KILL"), ("kill", "Kill")]),
    ("word boundary inside", "a skill and skills", []),
    ("word boundary after", "killing time", []),
    ("longest first", "a killer and a kill", [("killer", "killer"), ("kill", "kill")]),
    ("neither killers", "killers", []),
    ("multi-word", "Silver Phoenix", [("Silver Phoenix", "Silver Phoenix")]),
    ("multi-word any whitespace", "silver \n\t phoenix", [("Silver Phoenix", "silver \n\t phoenix")]),
    ("multi-word nbsp", "Silver\u00a0Phoenix", [("Silver Phoenix", "Silver\u00a0Phoenix")]),
    ("multi-word needs both", "silver phoenixes", []),
    ("symbols", "I love c++ and #tag", [("c++", "c++"), ("#tag", "#tag")]),
    ("apostrophe", "Don't!", [("don't", "Don't")]),
    ("punctuation around", "(bomb), 'bomb'.", [("bomb", "bomb"), ("bomb", "bomb")]),
    ("full-width", "ｋｉｌｌ them", [("kill", "ｋｉｌｌ")]),
    ("ligature", "open \ufb01re", [("fire", "\ufb01re")]),
    ("zero-width space", "b\u200bomb", [("bomb", "b\u200bomb")]),
    ("zero-width non-joiner", "bo\u200cmb", [("bomb", "bo\u200cmb")]),
    ("zero-width joiner", "bom\u200db", [("bomb", "bom\u200db")]),
    ("word joiner", "b\u2060o\u2060m\u2060b", [("bomb", "b\u2060o\u2060m\u2060b")]),
    ("byte-order mark", "\ufeffbomb", [("bomb", "bomb")]),
    ("soft hyphen", "bo\u00admb", [("bomb", "bo\u00admb")]),
    ("combining underline", "k\u0332i\u0332l\u0332l\u0332 now", [("kill", "k\u0332i\u0332l\u0332l\u0332")]),
    ("precomposed accent", "a bómb", [("bomb", "bómb")]),
    ("combining accent", "a bo\u0301mb", [("bomb", "bo\u0301mb")]),
    ("cyrillic lookalikes", "XYZ and КILL", [("XYZ", "XYZ"), ("kill", "КILL")]),
    (
        "mathematical letters",
        "\U0001d41b\U0001d428\U0001d426\U0001d41b",
        [("bomb", "\U0001d41b\U0001d428\U0001d426\U0001d41b")],
    ),
    ("sharp s", "STRASSE and Straße", [("straße", "STRASSE"), ("straße", "Straße")]),
    ("offsets after non-ascii", "é日本 bomb ü", [("bomb", "bomb")]),
    ("no keyword", "A perfectly ordinary sentence.", []),
]


@pytest.mark.parametrize("keywords", [KEYWORDS, KEYWORDS + FILLER], ids=["few", "many"])
@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_detect(keywords: list[str], text: str, expected: list[tuple[str, str]]) -> None:
    finding = KeywordDetector(keywords).detect(text)
    assert [(span.label, text[span.start : span.end]) for span in finding.spans] == expected
    assert finding.detected is bool(expected)
    assert finding.score == (1.0 if expected else 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a$$ and f@ck in 東京", [("a$$", "a$$"), ("f@ck", "f@ck"), ("東京", "東京")]),
        ("F@CK", [("f@ck", "F@CK")]),
        ("filler7 filler70", [("filler7", "filler7")]),
        ("fillers and a$ and f@", []),
    ],
)
def test_detect_large_list(text: str, expected: list[tuple[str, str]]) -> None:
    finding = KeywordDetector(KEYWORDS + FILLER).detect(text)
    assert [(span.label, text[span.start : span.end]) for span in finding.spans] == expected


def test_no_keywords_detects_nothing() -> None:
    assert KeywordDetector([]).detect("kill bomb") == Finding(detected=False)


def _located(detector: KeywordDetector, *texts: str) -> list[Located]:
    return [Located(path=f"messages[{i}].content", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]


def test_report_counts_numbers_and_redacts_across_texts() -> None:
    detector = KeywordDetector(["XYZ", "Silver Phoenix", "Global Enterprises"])
    findings = _located(
        detector,
        "Deal between Silver Phoenix and XYZ.",
        "Nothing here.",
        "xyz again, then Global  Enterprises and silver phoenix.",
    )
    report = detector.report(findings)
    assert report.detected is True
    assert report.summary == {"keyword_detected": 3}
    assert report.details == {
        "detected_keywords": ["Silver Phoenix", "XYZ", "Global Enterprises"],
        "detected_counts": {"Silver Phoenix": 2, "XYZ": 2, "Global Enterprises": 1},
        "redacted_text": "Deal between [KEYWORD_1] and [KEYWORD_2].\n"
        "Nothing here.\n"
        "[KEYWORD_2] again, then [KEYWORD_3] and [KEYWORD_1].",
    }


def test_report_with_unicode_spans_redacts_the_original_characters() -> None:
    detector = KeywordDetector(["bomb"])
    report = detector.report(_located(detector, "a b\u200bómb\u0332 here"))
    assert report.details["redacted_text"] == "a [KEYWORD_1] here"


def test_report_nothing_found() -> None:
    detector = KeywordDetector(["bomb"])
    report = detector.report(_located(detector, " Hello! How can I help?"))
    assert report.detected is False
    assert report.summary == {"keyword_detected": 0}
    assert report.details == {
        "detected_keywords": [],
        "detected_counts": {},
        "redacted_text": " Hello! How can I help?",
    }


def test_report_numbers_by_label_from_spans() -> None:
    # report() works from spans alone, as the engine may hand over findings it did not get from detect().
    detector = KeywordDetector(["a", "b"])
    finding = Finding(detected=True, spans=(Span(start=0, end=1, label="b"), Span(start=2, end=3, label="a")))
    report = detector.report([Located(path="p", text="b a b", finding=finding)])
    assert report.details["redacted_text"] == "[KEYWORD_1] [KEYWORD_2] b"
    assert report.details["detected_keywords"] == ["b", "a"]


def test_config_builds_detector() -> None:
    config = KeywordDetectorConfig(banned_keywords=["Kill", "kill", "bomb"], block_message="No.")
    assert config.name == "keyword_detector"
    detector = config.build()
    assert detector.name == "keyword_detector"
    assert detector.inline is True
    assert detector.keywords == ("Kill", "bomb")  # the same keyword folded twice is kept once
    assert detector.block_message == "No."
    assert KeywordDetectorConfig().build().block_message == KeywordDetector.DEFAULT_BLOCK_MESSAGE
    assert KeywordDetectorConfig().banned_keywords == []


@pytest.mark.parametrize("bad", ["", "   ", "\u200b", "\u00ad\u200d", "\u0301"])
def test_config_rejects_empty_keywords(bad: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=r"banned_keywords\[1\]"):
        KeywordDetectorConfig(banned_keywords=["ok", bad])
