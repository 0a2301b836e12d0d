"""The evaluation's statistics (``eval/``): what the figures in the README and the closing notes rest on."""

from __future__ import annotations

import random

from eval.toxicity import _macro_f1, _macro_f1_interval


def _predictions(n: int, accuracy: float, seed: int) -> tuple[list[int], list[bool]]:
    rng = random.Random(seed)
    labels = [int(rng.random() < 0.35) for _ in range(n)]
    fired = [bool(y) if rng.random() < accuracy else not y for y in labels]
    return labels, fired


def test_the_interval_holds_the_figure_and_narrows_with_more_rows() -> None:
    small = _predictions(300, 0.8, seed=1)
    large = _predictions(3000, 0.8, seed=1)
    for labels, fired in (small, large):
        low, high = _macro_f1_interval(labels, fired)
        assert low < _macro_f1(labels, fired) < high
    (a, b), (c, d) = _macro_f1_interval(*small), _macro_f1_interval(*large)
    small_width, large_width = b - a, d - c
    # the width of a bootstrap interval shrinks as one over the square root of the rows: ~sqrt(10) here
    assert 2.0 < small_width / large_width < 4.5


def test_perfect_predictions_have_no_spread_and_the_seed_fixes_the_interval() -> None:
    labels = [0, 1] * 200
    assert _macro_f1_interval(labels, [bool(y) for y in labels]) == (1.0, 1.0)
    labels, fired = _predictions(500, 0.75, seed=2)
    assert _macro_f1_interval(labels, fired) == _macro_f1_interval(labels, fired)
    assert _macro_f1_interval(labels, fired, seed=1) != _macro_f1_interval(labels, fired, seed=2)


def test_the_interval_covers_the_figure_of_a_fresh_sample_most_of_the_time() -> None:
    # the same quality measured on new rows lands inside the first sample's interval about 83 % of the time (two
    # samples' figures differ by sqrt(2) times the spread of one)
    labels, fired = _predictions(1300, 0.8, seed=3)
    low, high = _macro_f1_interval(labels, fired)
    inside = sum(low <= _macro_f1(*_predictions(1300, 0.8, seed=100 + k)) <= high for k in range(40))
    assert inside >= 30
