"""A sweep's logdir: many small runs, written record by record (no logger, no TensorFlow).

Each run holds one layer of one kernel (a 4×4 map) at two steps, written with
tb_convcam.records and event_writer the way tests/health_logdir.py does: 150
runs take well under a few seconds. Run names are `lr=<a|b|c>/seed=<n>`, so a
plain sort (`seed=10` before `seed=2`) and a natural one differ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from event_files import mosaic_records

from tb_convcam.event_writer import EventWriter

LAYER = "sweep/conv1"
STEPS = (0, 1)
RUN_COUNT = 150
RATES = ("a", "b", "c")


def run_names(count: int = RUN_COUNT) -> list[str]:
    """The runs, in natural order: by rate, then seed by value."""
    return [f"lr={rate}/seed={seed}" for rate in RATES for seed in range(count) if seed % len(RATES) == RATES.index(rate)]


def write_sweep_logdir(root: Path, count: int = RUN_COUNT) -> Path:
    for index, run in enumerate(run_names(count)):
        writer = EventWriter(str(root / run))
        for step in STEPS:
            maps = np.full((1, 4, 4, 1), 0.0, np.float32)
            maps[0, :, : 1 + (index + step) % 3, 0] = 1.0 + step  # 1-3 of 4 columns lit: differs by run and step, never constant
            assert writer.write(step, mosaic_records(LAYER, maps)), f"{run} step {step} not written"
        writer.close()
    return root
