"""``topic_detector``: is the text about one of the allowed topics?

Configured as Enkrypt does: ``topic`` is a list of allowed topics, or one string (the docs show both),
each a few words ("banking", "personal finance", "Acme routers and modems"). Details give a score in
[0, 1] per topic (``{"banking": 0.83, ...}``); ``summary.on_topic`` keeps **Enkrypt's meaning: 1 = the
text is on (one of the) allowed topics, 0 = off topic**. The detector *fires* (counts as detected,
blocks when listed in ``block``) when the text is off topic, i.e. when ``on_topic`` is 0: no topic
reaches ``threshold`` (default 0.3).

How a topic is scored: its own words (light stems) are strong evidence (weight 1.0); when the topic
names an entry of a built-in table of about fifty common topics (finance, banking, health, travel,
software, politics, ...; ``_topics``), that entry's related words are weaker evidence (0.6 each), so that
"How do I reset my PIN at the ATM?" is about "banking". Words also match by a shared five-letter prefix
("investing" / "investment"). Each content word of the text adds the weight of its best match, ``hits``;
the score is ``1 - exp(-hits / (1 + 0.2 n))`` for a text of ``n`` content words, so that one strong word
settles a short question and a long answer needs a few.

A text with no content words at all ("hi", "thanks!") is not judged: ``on_topic`` 1 with scores 0.

Limits: lexical evidence only. A topic outside the table is recognised by its own words and their
prefixes only; synonyms, paraphrase and other languages are not seen (for those, an embedding model or
a judge would be needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from ._common import DetectorConfig
from ._text import content_stems, words
from ._topics import expand, topic_stems
from .base import Finding, Located, Report

__all__ = ["TopicConfig", "TopicDetector"]

_OWN = 1.0
_RELATED = 0.6
_PREFIX = 0.7
_DEFAULT_THRESHOLD = 0.3


class TopicConfig(DetectorConfig):
    """Options of the ``topic_detector`` detector (``threshold`` defaults to 0.3)."""

    name: Literal["topic_detector"] = "topic_detector"
    topic: list[str] = Field(
        default_factory=list, description="Allowed topics, each a few words; a single string is accepted."
    )

    @field_validator("topic", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",")] if "," in value else [value]
        return value

    @field_validator("topic")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        value = [topic.strip() for topic in value if topic.strip()]
        if not value:
            raise ValueError("topic_detector needs at least one allowed topic in `topic`")
        for topic in value:
            if not topic_stems(topic):
                raise ValueError(f"topic {topic!r} has no content words")
        return value

    def build(self) -> TopicDetector:
        return TopicDetector(
            self.topic,
            threshold=_DEFAULT_THRESHOLD if self.threshold is None else self.threshold,
            block_message=self.block_message,
        )


class _Topic:
    __slots__ = ("name", "prefixes", "weights")

    def __init__(self, name: str) -> None:
        self.name = name
        weights = dict.fromkeys(expand(name), _RELATED)
        weights.update(dict.fromkeys(topic_stems(name), _OWN))
        self.weights = weights
        self.prefixes: dict[str, float] = {}
        for word, weight in weights.items():
            if len(word) >= 5:
                prefix = word[:5]
                self.prefixes[prefix] = max(self.prefixes.get(prefix, 0.0), weight * _PREFIX)

    def score(self, stems: Sequence[str]) -> float:
        hits = 0.0
        for word in stems:
            weight = self.weights.get(word)
            if weight is None and len(word) >= 5:
                weight = self.prefixes.get(word[:5])
            if weight:
                hits += weight
        return 1.0 - math.exp(-hits / (1.0 + 0.2 * len(stems)))


class TopicDetector:
    """See the module docstring. Sync and fast: runs inline."""

    name = "topic_detector"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "The request is outside the allowed topics"

    def __init__(
        self, topics: Sequence[str], *, threshold: float = _DEFAULT_THRESHOLD, block_message: str | None = None
    ) -> None:
        self.topics = [_Topic(topic) for topic in topics]
        self.threshold = threshold
        self.block_message = block_message or self.DEFAULT_BLOCK_MESSAGE

    def detect(self, text: str) -> Finding:
        stems = content_stems(words(text))
        scores = {topic.name: round(topic.score(stems), 4) for topic in self.topics}
        best = max(scores.values(), default=0.0)
        off_topic = bool(stems) and best < self.threshold
        return Finding(detected=off_topic, score=1.0 - best if stems else 0.0, details=scores)

    def report(self, findings: Sequence[Located]) -> Report:
        worst = max(findings, key=lambda item: item.finding.score, default=None)
        details = dict(worst.finding.details) if worst else {topic.name: 0.0 for topic in self.topics}
        detected = any(item.finding.detected for item in findings)
        return Report(detected=detected, summary={"on_topic": 0 if detected else 1}, details=details)
