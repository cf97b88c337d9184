"""The tab benchmark's sweep: 150 small runs, the shape of tests/sweep_logdir.py's, with steps to scrub.

tests/sweep_logdir.py (what the browser tests open) holds 150 runs of one
4×4 kernel at two steps; two slider positions leave nothing to jump to. This
one holds the same runs and layer at SWEEP_STEPS steps, every mosaic also in
the Images dashboard (`also_to_images`), so TensorBoard's Images page can be
measured on the same logdir. Written record by record (no logger, no
TensorFlow) into a fresh temporary folder: about 150 records a second per
step on 2 CPUs, no cache needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tb_convcam import records
from tb_convcam.event_writer import EventWriter
from tb_convcam.mosaic import TileOptions

LAYER = "sweep/conv1"
RUN_COUNT = 150
SWEEP_STEPS = 60
RATES = ("a", "b", "c")


def run_names(count: int = RUN_COUNT) -> list[str]:
    """`lr=<a|b|c>/seed=<n>`, as in tests/sweep_logdir.py."""
    return [f"lr={rate}/seed={seed}" for rate in RATES for seed in range(count) if seed % len(RATES) == RATES.index(rate)]


def write_sweep_logdir(root: Path, count: int = RUN_COUNT, steps: int = SWEEP_STEPS) -> Path:
    writes = records.writes(LAYER, (LAYER,), None, None, baseline=False, also_to_images=True)
    for index, run in enumerate(run_names(count)):
        writer = EventWriter(str(root / run))
        for step in range(steps):
            maps = np.zeros((1, 4, 4, 1), np.float32)
            maps[0, :, : 1 + (index + step) % 3, 0] = 1.0 + step  # 1-3 of 4 columns lit: differs by run and step
            mosaic = records.prepare([maps], (LAYER,), [TileOptions()], writes)
            if not writer.write(step, records.summaries([mosaic])):
                raise RuntimeError(f"{run} step {step} not written")
        writer.close()
    return root
