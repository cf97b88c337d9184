"""ConvcamLogger in a plain PyTorch training loop: what it logs, when, and what it leaves as it was."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torch.utils.tensorboard import SummaryWriter

from convcam_events import read_logdir, tag_content
from event_files import written_steps
from tb_convcam import metadata, tile
from tb_convcam.torch import ConvcamLogger
from torch_models import DualTower, SharedTower, activations, images, train_steps

DUAL = {"dual/layer2": ("backbone_a.layer2", "backbone_b.layer2"), "a/layer1": "backbone_a.layer1"}


def logged(logdir, run: str = ".") -> dict[str, list]:
    return read_logdir(str(logdir))[run]


def test_mosaics_are_tile_of_the_nhwc_activations(tmp_path):
    torch.manual_seed(0)
    model = DualTower()
    probe, _ = images(4, seed=1)
    with ConvcamLogger(tmp_path, model, DUAL, probe=probe, every_n_steps=5) as convcam:
        convcam.step(0)
        train_steps(model, 5, on_step=convcam.step)

    expected_merged = tile([activations(model, model.backbone_a.layer2, probe),
                            activations(model, model.backbone_b.layer2, probe)])[0]
    expected_single = tile(activations(model, model.backbone_a.layer1, probe))[0]
    tags = logged(tmp_path)
    np.testing.assert_array_equal(tags["dual/layer2"][-1].pixels(), expected_merged)
    np.testing.assert_array_equal(tags["a/layer1"][-1].pixels(), expected_single)
    sources = tags["dual/layer2"][-1].info["sources"]
    assert [s["name"] for s in sources] == ["backbone_a.layer2", "backbone_b.layer2"]


def test_logs_the_baseline_then_each_crossed_multiple(tmp_path):
    model = DualTower()
    probe, _ = images(2)
    convcam = ConvcamLogger(tmp_path, model, ["backbone_a.layer3"], probe=probe, every_n_steps=10)
    returned = {step: convcam.step(step) for step in (0, 4, 9, 10, 11, 25, 26, 31)}
    convcam.close()
    assert [s for s, did in returned.items() if did] == [0, 10, 25, 31]
    assert written_steps(tmp_path, "backbone_a.layer3") == [0, 10, 25, 31]
    assert written_steps(tmp_path, "backbone_a.layer3/baseline") == [0]


def test_probe_pass_restores_training_flags_and_removes_only_its_hooks(tmp_path):
    model = DualTower()
    model.train()
    model.backbone_b.eval()  # a frozen backbone: its flags must survive the probe pass too
    flags = {name: m.training for name, m in model.named_modules()}
    calls = []
    model.backbone_a.layer2.register_forward_hook(lambda m, i, out: calls.append("user hook"))
    hooks = {name: len(m._forward_hooks) for name, m in model.named_modules()}
    convcam = ConvcamLogger(tmp_path, model, DUAL, probe=images(2)[0])
    calls.clear()
    assert convcam.log(0)
    convcam.close()
    assert {name: m.training for name, m in model.named_modules()} == flags
    assert {name: len(m._forward_hooks) for name, m in model.named_modules()} == hooks
    assert calls == ["user hook"], "the user's hook sees the probe pass, as any forward"


def test_probe_pass_runs_at_inference_and_stops_after_the_last_wanted_layer(tmp_path):
    model = DualTower()
    probe, _ = images(4)
    heads = []
    model.head.register_forward_hook(lambda m, i, out: heads.append(1))
    means = model.backbone_a.layer1[1].running_mean.clone()
    convcam = ConvcamLogger(tmp_path, model, ["backbone_a.layer2"], probe=probe)
    convcam.log(0)
    convcam.close()
    assert heads == [], "the forward stops once backbone_a.layer2 is caught"
    assert torch.equal(model.backbone_a.layer1[1].running_mean, means), "BatchNorm ran in eval mode"
    first = logged(tmp_path)["backbone_a.layer2"][0].pixels()
    np.testing.assert_array_equal(first, tile(activations(model, model.backbone_a.layer2, probe))[0])


def test_flags_restored_and_training_goes_on_when_the_probe_forward_fails(tmp_path):
    model = DualTower()
    model.train()
    convcam = ConvcamLogger(tmp_path, model, ["backbone_a.layer3"], probe=images(2)[0], every_n_steps=2)
    convcam.step(0)

    def fail(module, inputs):
        if not module.training:
            raise RuntimeError("CUDA out of memory (simulated in the probe pass)")

    handle = model.backbone_a.layer2.register_forward_pre_hook(fail)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_steps(model, 6, on_step=convcam.step)
        handle.remove()
        convcam.close()
    assert all(m.training for m in model.modules())
    assert convcam.skipped_steps == [2, 4, 6]
    messages = [str(w.message) for w in caught]
    assert sum("probe forward failed at step 2" in m for m in messages) == 1, messages
    assert not any("step 4" in m and "probe forward" in m for m in messages), "warned once per kind"
    assert any("3 logged step(s) were skipped" in m for m in messages), "close() sums the failures up"
    assert written_steps(tmp_path, "backbone_a.layer3") == [0]


def test_channels_last_and_bfloat16_give_tile_of_the_nhwc_array(tmp_path):
    probe, _ = images(2)
    for name, convert in {"channels_last": lambda m: m.to(memory_format=torch.channels_last),
                          "bfloat16": lambda m: m.to(torch.bfloat16),
                          "half": lambda m: m.half()}.items():
        torch.manual_seed(0)
        model = convert(DualTower())
        with ConvcamLogger(tmp_path / name, model, ["backbone_a.layer2"], probe=probe) as convcam:
            assert convcam.log(0)
        activation = activations(model, model.backbone_a.layer2, probe.to(next(model.parameters()).dtype))
        np.testing.assert_array_equal(
            logged(tmp_path / name)["backbone_a.layer2"][0].pixels(), tile(activation)[0], err_msg=name
        )


def test_autocast_training_loop(tmp_path):
    model = DualTower()
    x, y = images(16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with ConvcamLogger(tmp_path, model, DUAL, probe=x[:2], every_n_steps=1) as convcam:
        convcam.step(0)
        for step in (1, 2):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = nn.functional.cross_entropy(model(x[8 * (step - 1):8 * step]), y[8 * (step - 1):8 * step])
            loss.backward()
            optimizer.step()
            convcam.step(step)
    assert convcam.skipped_steps == []
    assert written_steps(tmp_path, "dual/layer2") == [0, 1, 2]


def test_data_parallel_paths_with_or_without_module_prefix(tmp_path):
    model = nn.DataParallel(DualTower())
    layers = {"plain": "backbone_a.layer1", "prefixed": "module.backbone_a.layer1"}
    with ConvcamLogger(tmp_path, model, layers, probe=images(2)[0]) as convcam:
        convcam.step(0)
    tags = logged(tmp_path)
    np.testing.assert_array_equal(tags["plain"][0].pixels(), tags["prefixed"][0].pixels())
    assert tag_content(str(tmp_path))["."]["prefixed"]["sources"] == [
        {"name": "module.backbone_a.layer1", "resolved": "backbone_a.layer1"}
    ]


def test_compiled_model_logs_without_recompiling_training(tmp_path):
    import torch._dynamo

    torch._dynamo.reset()
    torch.manual_seed(0)
    model = DualTower()
    compiled = torch.compile(model, backend="aot_eager")  # inductor's C++ build takes 40 s on 2 cores
    probe, _ = images(2)
    convcam = ConvcamLogger(tmp_path, compiled, ["_orig_mod.backbone_a.layer2", "backbone_b.layer2"], probe=probe,
                            every_n_steps=1)
    train_steps(compiled, 1)
    frames = dict(torch._dynamo.utils.counters["frames"])
    assert frames.get("ok"), "the training step ran compiled"
    convcam.step(1)
    train_steps(compiled, 2, on_step=lambda step: convcam.step(1 + step))
    convcam.close()
    assert dict(torch._dynamo.utils.counters["frames"]) == frames, "logging made dynamo compile again"
    tags = logged(tmp_path)
    assert written_steps(tmp_path, "backbone_b.layer2") == [1, 2, 3]
    np.testing.assert_array_equal(tags["backbone_b.layer2"][-1].pixels(),
                                  tile(activations(model, model.backbone_b.layer2, probe))[0])


def test_shared_tower_calls_by_index_and_probe_by_keyword(tmp_path):
    model = SharedTower()
    left, right = images(2, seed=1)[0], images(2, seed=2)[0]
    layers = {"left": "tower.layer2", "right": "tower.layer2@1"}
    with ConvcamLogger(tmp_path, model, layers, probe={"left": left, "right": right}) as convcam:
        convcam.step(0)
    tags = logged(tmp_path)
    np.testing.assert_array_equal(tags["left"][0].pixels(), tile(activations(model.tower, model.tower.layer2, left))[0])
    np.testing.assert_array_equal(tags["right"][0].pixels(),
                                  tile(activations(model.tower, model.tower.layer2, right))[0])
    assert tag_content(str(tmp_path))["."]["right"]["sources"][0]["resolved"] == "tower.layer2@1"
    with pytest.raises(ValueError, match=r"'tower.layer2@2' \(Sequential\) is called 2 time\(s\).*got @2"):
        ConvcamLogger(tmp_path / "bad", model, ["tower.layer2@2"], probe={"left": left, "right": right})


def test_a_given_summary_writer_shares_its_event_file_with_the_users_scalars(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    model = DualTower()
    convcam = ConvcamLogger(writer, model, DUAL, probe=images(2)[0], every_n_steps=2)
    convcam.step(0)
    train_steps(model, 4, on_step=lambda step: (writer.add_scalar("loss", 1.0 / step, step), convcam.step(step)))
    convcam.close()
    writer.add_scalar("loss", 0.1, 5)  # the logger does not close a writer it was given
    writer.close()
    assert len([f for f in os.listdir(tmp_path) if "tfevents" in f]) == 1
    assert written_steps(tmp_path, "dual/layer2") == [0, 2, 4]
    from tensorboard.backend.event_processing import event_accumulator

    scalars = event_accumulator.EventAccumulator(str(tmp_path))
    scalars.Reload()
    assert [e.step for e in scalars.Scalars("loss")] == [1, 2, 3, 4, 5]


def test_writes_without_importing_tensorflow(tmp_path):
    script = f"""
import sys
sys.path.insert(0, {os.path.dirname(__file__)!r})
from tb_convcam.torch import ConvcamLogger
from torch_models import DualTower, images
with ConvcamLogger({str(tmp_path)!r}, DualTower(), ["backbone_a.layer2"], probe=images(2)[0]) as convcam:
    assert convcam.step(0)
assert "tensorflow" not in sys.modules and "keras" not in sys.modules, sorted(sys.modules)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert written_steps(tmp_path, "backbone_a.layer2") == [0]


def test_a_list_of_batch_indices_logs_a_mosaic_per_probe_image(tmp_path):
    model = DualTower()
    probe, _ = images(3)
    with ConvcamLogger(tmp_path, model, ["backbone_a.layer2"], probe=probe, batch_index=[2, 0]) as convcam:
        convcam.step(0)
    logged_step = logged(tmp_path)["backbone_a.layer2"][0]
    pngs, infos = logged_step.blobs[0::2], [metadata.parse_step_info(blob) for blob in logged_step.blobs[1::2]]
    assert [info["batch_index"] for info in infos] == [2, 0]
    activation = activations(model, model.backbone_a.layer2, probe)
    for png, index in zip(pngs, (2, 0)):
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), tile(activation, batch_index=index)[0])
    assert len(logged(tmp_path)[metadata.PROBE_TAG][0].blobs) == 2, "one probe image per mosaic"
    with pytest.raises(ValueError, match=r"batch_index: expected < batch size 3 of data, got 3"):
        ConvcamLogger(tmp_path / "bad", model, ["backbone_a.layer2"], probe=probe, batch_index=[0, 3])
