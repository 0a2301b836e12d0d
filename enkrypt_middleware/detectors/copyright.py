"""``copyright_ip``: answers that reproduce protected texts from a configured corpus.

The corpus is given as ``corpus`` (strings) and/or ``corpus_files`` (files, or directories whose files
are all read, recursively; UTF-8). It is indexed once, when the configuration is compiled:

- every text becomes lower-case word tokens (punctuation, case, whitespace and Unicode lookalikes
  ignored), cut into passages of at most 1,000 words (overlapping by 50), then 4-word shingles, each
  hashed (CRC-32 of its words: the same in every process, so every worker finds the same copies);
- a quarter of the shingle hashes, chosen by their value (``hash % 4 == 0``), are the document's
  fingerprints; the same choice on an answer picks the same shingles, so shared text shares
  fingerprints (a copied run of 15 words has 12 shingles: it is missed by chance 3 % of the time, a run
  of 30 words 0.04 %);
- a dict maps each fingerprint to the passages that have it; fingerprints found in more than 64
  passages (common phrases) are dropped, and answers' stop-word-only shingles are never looked up.

Per answer: its fingerprints are looked up (a few dict lookups per 100 words), the three passages
sharing most of them are verified exactly: the answer's words covered by 4-word shingles the passage
also has, gaps of up to two words between covered stretches filled in (a changed, added or dropped word
inside a copied passage). ``similarity_score`` is the highest, over those passages, of

- the share of the answer copied from the passage,
- the share of the passage present in the answer (copied words over the passage's length),
- the copied word count over 100 (a 50-word passage of a long book counts 0.5),

scaled down when fewer than ``min_match_words`` (default 15) words are copied. Fires
(``summary.copyright_ip_similarity: 1``) at or above ``threshold`` (default 0.5). Details name the
matched document (``matched_document``: ``corpus[i]`` or the file path, ``#n`` for its n-th passage when
it has several) and the number of ``copied_words``; they never quote it.
``similarity_score`` is a float here (the seed's schema types it integer).

Limits: this finds copies, not paraphrases or translations; a copied run shorter than about 15 words may
have no fingerprint and go unseen; hash collisions only add candidates (verification compares the words
themselves); the corpus stays in memory (its normalised text, for verification): about 4.5 times its
size in all (bench/copyright.py: 93 MB for 20 MB of text).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ._common import DetectorConfig
from ._normalize import fold
from ._text import FILLERS, STOPWORDS
from .base import Finding, Located, Report

__all__ = ["CopyrightConfig", "CopyrightDetector", "CopyrightIndex"]

SHINGLE = 4
SAMPLE = 4  # one shingle in SAMPLE becomes a fingerprint (by hash value)
MAX_DOCUMENT_FREQUENCY = 64
_CANDIDATES = 3
PASSAGE = 1000
_OVERLAP = 50
_GAP = 2
_WORDS_FOR_FULL = 100
_DEFAULT_THRESHOLD = 0.5


class CopyrightConfig(DetectorConfig):
    """Options of the ``copyright_ip`` detector (``threshold`` defaults to 0.5)."""

    name: Literal["copyright_ip"] = "copyright_ip"
    corpus: list[str] = Field(default_factory=list, description="Protected texts.")
    corpus_files: list[str] = Field(
        default_factory=list,
        description="Files with protected texts (UTF-8), or directories whose files are all read, recursively.",
    )
    min_match_words: int = Field(
        default=15, ge=1, description="Fewer copied words than this scale the score down proportionally."
    )

    @model_validator(mode="after")
    def _needs_a_corpus(self) -> CopyrightConfig:
        if self.enabled and not self.corpus and not self.corpus_files:
            raise ValueError("copyright_ip needs `corpus` or `corpus_files`: the protected texts to compare with")
        return self

    def build(self) -> CopyrightDetector:
        documents: list[tuple[str, str]] = [(f"corpus[{i}]", text) for i, text in enumerate(self.corpus)]
        for entry in self.corpus_files:
            documents.extend(_read(Path(entry)))
        return CopyrightDetector(
            CopyrightIndex(documents),
            threshold=_DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            min_match_words=self.min_match_words,
            block_message=self.block_message,
        )


def _read(path: Path) -> list[tuple[str, str]]:
    """(name, text) of a file, or of every file under a directory; raises ValueError naming what failed."""
    try:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            return [(str(p), p.read_text(encoding="utf-8")) for p in files]
        return [(str(path), path.read_text(encoding="utf-8"))]
    except UnicodeDecodeError:
        raise ValueError(f"corpus file under {str(path)!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"cannot read corpus file {str(path)!r}: {exc.strerror}") from None


def _table() -> dict[int, str]:
    table = {i: " " for i in range(128)}
    for char in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(char)] = char
    for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(char)] = char.lower()
    return table


_ASCII_WORDS = _table()
_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-case alphanumeric words; everything else separates them."""
    if text.isascii():
        return text.translate(_ASCII_WORDS).split()
    return _WORD.findall(fold(text))


_COMMON = STOPWORDS | FILLERS
Shingle = tuple[str, ...]


def _grams(words: Sequence[str]) -> list[Shingle]:
    return list(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


def _hashes(grams: Iterable[Shingle]) -> Iterator[int]:
    """CRC-32 of each shingle's words joined by spaces (C-level maps: no Python call per shingle)."""
    return map(zlib.crc32, map(str.encode, map(" ".join, grams)))


def _telling(grams: Iterable[Shingle]) -> set[Shingle]:
    """The shingles that are not stop words only ("it was one of")."""
    common = _COMMON.issuperset
    return {gram for gram in grams if not common(gram)}


class CopyrightIndex:
    """Fingerprints of the protected documents -> the documents that have them. Built once."""

    __slots__ = ("documents", "fingerprints", "names", "passages")

    def __init__(self, documents: Iterable[tuple[str, str]]) -> None:
        self.names: list[str] = []
        self.passages: list[str] = []
        """Each passage's words joined by single spaces (what verification reads)."""
        self.documents = 0
        index: dict[int, int | list[int]] = {}
        for name, text in documents:
            self.documents += 1
            words = tokens(text)
            starts = range(0, max(1, len(words) - _OVERLAP), PASSAGE - _OVERLAP)
            for part, start in enumerate(starts):
                passage = words[start : start + PASSAGE]
                number = len(self.names)
                self.names.append(name if len(starts) == 1 else f"{name}#{part + 1}")
                self.passages.append(" ".join(passage))
                for h in {h for h in _hashes(_grams(passage)) if not h % SAMPLE}:
                    found = index.get(h)
                    if found is None:
                        index[h] = number
                    elif isinstance(found, int):
                        index[h] = [found, number]
                    else:
                        found.append(number)
        self.fingerprints: dict[int, int | tuple[int, ...]] = {}
        for h, found in index.items():
            if isinstance(found, int):
                self.fingerprints[h] = found
            elif len(found) <= MAX_DOCUMENT_FREQUENCY:
                self.fingerprints[h] = tuple(found)

    def __len__(self) -> int:
        return self.documents

    def candidates(self, shingles: Iterable[Shingle]) -> list[int]:
        """Passages sharing fingerprints with these shingles, most shared first (at most three)."""
        counts: dict[int, int] = {}
        lookup = self.fingerprints.get
        for h in {h for h in _hashes(shingles) if not h % SAMPLE}:
            found = lookup(h)
            if found is None:
                continue
            if isinstance(found, int):
                counts[found] = counts.get(found, 0) + 1
            else:
                for number in found:
                    counts[number] = counts.get(number, 0) + 1
        return sorted(counts, key=lambda n: (-counts[n], n))[:_CANDIDATES]


def _covered(words: Sequence[str], shared: set[Shingle]) -> int:
    """Words of ``words`` inside shared shingles, with gaps of up to _GAP words between them filled."""
    marks = bytearray(len(words))
    for i, gram in enumerate(_grams(words)):
        if gram in shared:
            marks[i : i + SHINGLE] = b"\x01" * SHINGLE
    count = 0
    last = -1
    for position, mark in enumerate(marks):
        if mark:
            if 0 <= last < position - 1 and position - last - 1 <= _GAP:
                count += position - last - 1
            count += 1
            last = position
    return count


class CopyrightDetector:
    """See the module docstring. Sync and fast (well under a millisecond per answer): runs inline."""

    name = "copyright_ip"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Copyrighted or protected content detected"

    def __init__(
        self,
        index: CopyrightIndex,
        *,
        threshold: float = _DEFAULT_THRESHOLD,
        min_match_words: int = 15,
        block_message: str | None = None,
    ) -> None:
        self.index = index
        self.threshold = threshold
        self.min_match_words = min_match_words
        self.block_message = block_message or self.DEFAULT_BLOCK_MESSAGE

    def detect(self, text: str) -> Finding:
        words = tokens(text)
        if len(words) < SHINGLE:
            return Finding(detected=False, details={"similarity_score": 0.0})
        best = 0.0
        matched: str | None = None
        copied_words = 0
        answer = _telling(_grams(words))
        for number in self.index.candidates(answer):
            passage = self.index.passages[number].split()
            shared = answer.intersection(_grams(passage))
            if not shared:
                continue
            copied = _covered(words, shared)
            score = max(copied / len(words), copied / len(passage), copied / _WORDS_FOR_FULL)
            score = min(1.0, score) * min(1.0, copied / self.min_match_words)
            if score > best:
                best, matched, copied_words = score, self.index.names[number], copied
        best = round(best, 4)
        details: dict[str, object] = {"similarity_score": best}
        if matched is not None:
            details["matched_document"] = matched
            details["copied_words"] = copied_words
        return Finding(detected=best >= self.threshold, score=best, details=details)

    def report(self, findings: Sequence[Located]) -> Report:
        strongest = max(findings, key=lambda item: item.finding.score, default=None)
        details = dict(strongest.finding.details) if strongest else {"similarity_score": 0.0}
        detected = any(item.finding.detected for item in findings)
        return Report(detected=detected, summary={"copyright_ip_similarity": int(detected)}, details=details)
