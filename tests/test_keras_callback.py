"""ConvcamCallback on real Keras models: nested paths, dual merge, schedule, failures."""

import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import tensorflow as tf
from convcam_events import read_logdir, tag_content
from event_files import written_steps
from keras_models import SIZE, dual_model, training_data

from tb_convcam import ConvcamCallback, tile


def test_logs_the_blank_model_every_n_global_steps_and_the_end(tmp_path):
    model = dual_model()
    images, labels = training_data(16)
    callback = ConvcamCallback(tmp_path, ["xa/conv1"], probe=images[:2], every_n_steps=3)
    model.fit(images, labels, batch_size=2, epochs=2, callbacks=[callback], verbose=0)  # 16 global steps
    assert written_steps(tmp_path, "xa/conv1") == [0, 3, 6, 9, 12, 15, 16]
    assert written_steps(tmp_path, "xa/conv1/baseline") == [0], "the blank model is kept apart from sampling"


def test_a_second_fit_continues_the_global_step_without_logging_twice(tmp_path):
    model = dual_model()
    images, labels = training_data(8)
    callback = ConvcamCallback(tmp_path, ["xa/conv1"], probe=images[:1], every_n_steps=4)
    for _ in range(2):
        model.fit(images, labels, batch_size=2, epochs=1, callbacks=[callback], verbose=0)
    assert written_steps(tmp_path, "xa/conv1") == [0, 4, 8]


def test_steps_per_execution_logs_the_same_global_steps(tmp_path):
    model = dual_model()
    model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=3)
    images, labels = training_data(24)
    model.fit(images, labels, batch_size=2, epochs=1, verbose=0,
              callbacks=[ConvcamCallback(tmp_path, ["xa/conv1"], probe=images[:1], every_n_steps=4)])
    assert written_steps(tmp_path, "xa/conv1") == [0, 6, 9, 12], "the first step past each multiple of 4"


def test_a_custom_loop_whose_batch_index_restarts_each_epoch_logs_every_n_global_steps(tmp_path):
    model = dual_model()
    images, labels = training_data(6)
    callbacks = keras.callbacks.CallbackList(
        [ConvcamCallback(tmp_path, ["xa/conv1"], probe=images[:1], every_n_steps=4)], model=model)
    callbacks.on_train_begin()
    for _ in range(3):  # no epoch hooks, as in some custom loops
        for index in range(3):
            callbacks.on_train_batch_begin(index)
            model.train_on_batch(images[2 * index : 2 * index + 2], labels[2 * index : 2 * index + 2])
            callbacks.on_train_batch_end(index)
    callbacks.on_train_end()
    assert written_steps(tmp_path, "xa/conv1") == [0, 4, 8, 9]


def test_paths_reach_into_nested_models_and_tuples_merge_into_rgb(tmp_path):
    model = dual_model()
    images, labels = training_data(4)
    layers = {"dual/conv1": ("xa/conv1", "xb/conv1"), "xb/conv1": "xb/conv1"}
    model.fit(images, labels, batch_size=2, epochs=1, verbose=0,
              callbacks=[ConvcamCallback(tmp_path, layers, probe=images[:2], every_n_steps=1)])
    logged = read_logdir(str(tmp_path))["."]
    inner = [keras.Model(model.get_layer(n).input, model.get_layer(n).get_layer("conv1").output) for n in ("xa", "xb")]
    final_activations = [np.asarray(m(images[:2])) for m in inner]
    expected_rgb, _ = tile(final_activations)
    last = logged["dual/conv1"][-1]
    assert last.pixels().shape[-1] == 3
    assert np.abs(last.pixels().astype(int) - expected_rgb).max() <= 1, "channel i is source i's mosaic"
    np.testing.assert_array_equal(last.pixels()[..., 1], logged["xb/conv1"][-1].pixels())


def test_auto_named_layers_resolve_to_the_name_they_have_when_built_alone(tmp_path):
    model = dual_model()  # xb's auto-named convs are conv2d_<n> with n > 0 in this process
    images, labels = training_data(2)
    callback = ConvcamCallback(tmp_path, {"b": "xb/conv2d", "exact": "xa/conv1"}, probe=images[:1])
    model.fit(images, labels, batch_size=2, epochs=1, callbacks=[callback], verbose=0)
    real_name = [layer.name for layer in model.get_layer("xb").layers if layer.name.startswith("conv2d")][0]
    content = tag_content(str(tmp_path))["."]
    assert content["b"]["sources"] == [{"name": "xb/conv2d", "resolved": f"xb/{real_name}"}]
    assert content["exact"]["sources"] == [{"name": "xa/conv1", "resolved": "xa/conv1"}]


def test_dual_xception_backbones_by_the_names_of_a_model_built_alone(tmp_path):
    """'add_10' is the 11th Add of an Xception built alone; nested, its Add layers are numbered on
    from earlier ones, and the path finds the 11th, unless a layer is named exactly 'add_10'."""
    keras.backend.clear_session()  # restart Keras' name counters, so the names below are certain
    for _ in range(5):  # take the names add .. add_4: xa's Add layers are add_5 .. add_16
        keras.layers.Add()
    inputs = keras.Input((71, 71, 3))
    nested = [keras.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3), name=n)
              for n in ("xa", "xb")]
    pooled = [keras.layers.GlobalAveragePooling2D()(net(inputs)) for net in nested]
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Concatenate()(pooled)))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), run_eagerly=True)
    images = np.random.default_rng(1).uniform(size=(2, 71, 71, 3)).astype(np.float32)
    callback = ConvcamCallback(tmp_path, {"dual/add_10": ("xa/add_10", "xb/add_10")}, probe=images[:1])
    model.fit(images, np.array([0, 1]), batch_size=2, epochs=1, callbacks=[callback], verbose=0)

    xa_adds, xb_adds = ([layer.name for layer in net.layers if layer.name.startswith("add")] for net in nested)
    assert (xa_adds[0], xa_adds[10], xb_adds[0], xb_adds[10]) == ("add_5", "add_15", "add_17", "add_27")
    assert tag_content(str(tmp_path))["."]["dual/add_10"]["sources"] == [
        {"name": "xa/add_10", "resolved": "xa/add_10"},  # xa holds an add_10 (its 6th Add): the exact name wins
        {"name": "xb/add_10", "resolved": "xb/add_27"},  # xb holds none: its 11th Add
    ]
    last = read_logdir(str(tmp_path))["."]["dual/add_10"][-1]
    assert last.info["kernel_count"] == 728 and (last.info["tile_height"], last.info["tile_width"]) == (5, 5)
    assert last.pixels()[..., 0].any() and last.pixels()[..., 1].any() and not last.pixels()[..., 2].any()


class FailsWhenProbed(keras.layers.Layer):
    """Identity in training; in inference it fails while `broken` is set."""

    def build(self, input_shape):
        self.broken = self.add_weight(shape=(), initializer="zeros", trainable=False, name="broken")

    def call(self, x, training=False):
        if training:
            return x
        with tf.control_dependencies([tf.debugging.assert_equal(self.broken, 0.0, message="probe broke")]):
            return tf.identity(x)

    def compute_output_shape(self, input_shape):
        return input_shape


class BreakBetween(keras.callbacks.Callback):
    def __init__(self, layer, start, stop):
        super().__init__()
        self.layer, self.start, self.stop = layer, start, stop

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)
        self.layer.broken.assign(1.0 if self.start <= step < self.stop else 0.0)


def test_a_failure_while_logging_warns_once_and_training_goes_on(tmp_path):
    inputs = keras.Input((SIZE, SIZE, 3))
    fragile = FailsWhenProbed(name="fragile")
    x = keras.layers.Conv2D(4, 3, name="conv")(fragile(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(x)))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = training_data(16)
    convcam = ConvcamCallback(tmp_path, ["conv"], probe=images[:1], every_n_steps=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(images, labels, batch_size=2, epochs=1, verbose=0,
                  callbacks=[BreakBetween(fragile, 3, 6), convcam])
    ours = [str(w.message) for w in caught if "ConvcamCallback" in str(w.message)]
    assert len(ours) == 2, "one warning when it happens, one summing up at the end"
    assert "probe forward failed at step 4" in ours[0] and "skipped" in ours[0]
    assert "1 logged step(s) were skipped" in ours[1] and "[4]" in ours[1]
    assert convcam.skipped_steps == [4]
    assert int(model.optimizer.iterations) == 8
    assert written_steps(tmp_path, "conv") == [0, 2, 6, 8]


def test_mirrored_strategy_on_two_devices_writes_each_step_once(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(__file__.rsplit('/', 1)[0])!r})
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras, numpy as np
        from keras_models import dual_model, training_data
        from tb_convcam import ConvcamCallback
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        with strategy.scope():
            model = dual_model()
        images, labels = training_data(16)
        callback = ConvcamCallback({str(tmp_path)!r}, {{"dual": ("xa/conv1", "xb/conv1")}}, probe=images[:2], every_n_steps=2)
        model.fit(images, labels, batch_size=4, epochs=1, callbacks=[callback], verbose=0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    assert written_steps(tmp_path, "dual") == [0, 2, 4]
