"""Alternating timers: machine noise hits both sides of a ratio alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(first: Callable[[], object], second: Callable[[], object], repeats: int,
              clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median seconds of `first` and of `second` by `clock` (wall time; `time.process_time` for the
    CPU time of all the process's threads), run in turns `repeats` times each."""
    a, b = [], []
    for _ in range(repeats):
        for work, samples in ((first, a), (second, b)):
            started = clock()
            work()
            samples.append(clock() - started)
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


def overhead(pairs: list[tuple[float, float]], inside: list[float]) -> dict[str, float | list[float]]:
    """What logging adds to training, two ways, from `paired` runs with and without it and the
    seconds spent inside the logger during the runs with it (see bench/logging_cost.fit_overhead)."""
    with_logging, without = zip(*pairs)
    return {
        "with_s": statistics.median(with_logging),
        "without_s": statistics.median(without),
        "ratio": statistics.median(a / b for a, b in pairs),
        "pair_ratios": [a / b for a, b in pairs],
        "inside_s": sum(inside),
        "inside_share": sum(inside) / sum(with_logging),
    }
