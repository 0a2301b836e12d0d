"""A third-party detector package as a user would publish one (see README, "Publishing a detector")."""

from __future__ import annotations

from pydantic import Field

from enkrypt_middleware import Finding
from enkrypt_middleware.detectors._common import DetectorConfig

NOT_A_DETECTOR = 42


class ShoutDetector:
    """Fires when most letters of a text are capitals."""

    name = "shouting"
    inline = True

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def detect(self, text: str) -> Finding:
        letters = [c for c in text if c.isalpha()]
        share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
        return Finding(detected=share >= self.ratio, score=share, details={"upper_share": round(share, 3)})


class ShoutConfig(DetectorConfig):
    """Options of ``shouting``: validated by the middleware at start-up like a built-in's."""

    ratio: float = Field(default=0.8, gt=0.0, le=1.0, description="Share of capital letters that fires.")

    def build(self) -> ShoutDetector:
        return ShoutDetector(self.ratio)


class BannedWord:
    """A detector made by a plain factory: fires on one word."""

    name = "banned_word"

    def __init__(self, word: str) -> None:
        self.word = word.lower()

    async def detect(self, text: str) -> Finding:
        found = self.word in text.lower()
        return Finding(detected=found, score=1.0 if found else 0.0)


def make_banned_word(word: str = "forbidden") -> BannedWord:
    return BannedWord(word)
