"""tb_convcam.lightning.ConvcamCallback in Lightning's Trainer, on CPU."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from event_files import written_steps
from lit_models import LitDual, images, loader, trainer
from tb_convcam.lightning import ConvcamCallback

LAYERS = {"dual": ("net.backbone_a.layer2", "net.backbone_b.layer2")}


def event_files(directory) -> list[str]:
    return [name for root, _, names in os.walk(directory) for name in names if "tfevents" in name]


def test_logs_into_the_trainers_tensorboard_run_beside_its_scalars(tmp_path):
    convcam = ConvcamCallback(LAYERS, probe=images(2)[0], every_n_steps=5)
    fit = trainer(default_root_dir=tmp_path, max_epochs=2, callbacks=[convcam], log_every_n_steps=1)
    fit.fit(LitDual(), loader(8))
    run = fit.logger.log_dir
    assert event_files(tmp_path) == event_files(run) and len(event_files(run)) == 1
    assert written_steps(run, "dual") == [0, 5, 10, 15, 16], "baseline, every 5 global steps, the end"
    assert written_steps(run, "dual/baseline") == [0]
    from tensorboard.backend.event_processing import event_accumulator

    scalars = event_accumulator.EventAccumulator(run)
    scalars.Reload()
    assert "loss" in scalars.Tags()["scalars"]
    assert convcam.skipped_steps == []


def test_without_a_tensorboard_logger_it_writes_to_log_dir(tmp_path):
    convcam = ConvcamCallback(LAYERS, probe=images(2)[0], every_n_steps=3, log_dir=tmp_path / "convcam")
    trainer(default_root_dir=tmp_path, logger=False, max_steps=4, callbacks=[convcam]).fit(LitDual(), loader(4))
    assert written_steps(tmp_path / "convcam", "dual") == [0, 3, 4]


def test_configuration_errors_raise_before_the_first_step(tmp_path):
    model = LitDual()
    steps = []
    model.on_train_batch_start = lambda *args: steps.append(1)
    no_destination = ConvcamCallback(LAYERS, probe=images(2)[0])
    with pytest.raises(ValueError, match="log_dir: the trainer has no TensorBoardLogger"):
        trainer(default_root_dir=tmp_path, logger=False, max_steps=2, callbacks=[no_destination]).fit(model, loader(2))
    unknown = ConvcamCallback(["net.backbone_a.layr2"], probe=images(2)[0])
    with pytest.raises(ValueError, match="closest: 'net.backbone_a.layer2'"):
        trainer(default_root_dir=tmp_path, max_steps=2, callbacks=[unknown]).fit(model, loader(2))
    assert steps == []


def test_ddp_on_two_processes_writes_once_from_global_rank_0(tmp_path):
    script = os.path.join(os.path.dirname(__file__), "lightning_ddp_run.py")
    subprocess.run([sys.executable, script, str(tmp_path)], check=True, timeout=300, cwd=tmp_path)
    (run,) = {root for root, _, names in os.walk(tmp_path) if any("tfevents" in name for name in names)}
    assert len(event_files(tmp_path)) == 1
    assert written_steps(run, "dual") == [0, 2, 4, 5]
