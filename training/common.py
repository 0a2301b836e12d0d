"""Shared training helpers: reading the CSVs, a reproducible trainer for ``_linear`` models, metrics.

The trainer fits one L2-regularised logistic regression per head (scikit-learn, L-BFGS, fixed seed)
over binary word unigram and bigram features produced by the model's own tokeniser
(``enkrypt_middleware.detectors._linear``), keeps the ``max_features`` most useful features, refits on
them and exports a :class:`LinearModel`. Scoring at run time is then exactly what was trained.

Typical use::

    from training.common import DATA, read_csv, train_linear, save, metrics, best_threshold

    train = read_csv(DATA / "toxicity" / "offensive_train.csv")
    model = train_linear([t for t, _ in train], [[y] for _, y in train], ["offensive"], seed=13)
    save(model, MODELS / "toxicity.json.gz")
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors._linear import FEATURE_SETS, LinearModel, featurize

__all__ = [
    "DATA",
    "MODELS",
    "best_threshold",
    "build_lexicon",
    "metrics",
    "print_metrics",
    "read_csv",
    "read_rows",
    "roc_auc",
    "save",
    "train_linear",
]

ROOT = Path(__file__).resolve().parent.parent
#: The development data (``../shared/data`` beside the repository; override with ``ENKRYPT_DATA``).
DATA = Path(os.environ.get("ENKRYPT_DATA", ROOT.parent / "shared" / "data"))
#: Where the shipped models live.
MODELS = ROOT / "enkrypt_middleware" / "detectors" / "models"


def read_rows(path: Path | str) -> list[dict[str, str]]:
    """All rows of a CSV file as dicts (quoted fields may hold newlines)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_csv(path: Path | str, text: str = "text", label: str = "label") -> list[tuple[str, int]]:
    """``(text, label)`` pairs of a CSV file with ``text`` and ``label`` columns."""
    return [(row[text], int(row[label])) for row in read_rows(path)]


def build_lexicon(texts: Sequence[str], min_count: int = 2) -> frozenset[str]:
    """Words written plainly at least ``min_count`` times in ``texts``: what leetspeak resolves to."""
    counts: Counter[str] = Counter()
    tokenize = FEATURE_SETS["norm12"]
    for text in texts:
        counts.update(token for token in tokenize(text, frozenset()) if token.isalpha())
    return frozenset(word for word, count in counts.items() if count >= min_count)


def train_linear(
    texts: Sequence[str],
    labels: Sequence[Sequence[int | None]],
    heads: Sequence[str],
    *,
    seed: int = 13,
    max_features: int = 30_000,
    C: float = 1.0,
    min_df: int = 2,
    features: str = "norm12",
    name: str = "model",
    class_weight: str | Mapping[int, float] | None = None,
    digits: int = 4,
    stop_words: Collection[str] = (),
    sample_weight: Sequence[float] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> LinearModel:
    """Fit one logistic regression per head and export them as one :class:`LinearModel`.

    ``labels[i][h]`` is text ``i``'s 0/1 label for head ``heads[h]``, or ``None`` when unknown (that
    text is then left out of that head's fit). ``max_features`` caps the vocabulary: features are
    ranked by their largest absolute weight over the heads in a first fit on every feature seen in at
    least ``min_df`` texts, the best are kept, and the heads are refitted on those alone. Weights are
    rounded to ``digits`` decimals. ``stop_words`` are not features on their own, nor are bigrams of two of
    them ("are you"): a dataset whose positives all address the model must not make "you" evidence.
    ``sample_weight`` weighs texts (e.g. hand-written examples more than a large corpus).
    The intercept is not regularised (L-BFGS), so the prior of an unknown text is the training base rate.
    """
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    if any(len(row) != len(heads) for row in labels):
        raise ValueError("every labels row needs one entry per head")
    tokenize = FEATURE_SETS[features]
    lexicon: Collection[str] = build_lexicon(texts) if features == "norm12" else frozenset()

    stop = frozenset(stop_words)

    def analyzer(text: str) -> list[str]:
        features = featurize(tokenize(text, lexicon))
        if stop:
            features = [f for f in features if not all(word in stop for word in f.split(" "))]
        return features

    vectorizer = CountVectorizer(analyzer=analyzer, binary=True, min_df=min_df, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts)
    vocabulary = vectorizer.get_feature_names_out()

    def fit(columns: Any) -> tuple[list[Any], list[float]]:
        coefs, intercepts = [], []
        for h in range(len(heads)):
            rows = [i for i, row in enumerate(labels) if row[h] is not None]
            y = np.array([labels[i][h] for i in rows])
            model = LogisticRegression(C=C, solver="lbfgs", random_state=seed, class_weight=class_weight, max_iter=5000)
            weight = None if sample_weight is None else np.array([sample_weight[i] for i in rows])
            model.fit(matrix[rows][:, columns], y, sample_weight=weight)
            coefs.append(model.coef_[0])
            intercepts.append(float(model.intercept_[0]))
        return coefs, intercepts

    everything = np.arange(len(vocabulary))
    coefs, _ = fit(everything)
    if len(vocabulary) > max_features:
        strength = np.max(np.abs(np.vstack(coefs)), axis=0)
        kept = np.sort(np.argsort(-strength, kind="stable")[:max_features])
    else:
        kept = everything
    coefs, intercepts = fit(kept)
    weights: dict[str, tuple[float, ...]] = {}
    for j, column in enumerate(kept):
        row = tuple(round(float(coef[j]), digits) for coef in coefs)
        if any(row):
            weights[str(vocabulary[column])] = row
    info = {"seed": seed, "C": C, "max_features": max_features, "min_df": min_df, **(meta or {})}
    return LinearModel(name, tuple(heads), tuple(round(b, digits) for b in intercepts), weights, info, features)


def save(model: LinearModel, path: Path | str, *, compact: bool = True) -> None:
    """Write ``model`` as gzip-compressed JSON, byte-for-byte reproducible (fixed mtime, sorted keys), with
    the weights in the compact column layout unless ``compact`` is false (``LinearModel.to_dict``)."""
    data = json.dumps(model.to_dict(compact=compact), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(gzip.compress(data.encode("utf-8"), compresslevel=9, mtime=0))


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (ties count one half); NaN when one class is missing."""
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return math.nan
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average_rank = (i + j) / 2 + 1
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if labels[order[k]])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def metrics(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    """n, precision, recall, F1, false-alarm rate on negatives and ROC AUC at ``threshold`` (fires at >=)."""
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if not y and s >= threshold)
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(labels),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_alarm_rate": fp / negatives if negatives else 0.0,
        "roc_auc": roc_auc(labels, scores),
    }


_GRID = tuple(round(0.05 * step, 2) for step in range(2, 20))


def best_threshold(
    datasets: Sequence[tuple[Sequence[int], Sequence[float]]],
    objective: Callable[[list[dict[str, float]]], float] | None = None,
    grid: Sequence[float] = _GRID,
    tolerance: float = 0.0,
) -> float:
    """The threshold of ``grid`` that maximises ``objective`` over the datasets' metrics.

    The default objective is the mean F1 over the datasets (each dataset counts once, whatever its
    size). With ``tolerance``, the highest threshold whose objective is within ``tolerance`` of the best
    wins (fewer false alarms when F1 is flat); otherwise ties go to the threshold nearest 0.5. A coarse
    grid on purpose: the threshold should not chase single validation examples.
    """
    score = objective or (lambda ms: sum(m["f1"] for m in ms) / len(ms))
    values = {t: score([metrics(y, s, t) for y, s in datasets]) for t in grid}
    best = max(values.values())
    if tolerance:
        return max(t for t, value in values.items() if value >= best - tolerance)
    return min((t for t, value in values.items() if value == best), key=lambda t: abs(t - 0.5))


def print_metrics(name: str, values: Mapping[str, float]) -> None:
    print(
        f"{name:<40} n={int(values['n']):>5}  P={values['precision']:.3f}  R={values['recall']:.3f}  "
        f"F1={values['f1']:.3f}  FAR={values['false_alarm_rate']:.3f}  AUC={values['roc_auc']:.3f}"
    )
