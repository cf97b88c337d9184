"""Faults during long runs: training goes on, a warning says what was skipped, logging resumes."""

import json
import os
import shutil

import numpy as np
from convcam_events import read_logdir, tag_steps
from convcam_fit import fit_with_convcam
from keras_models import noisy_conv_model
from small_disk import run_with_small_disk

TESTS = os.path.dirname(__file__)


def test_a_removed_log_directory_is_recreated_and_logging_resumes(tmp_path):
    log_dir = tmp_path / "run"
    model = noisy_conv_model()
    convcam, messages = fit_with_convcam(model, str(log_dir), {5: lambda: shutil.rmtree(log_dir)})
    assert int(model.optimizer.iterations) == 10
    assert convcam.skipped_steps == [6]
    assert any("did not reach" in m and "step 6" in m for m in messages)
    assert tag_steps(log_dir, "conv") == [8, 10]


def test_nan_and_inf_activations_are_logged_not_fatal(tmp_path):
    model = noisy_conv_model(16)
    conv = model.get_layer("conv")

    def poison():
        kernel, bias = conv.get_weights()
        conv.set_weights([kernel, np.full_like(bias, np.nan)])

    convcam, messages = fit_with_convcam(model, str(tmp_path), {3: poison}, steps=6)
    assert messages == [] and convcam.skipped_steps == []
    logged = read_logdir(str(tmp_path))["."]["conv"]
    assert [m.step for m in logged] == [0, 2, 4, 6]
    assert logged[-1].info["sources"][0]["stats"]["nonfinite"].sum() == 16 * 16 * 32


FULL_DISK_SCRIPT = """
import json, os, sys
sys.path.insert(0, {tests!r})
from convcam_events import tag_steps
from convcam_fit import fit_with_convcam
from keras_models import noisy_conv_model
mount = {mount!r}

def fill_disk():
    with open(os.path.join(mount, "filler"), "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(bytes(4096))
        except OSError:
            pass

model = noisy_conv_model()
actions = {{3: fill_disk, 7: lambda: os.remove(os.path.join(mount, "filler"))}}
convcam, messages = fit_with_convcam(model, os.path.join(mount, "run"), actions)
steps = tag_steps(os.path.join(mount, "run"), "conv")
print(json.dumps({{"iterations": int(model.optimizer.iterations), "skipped": convcam.skipped_steps,
                  "messages": messages, "steps": steps}}))
"""


def test_a_full_disk_skips_steps_with_a_warning_and_logging_resumes_once_space_is_back(tmp_path):
    """A real full file system: a 2 MB tmpfs in a private mount namespace."""
    mount = tmp_path / "small_disk"
    script = tmp_path / "fill_disk_while_training.py"
    script.write_text(FULL_DISK_SCRIPT.format(tests=TESTS, mount=str(mount)))
    result = run_with_small_disk(mount, script)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["iterations"] == 10, "training went on"
    assert report["skipped"] == [4, 6]
    assert any("did not reach" in m for m in report["messages"])
    assert report["steps"] == [0, 2, 8, 10], "the next good step logged again"
