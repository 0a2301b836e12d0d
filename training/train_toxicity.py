"""Train the ``toxicity`` model: ``python -m training.train_toxicity``.

Data (``../shared/data/toxicity``, not copied into this repository): TweetEval ``offensive_train.csv``
(OffensEval 2019) and ``hate_train.csv`` (HatEval 2019). Two heads, each fitted on its own data set only:

``offensive``
    1 = offensive tweet (the ``toxicity`` score).
``hate``
    1 = hate speech against immigrants or women (the model part of ``identity_hate``).

Both heads also see, as negatives, the benign prompts (label 0) of the injection training sets and the
hand-written texts of ``training/toxicity_extra.py``: an assistant's traffic is not tweets, and without
them the heads take ordinary prompts ("How do I kill a Python process?") for offensive.

Features (``_toxicity_model``): binary word unigrams of the normalised tokens, the profanity word list's
matches, and the text's word *priors*: the sum of the prior vectors of its distinct words
(``training/toxicity_priors.py``: GloVe, VADER, a profanity classifier; those packages must be installed
for training). One L2-regularised logistic regression per head (liblinear, balanced class weights, fixed
seed). The prior vectors' learnt coefficients turn into one number per word and head, added to the word's
own weight: that is what ships (the strongest ``MAX_FEATURES`` features).

Everything is chosen by 5-fold stratified cross-validation on the *training* split of each head (benign
negatives are in every training fold and never scored): the variant (C, priors) with the best
out-of-fold macro-F1, and the head's threshold (0.05 grid) that maximises out-of-fold macro-F1. The
head's bias is then shifted by the logit of that threshold, so 0.5 is the operating point and the
detector's default threshold. Validation is scored once, at the end, through the detector's own code path
(64-token windows), and printed: precision / recall / F1 / false-alarm rate / ROC AUC / macro-F1 per
head, and the recall on implicit hate (hateful validation rows with no unambiguous word-list term).
Reproducible: byte-identical output for the same data and package versions.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors import toxicity
from enkrypt_middleware.detectors._profanity import tokenize, word_list
from enkrypt_middleware.detectors._toxicity_model import ToxicityModel
from training.common import DATA, MODELS, metrics, print_metrics, read_csv
from training.toxicity_extra import BENIGN
from training.toxicity_priors import Priors, load_priors

HEADS = ("offensive", "hate")
#: Benign prompts (label 0) of these files are negatives of both heads.
BENIGN_PROMPTS = ("injection/slabs_train.csv", "injection/neuralchemy_core_train.csv")
SEED = 13
FOLDS = 5
GRID = tuple(round(0.05 * i, 2) for i in range(2, 19))
#: Cross-validated variants: (C, priors).
VARIANTS = tuple((C, priors) for priors in (False, True) for C in (0.03, 0.1, 0.3))
#: Features kept in the shipped model (the strongest by their largest absolute weight over the heads).
MAX_FEATURES = 40_000
DIGITS = 4


def macro_f1(labels: Sequence[int], scores: Sequence[float], threshold: float) -> float:
    """Mean of the F1 of the positive and of the negative class at ``threshold``."""
    positive = metrics(labels, scores, threshold)["f1"]
    negative = metrics([1 - y for y in labels], [1.0 - s for s in scores], 1.0 - threshold + 1e-12)["f1"]
    return (positive + negative) / 2


def best_threshold(labels: Sequence[int], scores: Sequence[float]) -> float:
    return max(GRID, key=lambda t: (macro_f1(labels, scores, t), -abs(t - 0.5)))


@dataclass
class Corpus:
    """Texts with their sparse binary features and their prior features."""

    texts: list[str]
    binary: Any  # scipy CSR: word unigrams and word-list features, present or not
    vocabulary: list[str]
    priors: Any  # dense array: the sum of the prior vectors of the text's distinct tokens


def featurize(texts: Sequence[str], priors: Priors, min_df: int) -> Corpus:
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]

    words = word_list()

    def analyzer(text: str) -> list[str]:
        tokens = tokenize(text)
        return toxicity.features(tokens, [term for _, term in words.find(tokens)])

    vectorizer = CountVectorizer(analyzer=analyzer, binary=True, min_df=min_df, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts).tocsr()
    vocabulary = [str(f) for f in vectorizer.get_feature_names_out()]
    index = priors.index()
    dense = np.zeros((len(texts), priors.matrix.shape[1]))
    for i, text in enumerate(texts):
        rows = [index[w] for w in sorted(set(tokenize(text))) if w in index]
        if rows:
            dense[i] = priors.matrix[rows].sum(axis=0)
    return Corpus(list(texts), matrix, vocabulary, dense)


def design(corpus: Corpus, rows: Any, priors: bool) -> Any:
    from scipy import sparse  # type: ignore[import-untyped]

    matrix = corpus.binary[rows]
    if priors:
        matrix = sparse.hstack([matrix, sparse.csr_matrix(corpus.priors[rows])]).tocsr()
    return matrix


def logistic(C: float) -> Any:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    return LogisticRegression(C=C, solver="liblinear", random_state=SEED, class_weight="balanced", max_iter=1000)


def cross_validate(
    corpus: Corpus, scored: Any, labels: Any, negatives: Any, variant: tuple[float, bool]
) -> list[float]:
    """Out-of-fold probabilities of the ``scored`` rows (``negatives`` join every training fold)."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    C, priors = variant
    out = np.zeros(len(scored))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(np.zeros(len(scored)), labels):
        rows = np.concatenate([scored[train], negatives])
        y = np.concatenate([labels[train], np.zeros(len(negatives), dtype=int)])
        model = logistic(C).fit(design(corpus, rows, priors), y)
        out[test] = model.predict_proba(design(corpus, scored[test], priors))[:, 1]
    return [float(p) for p in out]


def fit_head(
    corpus: Corpus, priors: Priors, rows: Any, y: Any, variant: tuple[float, bool]
) -> tuple[dict[str, float], float]:
    """One head fitted on ``rows``: its weight per feature (the prior part folded into each word's weight:
    ``coef . prior_vector(word)``, exact because the prior features are sums over the distinct words) and
    its intercept."""
    C, use_priors = variant
    model = logistic(C).fit(design(corpus, rows, use_priors), y)
    coef = model.coef_[0]
    n = len(corpus.vocabulary)
    weights = {f: float(w) for f, w in zip(corpus.vocabulary, coef[:n], strict=True)}
    if use_priors:
        for word, value in zip(priors.words, priors.matrix @ coef[n:], strict=True):
            weights[word] = weights.get(word, 0.0) + float(value)
    return weights, float(model.intercept_[0])


def implicit(texts: Sequence[str]) -> list[bool]:
    """Whether each text has no unambiguous word-list term (its hate, if any, is implicit)."""
    words = word_list()
    return [not any(not term.ambiguous for _, term in words.find(tokenize(text))) for text in texts]


def head_scores(model: ToxicityModel, texts: Sequence[str]) -> tuple[list[float], list[float]]:
    res = toxicity.make_resources(model.units())
    offensive, hate = [], []
    for text in texts:
        o, h = toxicity.model_probabilities(toxicity.analyze(text, res), res)
        offensive.append(o)
        hate.append(h)
    return offensive, hate


def _rounded(table: dict[str, tuple[float, float]]) -> dict[str, tuple[float, ...]]:
    out: dict[str, tuple[float, ...]] = {}
    for key in sorted(table):
        row = tuple(round(value, DIGITS) for value in table[key])
        if any(row):
            out[key] = row
    return out


def main(argv: list[str] | None = None) -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA / "toxicity")
    parser.add_argument("--output", type=Path, default=MODELS / "toxicity.json.gz")
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--benign-every", type=int, default=1, help="keep every n-th benign prompt")
    args = parser.parse_args(argv)

    offensive_train = [(t, y) for t, y in read_csv(args.data / "offensive_train.csv") if t.strip()]
    hate_train = [(t, y) for t, y in read_csv(args.data / "hate_train.csv") if t.strip()]
    benign = [t for name in BENIGN_PROMPTS for t, y in read_csv(args.data.parent / name) if y == 0]
    benign = benign[:: args.benign_every] + list(BENIGN)
    texts = [t for t, _ in offensive_train] + [t for t, _ in hate_train] + benign

    started = time.perf_counter()
    priors = load_priors()
    corpus = featurize(texts, priors, args.min_df)
    print(
        f"{len(texts)} texts, {len(corpus.vocabulary)} features, {len(priors.words)} prior words "
        f"({priors.matrix.shape[1]} columns) in {time.perf_counter() - started:.1f}s"
    )

    n_off, n_hate = len(offensive_train), len(hate_train)
    head_rows = {
        "offensive": (np.arange(n_off), np.array([y for _, y in offensive_train])),
        "hate": (np.arange(n_off, n_off + n_hate), np.array([y for _, y in hate_train])),
    }
    negatives = np.arange(n_off + n_hate, len(texts))

    chosen: dict[str, tuple[float, bool]] = {}
    raw: dict[str, float] = {}
    report: dict[str, dict[str, Any]] = {}
    for head in HEADS:
        rows, y = head_rows[head]
        results = []
        for variant in VARIANTS:
            scores = cross_validate(corpus, rows, y, negatives, variant)
            threshold = best_threshold(list(y), scores)
            macro = macro_f1(list(y), scores, threshold)
            auc = metrics(list(y), scores, threshold)["roc_auc"]
            results.append((macro, variant, threshold))
            C, use_priors = variant
            print(f"CV {head:<9} C={C:<5} priors={use_priors!s:<5} AUC={auc:.4f}  macro-F1={macro:.4f} @ {threshold}")
        macro, variant, threshold = max(results, key=lambda r: (r[0], -VARIANTS.index(r[1])))
        chosen[head], raw[head] = variant, threshold
        report[head] = {"cv_macro_f1": round(macro, 4), "variant": list(variant), "threshold": threshold}
        print(f"chosen for {head}: C={variant[0]} priors={variant[1]} (CV macro-F1 {macro:.4f}, threshold {threshold})")

    weights: dict[str, list[float]] = {}
    bias: list[float] = []
    for h, head in enumerate(HEADS):
        rows, y = head_rows[head]
        all_rows = np.concatenate([rows, negatives])
        all_y = np.concatenate([y, np.zeros(len(negatives), dtype=int)])
        w, intercept = fit_head(corpus, priors, all_rows, all_y, chosen[head])
        for key, value in w.items():
            weights.setdefault(key, [0.0, 0.0])[h] = value
        bias.append(round(intercept - math.log(raw[head] / (1 - raw[head])), DIGITS))
    ranked = sorted(weights, key=lambda f: (-max(abs(v) for v in weights[f]), f))
    kept = set(ranked[:MAX_FEATURES])

    meta: dict[str, Any] = {
        "seed": SEED,
        "trained_on": ["toxicity/offensive_train.csv", "toxicity/hate_train.csv", *BENIGN_PROMPTS],
        "priors": "training/toxicity_priors.py: alt-profanity-check, GloVe 6B 50d, VADER",
        "max_features": MAX_FEATURES,
        "raw_thresholds": raw,
        "calibration": "bias shifted by -logit(CV threshold): 0.5 is the cross-validated operating point",
        "cross_validation": report,
    }
    model = ToxicityModel(
        HEADS,
        tuple(bias),
        _rounded({k: (v[0], v[1]) for k, v in weights.items() if k in kept}),
        meta,
    )

    # Validation: scored once, through the detector's code path, at the CV operating point (0.5).
    validation = {
        "offensive": read_csv(args.data / "offensive_val.csv"),
        "hate": [(t, y) for t, y in read_csv(args.data / "hate_val.csv") if t.strip()],
    }
    for index, head in enumerate(HEADS):
        rows_v = validation[head]
        labels = [label for _, label in rows_v]
        probabilities = head_scores(model, [text for text, _ in rows_v])[index]
        values = metrics(labels, probabilities, 0.5)
        values["macro_f1"] = macro_f1(labels, probabilities, 0.5)
        report[head]["validation"] = {key: round(value, 4) for key, value in values.items()}
        print_metrics(f"{head} head on {head}_val (once)", values)
        print(f"{'':<40} macro-F1={values['macro_f1']:.4f}")
        if head == "hate":
            flags = implicit([text for text, _ in rows_v])
            hits = [p >= 0.5 for p, label, flag in zip(probabilities, labels, flags, strict=True) if label and flag]
            recall = sum(hits) / len(hits)
            report[head]["validation"]["implicit_recall"] = round(recall, 4)
            print(f"{'':<40} implicit hate: n={len(hits)}  recall={recall:.3f}")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(model.dumps())
    print(
        f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} KiB): {len(model.weights)} features; "
        f"thresholds {raw}"
    )


if __name__ == "__main__":
    main()
