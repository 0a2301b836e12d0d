"""``python -m eval``: every detector's evaluation as one table.

Runs ``rows()`` of ``eval.pii``, ``eval.injection``, ``eval.toxicity`` and then of any other
``eval/<name>.py`` that has one (each skipped with a note when its module or its data is missing),
and prints dataset, detector, n, precision, recall, F1, false-alarm rate on negatives, ROC AUC and
throughput (texts per second of ``detect``). ``--json`` prints the rows as JSON instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from eval import COLUMNS

#: Run first, in this order; any other ``eval/<name>.py`` with a ``rows()`` follows, by name.
MODULES = ("eval.pii", "eval.injection", "eval.toxicity")


def _modules() -> list[str]:
    here = Path(__file__).resolve().parent
    others = sorted(f"eval.{path.stem}" for path in here.glob("*.py") if not path.stem.startswith("_"))
    return [*MODULES, *(name for name in others if name not in MODULES)]


_HEADERS = {
    "dataset": "dataset",
    "detector": "detector",
    "n": "n",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "false_alarm_rate": "false alarms",
    "roc_auc": "ROC AUC",
    "throughput": "texts/s",
}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key == "n":
        return str(value)
    if key == "throughput":
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    cells = [[_HEADERS[key] for key in COLUMNS]] + [[_cell(key, row[key]) for key in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for number, line in enumerate(cells):
        pairs = enumerate(zip(line, widths, strict=True))
        parts = [value.ljust(width) if i < 2 else value.rjust(width) for i, (value, width) in pairs]
        lines.append("  ".join(parts).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--only", action="append", default=[], help="run only this module (e.g. injection)")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for name in _modules():
        if args.only and name.split(".")[-1] not in args.only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"note: {name} is not there; skipped", file=sys.stderr)
            continue
        if not hasattr(module, "rows"):
            continue
        try:
            found = module.rows()
        except FileNotFoundError as exc:
            print(f"note: {name} skipped, data not found: {exc.filename}", file=sys.stderr)
            continue
        for row in found:
            if set(row) != set(COLUMNS):
                raise ValueError(f"{name}.rows() gave keys {sorted(row)}, expected {list(COLUMNS)}")
        rows.extend(found)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
