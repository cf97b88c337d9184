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
