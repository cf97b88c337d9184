"""summary.mosaic behaves like tf.summary.image and writes what TensorBoard can read."""

import numpy as np
import pytest
import tensorflow as tf
from convcam_events import read_logdir, tag_content

from tb_convcam import summary, tile


@pytest.fixture
def activations():
    return np.random.default_rng(0).normal(size=(2, 6, 5, 12)).astype(np.float32)


def test_written_mosaic_reads_back_through_tensorboard_as_png_and_step_info(tmp_path, activations):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        assert bool(summary.mosaic("block/conv", activations, step=3, description="an early layer"))
    (logged,) = read_logdir(str(tmp_path))["."]["block/conv"]
    expected, layout = tile(activations)
    assert logged.step == 3
    np.testing.assert_array_equal(logged.pixels(), expected)
    assert (logged.info["rows"], logged.info["cols"]) == (layout.rows, layout.cols)
    np.testing.assert_array_equal(logged.info["sources"][0]["stats"]["min"], layout.sources[0].stats.min)
    assert tag_content(str(tmp_path))["."]["block/conv"]["sources"] == [{"name": "block/conv", "resolved": "block/conv"}]


def test_uses_the_default_step_and_works_inside_tf_function(tmp_path, activations):
    @tf.function
    def log(a, b):
        return summary.mosaic("dual", [a, b], sources=["xa/conv", "xb/conv"])

    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=7):
        assert bool(log(activations, activations[..., :6]))
    (logged,) = read_logdir(str(tmp_path))["."]["dual"]
    assert logged.step == 7
    np.testing.assert_array_equal(logged.pixels(), tile([activations, activations[..., :6]])[0])
    assert [s["name"] for s in logged.info["sources"]] == ["xa/conv", "xb/conv"]


def test_without_a_default_writer_nothing_is_written(activations):
    assert not bool(summary.mosaic("idle", activations, step=0))


def test_without_a_step_it_fails_like_tf_summary(tmp_path, activations):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with pytest.raises(ValueError, match="step"):
            summary.mosaic("no_step", activations)


def test_also_to_images_puts_the_same_png_on_the_images_dashboard(tmp_path, activations):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        summary.mosaic("conv", activations, step=1, also_to_images=True)
    (convcam,) = read_logdir(str(tmp_path))["."]["conv"]
    (image,) = read_logdir(str(tmp_path), plugin="images")["."]["conv/image"]
    width, height, png = image.blobs
    assert png == convcam.png
    assert (int(height), int(width)) == convcam.pixels().shape[:2]


def test_a_baseline_step_is_also_kept_under_its_companion_tag(tmp_path, activations):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        summary.mosaic("conv", activations, step=0, baseline=True)
        summary.mosaic("conv", activations * 2, step=1)
    logged = read_logdir(str(tmp_path))["."]
    assert [m.step for m in logged["conv"]] == [0, 1]
    assert [m.step for m in logged["conv/baseline"]] == [0]
    assert logged["conv/baseline"][0].png == logged["conv"][0].png
    assert tag_content(str(tmp_path))["."]["conv/baseline"]["baseline_of"] == "conv"
    assert "baseline_of" not in tag_content(str(tmp_path))["."]["conv"]


def test_companion_writes_work_inside_tf_function(tmp_path, activations):
    @tf.function
    def log(a):
        return summary.mosaic("conv", a, step=5, baseline=True, also_to_images=True)

    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        assert bool(log(activations))
    logged = read_logdir(str(tmp_path))["."]
    assert logged["conv"][0].png == logged["conv/baseline"][0].png
    assert read_logdir(str(tmp_path), plugin="images")["."]["conv/image"][0].blobs[2] == logged["conv"][0].png


def test_a_layer_whose_shape_changes_between_steps_logs_each_step_with_its_own_layout(tmp_path):
    rng = np.random.default_rng(1)
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        summary.mosaic("conv", rng.normal(size=(8, 8, 16)), step=0)
        summary.mosaic("conv", rng.normal(size=(4, 6, 40)), step=1)
    first, second = read_logdir(str(tmp_path))["."]["conv"]
    assert (first.info["tile_height"], first.info["kernel_count"]) == (8, 16)
    assert (second.info["tile_width"], second.info["kernel_count"]) == (6, 40)
    assert first.pixels().shape[:2] == (first.info["height"], first.info["width"])
    assert second.pixels().shape[:2] == (second.info["height"], second.info["width"])


def test_the_mosaic_and_its_companions_get_events_of_their_own(tmp_path, activations):
    """TensorBoard's Python loader keeps a whole event alive while it keeps any of its values."""
    from tensorboard.backend.event_processing import event_file_loader

    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        summary.mosaic("conv", activations, step=0, baseline=True, also_to_images=True)
    (path,) = tmp_path.glob("events.out.tfevents.*")
    events = [event for event in event_file_loader.EventFileLoader(str(path)).Load() if event.HasField("summary")]
    assert sorted(value.tag for event in events for value in event.summary.value) == ["conv", "conv/baseline", "conv/image"]
    assert [len(event.summary.value) for event in events] == [1, 1, 1]
