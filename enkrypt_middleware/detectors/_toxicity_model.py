"""The ``toxicity`` model file: two linear heads over binary word features with distilled word priors.

Per window of tokens, each head's logit is ``bias + sum(weight[f] for f in F)``, where ``F`` is the set of
the window's features that the model knows: word unigrams and the word list's features (``"#..."``, see
``toxicity.features``). A word's weight already holds its *prior*: what training distilled from public
knowledge about the word (its GloVe vector, VADER valence and a profanity classifier's
weight; ``training/toxicity_priors.py``), so words that never occur in the training tweets still count. The
resources themselves do not ship, only these numbers (licences in ``models/toxicity_NOTICE.txt``).

File format (``models/toxicity.json.gz``)::

    {"format": 2, "features": "toxicity", "heads": ["offensive", "hate"], "bias": [b0, b1],
     "weights": {"features": "w1\\nw2...", "scale": 10000, "values": [base64, base64]}, "meta": {...}}

``values`` hold one column per head: little-endian int32 in units of ``1 / scale``.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import truediv
from typing import Any

__all__ = ["FORMAT", "ToxicityModel", "decode_columns", "encode_columns"]

FORMAT = 2


def encode_columns(table: Mapping[str, Sequence[float]], heads: int, scale: int = 10_000) -> dict[str, Any]:
    """``{feature: (value per head)}`` as one string of features and a base64 int32 column per head."""
    features = list(table)
    if any("\n" in feature for feature in features):  # pragma: no cover - tokens never hold line breaks
        raise ValueError("a feature holds a line break")
    values = []
    for h in range(heads):
        column = array("i", (round(table[feature][h] * scale) for feature in features))
        if sys.byteorder == "big":  # pragma: no cover
            column.byteswap()
        values.append(base64.b64encode(column.tobytes()).decode("ascii"))
    return {"features": "\n".join(features), "scale": scale, "values": values}


def decode_columns(data: Mapping[str, Any], heads: int) -> dict[str, tuple[float, ...]]:
    """The inverse of :func:`encode_columns`."""
    features = data["features"].split("\n") if data["features"] else []
    scale = float(data["scale"])
    columns: list[list[float]] = []
    for encoded in data["values"][:heads]:
        column = array("i")
        column.frombytes(base64.b64decode(encoded))
        if sys.byteorder == "big":  # pragma: no cover
            column.byteswap()
        if len(column) != len(features):
            raise ValueError("model columns do not match the features")
        columns.append(list(map(truediv, column, [scale] * len(column))))
    if len(columns) != heads:
        raise ValueError(f"expected {heads} columns, got {len(columns)}")
    return dict(zip(features, zip(*columns, strict=True), strict=True))


@dataclass(frozen=True, slots=True)
class ToxicityModel:
    """Linear heads over binary features: ``weights[feature][head]`` (see the module docstring)."""

    heads: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    meta: dict[str, Any]
    features: str = "toxicity"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToxicityModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"toxicity model: unsupported format {data.get('format')!r}")
        heads = tuple(data["heads"])
        return cls(
            heads,
            tuple(float(b) for b in data["bias"]),
            decode_columns(data["weights"], len(heads)),
            dict(data.get("meta", {})),
            str(data.get("features", "toxicity")),
        )

    def to_dict(self) -> dict[str, Any]:
        heads = len(self.heads)
        return {
            "format": FORMAT,
            "features": self.features,
            "heads": list(self.heads),
            "bias": list(self.bias),
            "weights": encode_columns(self.weights, heads),
            "meta": self.meta,
        }

    def dumps(self) -> bytes:
        """The gzip-compressed JSON file, byte-for-byte reproducible (sorted keys, fixed mtime)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)

    @staticmethod
    @cache
    def load(name: str = "toxicity") -> ToxicityModel:
        """The model ``name`` from the installed package (read once per process)."""
        path = resources.files("enkrypt_middleware.detectors") / "models" / f"{name}.json.gz"
        return ToxicityModel.from_dict(json.loads(gzip.decompress(path.read_bytes())))
