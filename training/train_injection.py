"""Train the ``injection_attack`` model: ``python -m training.train_injection``.

Data (``../shared/data``, not copied into this repository): S-Labs ``slabs_train.csv`` and neuralchemy
``neuralchemy_core_train.csv``; the hand-written examples of ``training/injection_extra.py`` (attacks and
benign prompts in other languages, indirect injections in documents and tool results, benign prompts full
of trigger words); and ordinary benign text from the other development sets (a sample of TweetEval
tweets, the synthetic PII texts, the relevancy set's knowledge passages and dialogue turns, and pieces of the
Python standard library's documentation) so that the model's prior is
"benign" and an unknown word is not evidence of an attack. Three heads share one vocabulary:

``attack``
    every row's label (the head the detector thresholds).
``injection``
    S-Labs positives (mostly system-prompt extraction and instruction overrides) and every neuralchemy
    attack category but the jailbreak ones; 0 for benign rows and jailbreaks.
``jailbreak``
    the neuralchemy categories ``jailbreak``, ``persona_replacement``, ``crescendo``, ``many_shot`` and
    ``multi_turn``; 0 for benign rows and the other attack categories; S-Labs positives are unknown for
    this head and left out of its fit.

Prints precision / recall / F1 / false-alarm rate / ROC AUC per validation file for the bare model
(whole text) and for the detector (sentences, rules, decoding), sweeps the threshold on the detector's
scores (mean F1 over the two files) and writes ``enkrypt_middleware/detectors/models/injection.json.gz``.
Reproducible: fixed seed, deterministic solver, byte-identical output.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import inspect
import json
import random
import time
from pathlib import Path

from enkrypt_middleware.detectors._linear import LinearModel
from training.common import (
    DATA,
    MODELS,
    best_threshold,
    metrics,
    print_metrics,
    read_csv,
    read_rows,
    save,
    train_linear,
)
from training.injection_extra import EXTRA

HEADS = ("attack", "injection", "jailbreak")
JAILBREAK_CATEGORIES = frozenset({"jailbreak", "persona_replacement", "crescendo", "many_shot", "multi_turn"})
VALIDATION = ("slabs_validation.csv", "neuralchemy_core_validation.csv")
SEED = 13
#: The default threshold is the highest whose mean validation F1 is within this of the best one: the
#: validation sets are half attacks, real traffic is not, so a flat F1 curve is resolved towards precision.
THRESHOLD_TOLERANCE = 0.01


def benign_texts(data: Path, seed: int = SEED, tweets: int = 6000) -> list[str]:
    """Ordinary text that is not an attack: a seeded sample of TweetEval tweets (offensive or not, never an
    injection), Presidio's synthetic PII texts and the passages and dialogue turns of the relevancy set. They teach
    the model that words it has no evidence about mean "benign", so the bias stays low."""
    pool = [text for text, _ in read_csv(data / "toxicity" / "offensive_train.csv")]
    pool += [text for text, _ in read_csv(data / "toxicity" / "hate_train.csv")]
    texts = random.Random(seed).sample(pool, min(tweets, len(pool)))
    texts += [record["full_text"] for record in json.loads((data / "pii" / "synth_dataset_v2.json").read_text("utf-8"))]
    for row in read_rows(data / "relevancy" / "begin_wow_dev.csv"):
        texts += [row["knowledge"], row["message"], row["response"]]
    texts += documentation()
    return texts


#: Standard-library modules whose documentation is benign technical training text. ``eval/injection.py``
#: measures false alarms on the documentation of other modules (none of these).
DOC_MODULES = (
    "collections typing decimal fractions datetime calendar re string textwrap difflib enum dataclasses "
    "statistics random math heapq bisect copy pprint reprlib abc numbers operator codecs locale gettext "
    "configparser hashlib hmac secrets base64 binascii struct array weakref types gc traceback warnings "
    "timeit trace tracemalloc doctest pdb cProfile pstats ipaddress mimetypes mailbox html.parser "
    "xml.dom.minidom xml.etree.ElementTree wave colorsys glob fnmatch filecmp fileinput stat lzma bz2 gzip "
    "zlib getpass platform errno ctypes selectors mmap uuid webbrowser ftplib poplib imaplib"
).split()


def documentation() -> list[str]:
    """Pieces of ~600 characters of the documentation of ``DOC_MODULES`` and 3,000 of their lines (benign
    technical text)."""
    pieces: list[str] = []
    for name in DOC_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        parts = [inspect.getdoc(module) or ""]
        for _, member in sorted(vars(module).items()):
            if (inspect.isclass(member) or inspect.isfunction(member)) and getattr(member, "__module__", "") == name:
                parts.append(inspect.getdoc(member) or "")
        for part in parts:
            pieces += [part[i : i + 600] for i in range(0, min(len(part), 3000), 600) if len(part[i : i + 600]) > 40]
    # and single lines: the detector also scores sentences and lines on their own
    lines = sorted({line.strip() for piece in pieces for line in piece.splitlines() if len(line.split()) >= 3})
    return pieces + random.Random(SEED).sample(lines, min(3000, len(lines)))


#: Weight of a hand-written example against a dataset row: they are few, and they carry the cases the
#: datasets lack.
EXTRA_WEIGHT = 3.0


def training_rows(data: Path) -> tuple[list[str], list[list[int | None]], list[float]]:
    """Texts, their labels per head (``HEADS``; None = unknown) and their sample weights."""
    texts: list[str] = []
    labels: list[list[int | None]] = []
    folder = data / "injection"
    for text in benign_texts(data):
        texts.append(text)
        labels.append([0, 0, 0])
    for text, label in read_csv(folder / "slabs_train.csv"):
        texts.append(text)
        labels.append([label, label, 0 if not label else None])
    for row in read_rows(folder / "neuralchemy_core_train.csv"):
        label = int(row["label"])
        jailbreak = int(label == 1 and row["category"] in JAILBREAK_CATEGORIES)
        texts.append(row["text"])
        labels.append([label, int(label == 1 and not jailbreak), jailbreak])
    weights = [1.0] * len(texts)
    for text, kind in EXTRA:
        texts.append(text)
        labels.append([int(kind != "benign"), int(kind == "injection"), int(kind == "jailbreak")])
        weights.append(EXTRA_WEIGHT)
    return texts, labels, weights


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--output", type=Path, default=MODELS / "injection.json.gz")
    parser.add_argument("--max-features", type=int, default=15_000)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--eval-only", action="store_true", help="evaluate the model in --output, do not train")
    args = parser.parse_args(argv)

    if args.eval_only:
        model = LinearModel.from_dict("injection", json.loads(gzip.decompress(args.output.read_bytes())))
        evaluate(model, args.data)
        return
    texts, labels, weights = training_rows(args.data)
    started = time.perf_counter()
    model = train_linear(
        texts,
        labels,
        HEADS,
        seed=SEED,
        max_features=args.max_features,
        C=args.C,
        sample_weight=weights,
        name="injection",
        meta={
            "trained_on": [
                "injection/slabs_train.csv",
                "injection/neuralchemy_core_train.csv",
                "training/injection_extra.py",
                "benign: toxicity/offensive_train.csv + hate_train.csv (6000 sampled), pii/synth_dataset_v2.json, "
                "relevancy/begin_wow_dev.csv knowledge",
            ]
        },
    )
    print(f"trained on {len(texts)} texts in {time.perf_counter() - started:.1f} s: {len(model.weights)} features")
    model.meta["validation"] = evaluate(model, args.data)
    save(model, args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} KiB)")


def evaluate(model: LinearModel, data: Path) -> dict[str, dict[str, float]]:
    """Print the validation scores of the bare model and of the detector; sweep the threshold."""
    from enkrypt_middleware.detectors.injection import DEFAULT_THRESHOLD, InjectionAttackDetector

    detector = InjectionAttackDetector(model=model)
    datasets = []
    results: dict[str, dict[str, float]] = {}
    for name in VALIDATION:
        rows = read_csv(data / "injection" / name)
        truth = [label for _, label in rows]
        bare = [model.predict(text)["attack"] for text, _ in rows]
        full = [detector.score(text) for text, _ in rows]
        print_metrics(f"{name} (model, whole text)", metrics(truth, bare, 0.5))
        results[name] = metrics(truth, full, DEFAULT_THRESHOLD)
        print_metrics(f"{name} (detector @ {DEFAULT_THRESHOLD})", results[name])
        datasets.append((truth, full))
    print("threshold sweep (detector, mean F1 over the validation files):")
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9):
        values = [metrics(y, s, threshold) for y, s in datasets]
        mean_f1 = sum(v["f1"] for v in values) / len(values)
        print(
            f"  {threshold:.2f}: mean F1 {mean_f1:.4f}  "
            + "  ".join(f"FAR {v['false_alarm_rate']:.3f}" for v in values)
        )
    chosen = best_threshold(datasets, tolerance=THRESHOLD_TOLERANCE)
    print(f"best threshold: {chosen} (the detector's default is {DEFAULT_THRESHOLD})")
    return results


if __name__ == "__main__":
    main()
