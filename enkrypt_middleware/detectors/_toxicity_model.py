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

``weights`` is ``_linear``'s compact column layout (``encode_columns``): ``values`` hold one column per head,
little-endian int32 in units of ``1 / scale``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import repeat
from operator import mul
from typing import Any

from ._linear import ModelColumns, decode_columns, encode_columns

__all__ = ["FORMAT", "SCALE", "ToxicityModel", "load_units", "read_columns"]

FORMAT = 2
#: Weights are stored in units of ``1 / SCALE`` (the training script rounds them to four decimals).
SCALE = 10_000


def read_columns(data: Mapping[str, Any], name: str = "toxicity") -> ModelColumns:
    """A decoded model file as columns: the features and, per head, each feature's weight (``value / scale``).

    What scoring reads (``toxicity.make_resources``): no tuple per feature, no dict, so that loading the shipped
    model is a few C loops over its 40,000 features rather than a Python loop.
    """
    if data.get("format") != FORMAT:
        raise ValueError(f"toxicity model: unsupported format {data.get('format')!r}")
    heads = tuple(data["heads"])
    features, columns = decode_columns(data["weights"], len(heads))
    bias = tuple(float(b) for b in data["bias"])
    return ModelColumns(name, heads, bias, features, columns, str(data.get("features", "toxicity")))


@cache
def load_units(name: str = "toxicity") -> ModelColumns:
    """The model ``name`` from the installed package, as columns of its weights in units of ``1 / SCALE``: the
    whole numbers the file stores, as floats (read once per process).

    What scoring adds up (``toxicity.make_resources``): read as stored, rather than as weights (``read_columns``)
    multiplied back by ``SCALE`` and rounded, two more passes over each head's 40,000 weights on first use.
    """
    path = resources.files("enkrypt_middleware.detectors") / "models" / f"{name}.json.gz"
    data = json.loads(gzip.decompress(path.read_bytes()))
    weights = data["weights"]
    if weights.get("scale") != SCALE:
        raise ValueError(f"toxicity model: expected weights in units of 1/{SCALE}")
    return read_columns({**data, "weights": {**weights, "scale": 1}}, name)


@dataclass(frozen=True, slots=True)
class ToxicityModel:
    """Linear heads over binary features: ``weights[feature][head]`` (see the module docstring).

    The training script's view of a model (it builds one, scores with it, writes it); the detector reads the
    shipped file with :func:`load_units` instead.
    """

    heads: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    meta: dict[str, Any]
    features: str = "toxicity"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToxicityModel:
        columns = read_columns(data)
        weights = dict(zip(columns.features, zip(*columns.columns, strict=True), strict=True))
        return cls(columns.heads, columns.bias, weights, dict(data.get("meta", {})), columns.feature_set)

    def columns(self) -> ModelColumns:
        """The weights as columns (what ``read_columns`` gives for this model's file, before rounding)."""
        heads = range(len(self.heads))
        table = [[row[h] for row in self.weights.values()] for h in heads]
        return ModelColumns("toxicity", self.heads, self.bias, list(self.weights), table, self.features)

    def units(self) -> ModelColumns:
        """The weights as columns in units of ``1 / SCALE``, whole numbers: what ``load_units`` gives for this
        model's file (its weights are stored so)."""
        columns = self.columns()
        table = [list(map(float, map(round, map(mul, column, repeat(SCALE))))) for column in columns.columns]
        return columns._replace(columns=table)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": self.features,
            "heads": list(self.heads),
            "bias": list(self.bias),
            "weights": encode_columns(self.weights, len(self.heads), SCALE),
            "meta": self.meta,
        }

    def dumps(self) -> bytes:
        """The gzip-compressed JSON file, byte-for-byte reproducible (sorted keys, fixed mtime)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
