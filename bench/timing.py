"""Alternating timers: machine noise hits both sides of a ratio alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(first: Callable[[], object], second: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of `first` and of `second`, run in turns `repeats` times each."""
    a, b = [], []
    for _ in range(repeats):
        for work, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            work()
            samples.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def paired(first: Callable[[], object], second: Callable[[], object], repeats: int) -> list[tuple[float, float]]:
    """Seconds of `first` and `second` in `repeats` adjacent pairs, run AB, BA, AB, ...

    For long, noisy work (a whole `model.fit`) compare within each pair: slow
    spells of the machine last several runs, so they hit both runs of a pair,
    and swapping the order cancels a steady drift.
    """
    pairs = []
    for index in range(repeats):
        order = ((first, 0), (second, 1)) if index % 2 == 0 else ((second, 1), (first, 0))
        seconds = [0.0, 0.0]
        for work, slot in order:
            started = time.perf_counter()
            work()
            seconds[slot] = time.perf_counter() - started
        pairs.append((seconds[0], seconds[1]))
    return pairs
