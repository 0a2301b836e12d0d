from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from enkrypt_middleware.detectors.base import Located
from enkrypt_middleware.detectors.copyright import PASSAGE, CopyrightConfig, CopyrightDetector, CopyrightIndex

# Public-domain texts stand in for protected works.
RAVEN = (
    "Once upon a midnight dreary, while I pondered, weak and weary, over many a quaint and curious volume of "
    "forgotten lore, while I nodded, nearly napping, suddenly there came a tapping, as of some one gently "
    "rapping, rapping at my chamber door. 'Tis some visitor, I muttered, tapping at my chamber door, only "
    "this and nothing more."
)
PRIDE = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
    "of a wife. However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered "
    "the rightful property of some one or other of their daughters."
)
MOBY = (
    "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and "
    "nothing particular to interest me on shore, I thought I would sail about a little and see the watery part "
    "of the world. It is a way I have of driving off the spleen and regulating the circulation."
)


@pytest.fixture(scope="module")
def detector() -> CopyrightDetector:
    return CopyrightConfig(corpus=[RAVEN, PRIDE, MOBY]).build()


COPIES = [
    ("verbatim", RAVEN, "corpus[0]"),
    ("inside an answer", f"Here is the poem you asked for:\n\n{PRIDE}\n\nI hope that helps!", "corpus[1]"),
    ("whitespace and line breaks", "\n".join(MOBY.split(", ")), "corpus[2]"),
    ("punctuation and case", RAVEN.upper().replace(",", "").replace(".", " !"), "corpus[0]"),
    (
        "small edits",
        PRIDE.replace("universally", "widely").replace("good fortune", "large fortune").replace("wife", "spouse"),
        "corpus[1]",
    ),
    ("unicode lookalikes", MOBY.replace("a", "\u0430").replace("Ishmael", "Ｉｓｈｍａｅｌ"), "corpus[2]"),
    ("half of it", " ".join(MOBY.split()[:35]), "corpus[2]"),
]


@pytest.mark.parametrize(("answer", "document"), [c[1:] for c in COPIES], ids=[c[0] for c in COPIES])
def test_copies_are_found(detector: CopyrightDetector, answer: str, document: str) -> None:
    finding = detector.detect(answer)
    assert finding.detected is True
    assert finding.details["similarity_score"] >= 0.5
    assert finding.details["matched_document"] == document


ORIGINAL = [
    ("unrelated", "The mitochondria is the powerhouse of the cell; it produces most of the cell's ATP."),
    ("same subject, own words", "In Poe's poem a tired scholar reading old books at night hears a knock at his door."),
    ("common phrases", "Once upon a time, it is a truth that the world is a big place, and some one of us knows it."),
    ("short quote", "As Melville wrote: call me Ishmael."),
    ("empty", ""),
]


@pytest.mark.parametrize("answer", [c[1] for c in ORIGINAL], ids=[c[0] for c in ORIGINAL])
def test_original_text_passes(detector: CopyrightDetector, answer: str) -> None:
    finding = detector.detect(answer)
    assert finding.detected is False
    assert finding.details["similarity_score"] < 0.5


def test_details_never_quote_the_protected_text(detector: CopyrightDetector) -> None:
    finding = detector.detect(RAVEN)
    assert set(finding.details) == {"similarity_score", "matched_document", "copied_words"}
    assert finding.details["copied_words"] >= 50


def test_long_documents_are_split_into_passages_and_a_passage_of_a_book_is_found() -> None:
    book = " ".join(f"Chapter {i}. " + MOBY.replace("Ishmael", f"Ishmael{i}") for i in range(60))
    detector = CopyrightDetector(CopyrightIndex([("moby.txt", book)]))
    assert len(detector.index.passages) > 1
    assert all(len(p.split()) <= PASSAGE for p in detector.index.passages)
    middle = " ".join(book.split()[2000:2060])  # 60 copied words of a long book
    finding = detector.detect(f"Some background first. {middle} That is all.")
    assert finding.detected is True
    assert finding.details["matched_document"].startswith("moby.txt#")


def test_corpus_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "works").mkdir()
    (tmp_path / "works" / "raven.txt").write_text(RAVEN, encoding="utf-8")
    (tmp_path / "works" / "nested").mkdir()
    (tmp_path / "works" / "nested" / "pride.md").write_text(PRIDE, encoding="utf-8")
    (tmp_path / "moby.txt").write_text(MOBY, encoding="utf-8")
    detector = CopyrightConfig(corpus_files=[str(tmp_path / "works"), str(tmp_path / "moby.txt")]).build()
    assert len(detector.index) == 3
    assert detector.detect(PRIDE).details["matched_document"] == str(tmp_path / "works" / "nested" / "pride.md")
    assert detector.detect(MOBY).details["matched_document"] == str(tmp_path / "moby.txt")


def test_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs `corpus` or `corpus_files`"):
        CopyrightConfig()
    with pytest.raises(ValueError, match="cannot read corpus file"):
        CopyrightConfig(corpus_files=[str(tmp_path / "missing.txt")]).build()
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00 not utf-8")
    with pytest.raises(ValueError, match="not UTF-8"):
        CopyrightConfig(corpus_files=[str(tmp_path / "binary.bin")]).build()


def test_threshold_and_min_match_words() -> None:
    quote = " ".join(RAVEN.split()[:20])
    default = CopyrightConfig(corpus=[RAVEN]).build()
    assert default.detect(quote).score == 1.0  # all of it copied
    assert CopyrightConfig(corpus=[RAVEN], min_match_words=40).build().detect(quote).score == pytest.approx(0.5)
    assert CopyrightConfig(corpus=[RAVEN], threshold=0.9, min_match_words=30).build().detect(quote).detected is False


def test_report_has_enkrypt_shape(detector: CopyrightDetector) -> None:
    texts = ["Nothing to see here.", MOBY]
    findings = [Located(f"choices[{i}].message.content", t, detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(findings)
    assert report.detected is True
    assert report.summary == {"copyright_ip_similarity": 1}
    assert report.details["similarity_score"] == 1.0
    assert detector.report(findings[:1]).summary == {"copyright_ip_similarity": 0}
