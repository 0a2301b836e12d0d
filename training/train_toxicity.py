"""Train the ``toxicity`` model: ``python -m training.train_toxicity``.

Data (``../shared/data/toxicity``, not copied into this repository): TweetEval ``offensive_train.csv``
(OffensEval 2019) and ``hate_train.csv`` (HatEval 2019); thresholds are chosen on ``offensive_val.csv``
and ``hate_val.csv``. Two heads share one vocabulary, each fitted on its own data set only:

``offensive``
    1 = offensive tweet (the ``toxicity`` score).
``hate``
    1 = hate speech against immigrants or women (the model part of ``identity_hate``).

Both heads also see, as negatives, the benign prompts (label 0) of the injection training sets
(``injection/slabs_train.csv``, ``injection/neuralchemy_core_train.csv``) and the hand-written texts of
``training/toxicity_extra.py``: an assistant's traffic is not tweets, and without them the heads take
ordinary prompts ("How do I kill a Python process?") for offensive.

Features are those the detector computes (``toxicity.features``): binary word unigrams and bigrams of the
normalised tokens plus the shipped profanity word list's matches (severity, categories, canonical form).
One L2-regularised logistic regression per head (liblinear, fixed seed, balanced class weights); the
``--max-features`` strongest features are kept and the heads refitted on them.

Each head's threshold is the one of a 0.05 grid that maximises macro-F1 (TweetEval's metric) on its
validation split, scored through the detector's own code path (64-token windows); the head's bias is then
shifted by the logit of that threshold, so that 0.5 is the operating point and the detector's default
threshold. Prints precision / recall / F1 / false-alarm rate / ROC AUC and macro-F1 per split, and the
recall on implicit hate (hateful validation rows with no unambiguous word-list term). Reproducible:
byte-identical output for the same data.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors import toxicity
from enkrypt_middleware.detectors._linear import LinearModel
from enkrypt_middleware.detectors._profanity import tokenize, word_list
from training.common import DATA, MODELS, metrics, print_metrics, read_csv, save
from training.toxicity_extra import BENIGN

HEADS = ("offensive", "hate")
#: Benign prompts (label 0) of these files are negatives of both heads.
BENIGN_PROMPTS = ("injection/slabs_train.csv", "injection/neuralchemy_core_train.csv")
SEED = 13
GRID = tuple(round(0.05 * i, 2) for i in range(2, 19))


def macro_f1(labels: Sequence[int], scores: Sequence[float], threshold: float) -> float:
    """Mean of the F1 of the positive and of the negative class at ``threshold``."""
    positive = metrics(labels, scores, threshold)["f1"]
    negative = metrics([1 - y for y in labels], [1.0 - s for s in scores], 1.0 - threshold + 1e-12)["f1"]
    return (positive + negative) / 2


def fit(
    texts: Sequence[str],
    labels: Sequence[Sequence[int | None]],
    *,
    C: float,
    max_features: int,
    min_df: int,
    digits: int = 4,
) -> LinearModel:
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    words = word_list()

    def analyzer(text: str) -> list[str]:
        tokens = tokenize(text)
        return toxicity.features(tokens, [term for _, term in words.find(tokens)])

    vectorizer = CountVectorizer(analyzer=analyzer, binary=True, min_df=min_df, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts)
    vocabulary = vectorizer.get_feature_names_out()

    def fit_heads(columns: Any) -> tuple[list[Any], list[float]]:
        coefs, intercepts = [], []
        for h in range(len(HEADS)):
            rows = [i for i, row in enumerate(labels) if row[h] is not None]
            y = np.array([labels[i][h] for i in rows])
            model = LogisticRegression(
                C=C, solver="liblinear", random_state=SEED, class_weight="balanced", max_iter=1000
            )
            model.fit(matrix[rows][:, columns], y)
            coefs.append(model.coef_[0])
            intercepts.append(float(model.intercept_[0]))
        return coefs, intercepts

    everything = np.arange(len(vocabulary))
    coefs, _ = fit_heads(everything)
    kept = everything
    if len(vocabulary) > max_features:
        strength = np.max(np.abs(np.vstack(coefs)), axis=0)
        kept = np.sort(np.argsort(-strength, kind="stable")[:max_features])
    coefs, intercepts = fit_heads(kept)
    weights: dict[str, tuple[float, ...]] = {}
    for j, column in enumerate(kept):
        row = tuple(round(float(coef[j]), digits) for coef in coefs)
        if any(row):
            weights[str(vocabulary[column])] = row
    meta = {"seed": SEED, "C": C, "max_features": max_features, "min_df": min_df}
    return LinearModel(
        "toxicity", HEADS, tuple(round(b, digits) for b in intercepts), weights, meta, toxicity.FEATURE_SET
    )


def head_scores(model: LinearModel, texts: Sequence[str]) -> tuple[list[float], list[float]]:
    res = toxicity.make_resources(model)
    offensive, hate = [], []
    for text in texts:
        o, h = toxicity.model_probabilities(toxicity.analyze(text, res), res)
        offensive.append(o)
        hate.append(h)
    return offensive, hate


def implicit(texts: Sequence[str]) -> list[bool]:
    """Whether each text has no unambiguous word-list term (its hate, if any, is implicit)."""
    words = word_list()
    return [not any(not term.ambiguous for _, term in words.find(tokenize(text))) for text in texts]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA / "toxicity")
    parser.add_argument("--output", type=Path, default=MODELS / "toxicity.json.gz")
    parser.add_argument("--max-features", type=int, default=20_000)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--C", type=float, default=0.1)
    parser.add_argument("--benign-every", type=int, default=1, help="keep every n-th benign prompt")
    args = parser.parse_args(argv)

    offensive_train = [(t, y) for t, y in read_csv(args.data / "offensive_train.csv") if t.strip()]
    hate_train = [(t, y) for t, y in read_csv(args.data / "hate_train.csv") if t.strip()]
    # Out-of-domain negatives: the benign prompts of the injection training sets and hand-written texts.
    benign = [t for name in BENIGN_PROMPTS for t, y in read_csv(args.data.parent / name) if y == 0]
    benign = benign[:: args.benign_every] + list(BENIGN)
    texts = [t for t, _ in offensive_train] + [t for t, _ in hate_train] + benign
    labels: list[list[int | None]] = (
        [[y, None] for _, y in offensive_train] + [[None, y] for _, y in hate_train] + [[0, 0] for _ in benign]
    )

    started = time.perf_counter()
    model = fit(texts, labels, C=args.C, max_features=args.max_features, min_df=args.min_df)
    print(f"trained in {time.perf_counter() - started:.1f}s: {len(model.weights)} features")

    validation = {
        "offensive": read_csv(args.data / "offensive_val.csv"),
        "hate": [(t, y) for t, y in read_csv(args.data / "hate_val.csv") if t.strip()],
    }
    raw: dict[str, float] = {}
    report: dict[str, dict[str, float]] = {}
    for index, head in enumerate(HEADS):
        rows = validation[head]
        y = [label for _, label in rows]
        probabilities = head_scores(model, [text for text, _ in rows])[index]
        threshold = max(GRID, key=lambda t: (macro_f1(y, probabilities, t), -abs(t - 0.5)))
        raw[head] = threshold
        values = metrics(y, probabilities, threshold)
        values["macro_f1"] = macro_f1(y, probabilities, threshold)
        report[head] = {key: round(value, 4) for key, value in values.items()}
        print_metrics(f"{head} head on {head}_val @ {threshold}", values)
        print(f"{'':<40} macro-F1={values['macro_f1']:.3f}")
        if head == "hate":
            flags = implicit([text for text, _ in rows])
            hits = [p >= threshold for p, label, flag in zip(probabilities, y, flags, strict=True) if label and flag]
            recall = sum(hits) / len(hits)
            report[head]["implicit_recall"] = round(recall, 4)
            print(f"{'':<40} implicit hate: n={len(hits)}  recall={recall:.3f}")

    shifted = tuple(
        round(bias - math.log(raw[head] / (1 - raw[head])), 4) for bias, head in zip(model.bias, HEADS, strict=True)
    )
    meta = {
        **model.meta,
        "trained_on": ["toxicity/offensive_train.csv", "toxicity/hate_train.csv"],
        "raw_thresholds": raw,
        "calibration": "bias shifted by -logit(raw threshold): 0.5 is the validation operating point",
        "validation": report,
    }
    final = LinearModel("toxicity", HEADS, shifted, model.weights, meta, model.features)
    save(final, args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} KiB); raw thresholds {raw}")


if __name__ == "__main__":
    main()
