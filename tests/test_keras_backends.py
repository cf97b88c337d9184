"""ConvcamCallback on Keras 3's JAX and PyTorch backends, each in its own process.

Keras picks its backend once, at import, so each run is a subprocess with
KERAS_BACKEND set (tests/backend_run.py). They check the schedule, that no
TensorFlow is imported, that the three backends draw the same mosaics for the
same weights, that one process writes in multi-process runs, and that the
model-kind table passes on every backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from backend_run import LAYERS, model
from convcam_events import read_logdir
from event_files import written_steps

from harness.tensorboard import free_port

TESTS = os.path.dirname(os.path.abspath(__file__))
NOT_TENSORFLOW = ["jax", "torch"]


# Runs a script as if TensorFlow were not installed: `import tensorflow` raises ImportError.
WITHOUT_TENSORFLOW = "import runpy, sys; sys.modules['tensorflow'] = None; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


def run(backend, *args, without_tensorflow=False, timeout=300):
    """Run backend_run.py on `backend`; its JSON report."""
    env = dict(os.environ, KERAS_BACKEND=backend)
    script = [os.path.join(TESTS, "backend_run.py"), *map(str, args)]
    command = [sys.executable, "-c", WITHOUT_TENSORFLOW, *script] if without_tensorflow else [sys.executable, *script]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", NOT_TENSORFLOW)
def test_the_callback_logs_on_the_backend_without_importing_tensorflow(backend, tmp_path):
    report = run(backend, tmp_path, "--steps", 5)
    assert report == {"backend": backend, "step": 5, "skipped": [], "tensorflow_imported": False}
    assert written_steps(tmp_path, "c1") == [0, 2, 4, 5]
    assert written_steps(tmp_path, "c1/baseline") == [0]
    assert read_logdir(str(tmp_path))["."]["dual"][-1].pixels().shape[-1] == 3


def test_without_tensorflow_installed_the_callback_logs_and_the_tf_op_names_its_extra(tmp_path):
    report = run("torch", tmp_path, "--steps", 2, without_tensorflow=True)
    assert report["step"] == 2 and report["skipped"] == [] and written_steps(tmp_path, "c1") == [0, 2]
    result = subprocess.run([sys.executable, "-c", "import sys; sys.modules['tensorflow'] = None; "
                             "from tb_convcam import tile; import tb_convcam.summary"], capture_output=True, text=True)
    assert "ImportError: tb_convcam.summary is the tf.summary-style op and needs TensorFlow: " \
           "pip install 'tb_convcam[tensorflow]'" in result.stderr


def test_the_three_backends_draw_the_same_mosaics_for_the_same_weights(tmp_path):
    weights = tmp_path / "weights.npz"
    rng = np.random.default_rng(7)
    np.savez(weights, *[rng.normal(scale=0.3, size=w.shape).astype(np.float32) for w in model().get_weights()])
    mosaics = {}
    for backend in ["tensorflow", *NOT_TENSORFLOW]:
        run(backend, tmp_path / backend, "--weights", weights, "--lr", 0.0, "--steps", 1)
        logged = read_logdir(str(tmp_path / backend))["."]
        mosaics[backend] = {tag: logged[tag][0].pixels().astype(int) for tag in LAYERS}
    for backend in NOT_TENSORFLOW:
        for tag in LAYERS:
            difference = np.abs(mosaics[backend][tag] - mosaics["tensorflow"][tag]).max()
            assert difference <= 1, f"{backend} {tag}: {difference} grey levels from TensorFlow's"


def test_jax_data_parallel_over_two_devices_logs_each_step_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    report = run("jax", tmp_path, "--data-parallel", "--steps", 4)
    assert report["skipped"] == [] and written_steps(tmp_path, "c1") == [0, 2, 4]


@pytest.mark.parametrize("backend", NOT_TENSORFLOW)
def test_in_a_two_process_run_only_process_zero_writes(backend, tmp_path):
    port = free_port()
    env = dict(os.environ, KERAS_BACKEND=backend)
    processes = [
        subprocess.Popen([sys.executable, os.path.join(TESTS, "backend_run.py"), str(tmp_path), "--steps", "4",
                          "--process", str(rank), "2", str(port)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for rank in range(2)
    ]
    try:
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-4000:]
    assert len([name for name in os.listdir(tmp_path) if "tfevents" in name]) == 1, "one writer"
    assert written_steps(tmp_path, "c1") == [0, 2, 4]


@pytest.mark.parametrize("backend", NOT_TENSORFLOW)
def test_every_model_kind_on_the_backend(backend):
    """The model-kind table (test_model_kinds.py), run by pytest on the backend."""
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(TESTS, "test_model_kinds.py")],
        env=env, capture_output=True, text=True, timeout=600, cwd=TESTS,
    )
    assert result.returncode == 0, result.stdout[-6000:]
