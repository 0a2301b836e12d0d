"""Evaluate ``adherence``, ``hallucination`` and ``relevancy`` on BEGIN: ``python -m eval.grounding [PATH]``.

Reads ``begin_wow_dev.csv`` (google/BEGIN-dataset, Wizard of Wikipedia dev split, CC-BY-4.0; not copied
into this repository): each row is a knowledge snippet, a dialogue response and whether the response is
fully attributable to the knowledge. The positive class is the problem: a response that is *not* fully
attributable. Each detector runs through its ``detect(text, ScanContext)`` with default options, the
knowledge passed as ``enkrypt_context``.

- ``adherence`` ranks by ``1 - adherence_score``; ``hallucination`` by ``hallucination_score``; precision,
  recall, F1 and false-alarm rate are at the detector's default threshold.
- ``word_overlap_baseline``: the fraction of the response's words (lower-cased ``\\w+``) found in the
  knowledge, measured in the same run; its precision/recall/F1 are at its best threshold on this file
  (an optimistic baseline).
- ``relevancy`` has no labels here; it is scored on a proxy built from the same rows: each response with
  its own preceding user turn and knowledge (relevant), and with the user turn and knowledge of the row
  half the file away, a different conversation (irrelevant).
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from enkrypt_middleware.detectors.base import Finding, ScanContext
from enkrypt_middleware.detectors.grounding import AdherenceConfig, HallucinationConfig, RelevancyConfig

DEFAULT_PATH = Path("/work/shared/data/relevancy/begin_wow_dev.csv")
DATASET = "begin_wow_dev"

Row = dict[str, object]


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    ranked = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and scores[ranked[j + 1]] == scores[ranked[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _counts(predicted: Sequence[bool], labels: Sequence[int]) -> dict[str, float]:
    tp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    fp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and not y)
    fn = sum(1 for p, y in zip(predicted, labels, strict=True) if not p and y)
    negatives = len(labels) - sum(labels)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_alarm_rate": fp / negatives if negatives else 0.0,
    }


def _row(
    detector: str,
    dataset: str,
    scores: Sequence[float],
    predicted: Sequence[bool],
    labels: Sequence[int],
    seconds: float,
) -> Row:
    return {
        "dataset": dataset,
        "detector": detector,
        "n": len(labels),
        **{key: round(value, 4) for key, value in _counts(predicted, labels).items()},
        "roc_auc": round(roc_auc(scores, labels), 4),
        "throughput": round(len(labels) / seconds, 1) if seconds else float("inf"),
    }


def _run(
    detect: Callable[[str, ScanContext], Finding], items: Sequence[tuple[str, ScanContext]]
) -> tuple[list[Finding], float]:
    started = time.perf_counter()
    findings = [detect(text, context) for text, context in items]
    return findings, time.perf_counter() - started


_WORD = re.compile(r"\w+")


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) else default


def word_overlap(knowledge: str, response: str) -> float:
    """The baseline: share of the response's words that occur in the knowledge."""
    known = set(_WORD.findall(knowledge.lower()))
    said = _WORD.findall(response.lower())
    return sum(word in known for word in said) / len(said) if said else 1.0


def load(path: Path = DEFAULT_PATH) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows(path: Path = DEFAULT_PATH) -> list[Row]:
    """One row per detector: dataset, detector, n, precision, recall, f1, false_alarm_rate, roc_auc, throughput."""
    data = load(path)
    labels = [1 - int(record["label"]) for record in data]  # 1 = not fully attributable
    grounded = [
        (r["response"], ScanContext(context=r["knowledge"], question=r["message"], side="output")) for r in data
    ]
    out: list[Row] = []

    adherence = AdherenceConfig().build()
    findings, seconds = _run(adherence.detect, grounded)
    scores = [1.0 - float(f.details["adherence_score"]) for f in findings]
    out.append(_row("adherence", DATASET, scores, [f.detected for f in findings], labels, seconds))

    hallucination = HallucinationConfig().build()
    findings, seconds = _run(hallucination.detect, grounded)
    scores = [float(f.details["hallucination_score"]) for f in findings]
    out.append(_row("hallucination", DATASET, scores, [f.detected for f in findings], labels, seconds))

    started = time.perf_counter()
    overlap = [word_overlap(r["knowledge"], r["response"]) for r in data]
    seconds = time.perf_counter() - started
    best = max(sorted(set(overlap)), key=lambda t: _counts([v < t for v in overlap], labels)["f1"])
    out.append(
        _row("word_overlap_baseline", DATASET, [1.0 - v for v in overlap], [v < best for v in overlap], labels, seconds)
    )

    count = len(data)
    pairs = [
        (r["response"], ScanContext(context=r["knowledge"], question=r["message"], side="output"), 0) for r in data
    ]
    for i, r in enumerate(data):
        other = data[(i + count // 2) % count]  # another conversation: its question and its retrieved knowledge
        pairs.append(
            (r["response"], ScanContext(context=other["knowledge"], question=other["message"], side="output"), 1)
        )
    relevancy = RelevancyConfig().build()
    findings, seconds = _run(relevancy.detect, [(text, context) for text, context, _ in pairs])
    # a text not judged (a question without content words) counts as relevant, as the detector treats it
    scores = [1.0 - _number(f.details.get("relevancy_score"), 1.0) for f in findings]
    out.append(
        _row(
            "relevancy",
            f"{DATASET} (shuffled-turn proxy)",
            scores,
            [f.detected for f in findings],
            [label for _, _, label in pairs],
            seconds,
        )
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    table = rows(args.path)
    header = ("detector", "dataset", "n", "precision", "recall", "f1", "false_alarm_rate", "roc_auc", "throughput")
    print(" | ".join(header))
    for row in table:
        print(" | ".join(str(row[key]) for key in header))
    print(
        "(positive = not fully attributable / irrelevant; baseline P/R/F1 at its best threshold; throughput in texts/s)"
    )


if __name__ == "__main__":
    main()
