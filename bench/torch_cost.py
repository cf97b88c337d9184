"""What the PyTorch ConvcamLogger costs, on the PyTorch demo's model (`demo.torch`).

- torch_log_call_vs_limit: one `ConvcamLogger.log` (probe forward with hooks,
  outputs to host NHWC, tile, encode, records, write; all tags) / its limit:
  the probe forward of the same layers with the outputs on the host
  (`TorchProbe.arrays`) and PNG-encoding the same mosaics with the same
  encoder. Medians of alternated calls.
- torch_fit_overhead_every100: a plain training loop calling `step` every
  step, logging every 100 steps, against the same loop without the logger,
  two ways as for Keras (bench/logging_cost.py `fit_overhead`): adjacent pairs
  of loops' wall times, and the share of the loops' time spent inside `step`.
"""

from __future__ import annotations

import tempfile
import time

from bench.logging_cost import log_call_vs_limit
from bench.timing import overhead, paired


def _demo(log_dir: str, every: int):
    """The PyTorch demo's model, its training data and a ConvcamLogger of the demo's layers."""
    import torch

    from demo import data
    from demo import torch as demo_torch
    from tb_convcam.torch import ConvcamLogger

    torch.manual_seed(0)
    model = demo_torch.DualBackbone(len(data.CLASSES)).to(memory_format=torch.channels_last)
    probe, _ = data.make_images(4, 64, seed=1)
    logger = ConvcamLogger(log_dir, model, demo_torch.convcam_layers(), probe=demo_torch.nchw(probe),
                           every_n_steps=every)
    return model, logger


def log_call_ratio(repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as log_dir:
        model, logger = _demo(log_dir, every=100)
        logger.log(0)
        result = log_call_vs_limit(logger.log, logger._probe.arrays, logger._logger.mosaics, logger._logger.options,
                                   repeats)
        logger.close()
        if logger.skipped_steps:
            raise RuntimeError(f"torch log_call_ratio: the logger skipped steps {logger.skipped_steps[:5]}")
        return result


def fit_overhead(steps: int, repeats: int) -> dict[str, float | list[float]]:
    """Training loops of `steps` steps with `step()` called every step (logging every 100) against
    without the logger; `inside_share` is the time inside `step()` over the loops' wall time."""
    import torch
    from torch import nn

    from demo import data
    from demo import torch as demo_torch

    images, labels = data.make_images(steps * 32, 64, seed=0)
    x, y = demo_torch.nchw(images), torch.from_numpy(labels).long()
    with tempfile.TemporaryDirectory() as log_dir:
        model, logger = _demo(log_dir, every=100)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        in_step: list[float] = []
        global_step = 0

        def loop(log: bool) -> None:
            nonlocal global_step
            for start in range(0, len(x), 32):
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x[start:start + 32]), y[start:start + 32]).backward()
                optimizer.step()
                global_step += 1
                if log:
                    started = time.perf_counter()
                    logger.step(global_step)
                    in_step.append(time.perf_counter() - started)

        loop(False)  # warm up oneDNN's kernels outside the measurement
        logger.step(0)  # the baseline, and the check forward's caches, outside it too
        pairs = paired(lambda: loop(True), lambda: loop(False), repeats)
        logger.close()
    return overhead(pairs, in_step)
