"""The PyTorch demo (`python -m demo.torch`): both runs, the Keras demo's tags, no TensorFlow."""

import subprocess
import sys

from convcam_events import read_logdir

from demo import models
from tb_convcam import metadata


def test_torch_demo_logs_a_blank_and_a_trained_run_without_tensorflow(tmp_path):
    script = f"""
import sys
from demo import torch as demo_torch
demo_torch.main(["--no-serve", "--logdir", {str(tmp_path)!r}, "--epochs", "2", "--images", "128", "--every", "3"])
assert "tensorflow" not in sys.modules and "keras" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=600)
    logged = read_logdir(str(tmp_path))
    layer_tags = set(models.convcam_layers("small"))  # the same tags as the Keras demo's
    for run in ("blank", "trained"):
        assert layer_tags | {f"{tag}/baseline" for tag in layer_tags} | {metadata.PROBE_TAG} == set(logged[run])
        assert [m.step for m in logged[run]["dual/conv3"]] == [0, 3, 6, 8]
    blank, trained = logged["blank"]["dual/block2_out"], logged["trained"]["dual/block2_out"]
    assert blank[0].png == trained[0].png, "both runs start from the same weights"
    assert all(m.png == blank[0].png for m in blank), "the blank run never learns"
    assert trained[-1].png != trained[0].png, "the trained run does"
