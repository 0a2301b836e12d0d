"""Evaluate the ``pii`` detector on Presidio's synthetic dataset: ``python -m eval.pii [PATH]``.

Reads ``synth_dataset_v2.json`` (microsoft/presidio-research, MIT; not copied into this repository) and
prints, per label we produce, precision / recall / F1 by span overlap, the false alarms on texts with no
entity of a type we cover, and throughput. Gold types are mapped onto our labels where they correspond;
the others (names, addresses, places, organisations, dates, titles, ages, NRP, zip codes, driver's
licences) are out of scope for regular expressions and are listed as not covered.

Matching: a predicted span is a true positive when it overlaps a gold span of the corresponding type; a
gold span is found when a predicted span of the corresponding label overlaps it. Precision counts every
prediction of the label, including ones that overlap gold spans of uncovered types.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors.pii import PIIDetector

DEFAULT_PATH = Path("/work/shared/data/pii/synth_dataset_v2.json")

#: Gold entity type -> our label. DOMAIN_NAME is closest to URL (we only find URLs with a scheme or "www.").
GOLD_TO_LABEL = {
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_SSN": "US_SSN",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "DOMAIN_NAME": "URL",
}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(records: list[dict[str, Any]]) -> dict[str, Any]:
    detector = PIIDetector()
    predicted_total: Counter[str] = Counter()
    predicted_correct: Counter[str] = Counter()
    gold_total: Counter[str] = Counter()
    gold_found: Counter[str] = Counter()
    uncovered: Counter[str] = Counter()
    negatives = false_alarms = 0
    false_alarm_labels: Counter[str] = Counter()
    chars = 0
    elapsed = 0.0
    for record in records:
        text: str = record["full_text"]
        chars += len(text)
        started = time.perf_counter()
        finding = detector.detect(text)
        elapsed += time.perf_counter() - started
        gold = [
            (GOLD_TO_LABEL[s["entity_type"]], (s["start_position"], s["end_position"]))
            for s in record["spans"]
            if s["entity_type"] in GOLD_TO_LABEL
        ]
        uncovered.update(s["entity_type"] for s in record["spans"] if s["entity_type"] not in GOLD_TO_LABEL)
        predicted = [(span.label, (span.start, span.end)) for span in finding.spans]
        for label, where in predicted:
            predicted_total[label] += 1
            if any(g_label == label and _overlaps(where, g_where) for g_label, g_where in gold):
                predicted_correct[label] += 1
        for label, where in gold:
            gold_total[label] += 1
            if any(p_label == label and _overlaps(where, p_where) for p_label, p_where in predicted):
                gold_found[label] += 1
        if not gold:
            negatives += 1
            if predicted:
                false_alarms += 1
                false_alarm_labels.update(label for label, _ in predicted)
    return {
        "predicted_total": predicted_total,
        "predicted_correct": predicted_correct,
        "gold_total": gold_total,
        "gold_found": gold_found,
        "uncovered": uncovered,
        "negatives": negatives,
        "false_alarms": false_alarms,
        "false_alarm_labels": false_alarm_labels,
        "texts": len(records),
        "chars": chars,
        "seconds": elapsed,
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def rows(path: Path = DEFAULT_PATH) -> list[dict[str, Any]]:
    """The ``python -m eval`` row: micro-averaged span precision / recall / F1 over the covered labels,
    false alarms on texts with no entity of a covered type, throughput. No ROC AUC: matches have no score."""
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    result = evaluate(records)
    correct, predicted = sum(result["predicted_correct"].values()), sum(result["predicted_total"].values())
    found, gold = sum(result["gold_found"].values()), sum(result["gold_total"].values())
    precision, recall = _ratio(correct, predicted), _ratio(found, gold)
    return [
        {
            "dataset": f"pii/{path.name} (spans)",
            "detector": "pii",
            "n": result["texts"],
            "precision": precision,
            "recall": recall,
            "f1": _ratio(2 * precision * recall, precision + recall),
            "false_alarm_rate": _ratio(result["false_alarms"], result["negatives"]),
            "roc_auc": None,
            "throughput": result["texts"] / result["seconds"] if result["seconds"] else None,
        }
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    records: list[dict[str, Any]] = json.loads(args.path.read_text(encoding="utf-8"))
    result = evaluate(records)

    labels = sorted(set(result["gold_total"]) | set(result["predicted_total"]))
    print(f"{'label':<20} {'gold':>5} {'pred':>5} {'prec':>6} {'recall':>6} {'f1':>6}")
    all_correct = all_predicted = all_found = all_gold = 0
    for label in labels:
        correct, predicted = result["predicted_correct"][label], result["predicted_total"][label]
        found, gold = result["gold_found"][label], result["gold_total"][label]
        precision, recall = _ratio(correct, predicted), _ratio(found, gold)
        f1 = _ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0
        print(f"{label:<20} {gold:>5} {predicted:>5} {precision:>6.3f} {recall:>6.3f} {f1:>6.3f}")
        all_correct, all_predicted = all_correct + correct, all_predicted + predicted
        all_found, all_gold = all_found + found, all_gold + gold
    precision, recall = _ratio(all_correct, all_predicted), _ratio(all_found, all_gold)
    f1 = _ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0
    print(f"{'(micro)':<20} {all_gold:>5} {all_predicted:>5} {precision:>6.3f} {recall:>6.3f} {f1:>6.3f}")
    print()
    print(
        f"false alarms: {result['false_alarms']} of {result['negatives']} texts with no entity of a covered type"
        + (f" ({dict(result['false_alarm_labels'])})" if result["false_alarms"] else "")
    )
    print("not covered (gold spans): " + ", ".join(f"{k} {v}" for k, v in result["uncovered"].most_common()))
    seconds = result["seconds"]
    print(
        f"throughput: {result['texts']} texts, {result['chars']} chars in {seconds * 1e3:.1f} ms of detect(): "
        f"{result['texts'] / seconds:,.0f} texts/s, {result['chars'] / seconds / 1e6:.2f} M chars/s, "
        f"{seconds / result['texts'] * 1e6:.1f} us/text"
    )


if __name__ == "__main__":
    main()
