"""Evaluation of the built-in detectors on the development data: ``python -m eval``.

Each module ``eval/<detector>.py`` exposes ``rows() -> list[dict[str, object]]``, one dict per dataset
with exactly the keys of :data:`COLUMNS`; a metric that does not apply (precision on a set with no
positives, ROC AUC of a detector without scores) is ``None``. ``python -m eval`` prints them as one table.
"""

from __future__ import annotations

__all__ = ["COLUMNS"]

#: The keys of every row: dataset, detector, number of texts, precision, recall, F1, false-alarm rate on
#: the negatives, ROC AUC, throughput of ``detect`` in texts per second.
COLUMNS: tuple[str, ...] = (
    "dataset",
    "detector",
    "n",
    "precision",
    "recall",
    "f1",
    "false_alarm_rate",
    "roc_auc",
    "throughput",
)
