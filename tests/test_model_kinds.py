"""Every way people build Keras models: each kind trains with the callback and logs the true activations.

Each case builds a model, fits it for a few steps with ConvcamCallback, reads
the last mosaic back through TensorBoard's data provider and compares it with
the mosaic of activations computed independently: the nested model's own
layers called one by one on the input that feeds it.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable

import keras
import numpy as np
import pytest
import tensorflow as tf
from convcam_events import read_logdir, tag_content

from tb_convcam import ConvcamCallback, tile

L = keras.layers
SIZE = 16
STEPS = 3
# Three whole batches of three: one batch shape, so JAX compiles each kind's train step once, not
# twice (a MobileNetV2's second compile took 15 s). The mixed-precision test keeps a partial last batch.
SAMPLES = 9


def images(seed, count=SAMPLES):
    return np.random.default_rng(seed).uniform(size=(count, SIZE, SIZE, 3)).astype(np.float32)


def sequential_tower(name, auto_named=False):
    names = (None, None) if auto_named else ("c1", "c2")
    return keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), L.Conv2D(4, 3, padding="same", activation="relu", name=names[0]),
         L.BatchNormalization(), L.Conv2D(6, 3, padding="same", name=names[1])],
        name=name,
    )


def functional_tower(name):
    inputs = keras.Input((SIZE, SIZE, 3))
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inputs)
    x = L.BatchNormalization()(x)
    return keras.Model(inputs, L.Conv2D(6, 3, padding="same", name="c2")(x), name=name)


def head(x, units=2):
    return L.Dense(units)(L.GlobalAveragePooling2D()(x))


def upto(layers, name, x):
    """Call `layers` one by one on `x` as at inference, up to and including the one named `name`."""
    for layer in layers:
        x = layer(x, training=False) if isinstance(layer, (L.BatchNormalization, L.Dropout)) else layer(x)
        if layer.name == name:
            return keras.ops.convert_to_numpy(x)
    raise KeyError(name)


def tower_layers(tower):
    """A tower's layers in call order, for `upto`."""
    return [layer for layer in tower.layers if not isinstance(layer, L.InputLayer)]


@dataclasses.dataclass
class Kind:
    model: keras.Model
    layers: dict
    probe: object
    expected: Callable[[keras.Model], dict[str, list[np.ndarray]]]  # tag -> source activations, after training
    x: object = None  # training inputs; default: the probe's kind of images
    options: dict = dataclasses.field(default_factory=dict)  # more ConvcamCallback arguments


def functional_outer(tower_kind):
    def build():
        tower = tower_kind("inner")
        inputs = keras.Input((SIZE, SIZE, 3))
        model = keras.Model(inputs, head(tower(inputs)))
        return Kind(model, {"c2": "inner/c2"}, images(1)[:2],
                    lambda m: {"c2": [upto(tower_layers(m.get_layer("inner")), "c2", images(1)[:2])]})
    return build


def sequential_outer(tower_kind):
    def build():
        tower = tower_kind("base")
        model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), tower, L.GlobalAveragePooling2D(), L.Dense(2)])
        return Kind(model, {"c1": "base/c1"}, images(1)[:2],
                    lambda m: {"c1": [upto(tower_layers(m.get_layer("base")), "c1", images(1)[:2])]})
    return build


def sequential_without_input():
    """Sequential outer and nested models with no keras.Input: built by fit on the first batch."""
    inner = keras.Sequential([L.Conv2D(4, 3, padding="same", name="c1"), L.Conv2D(6, 3, padding="same", name="c2")],
                             name="inner")
    model = keras.Sequential([inner, L.GlobalAveragePooling2D(), L.Dense(2)])
    return Kind(model, {"c2": "inner/c2"}, images(1)[:2],
                lambda m: {"c2": [upto(tower_layers(m.get_layer("inner")), "c2", images(1)[:2])]})


def three_deep():
    """functional > Sequential > functional, with a layer of the middle model probed too."""
    inner = functional_tower("inner")
    middle = keras.Sequential([keras.Input((SIZE, SIZE, 3)), inner, L.Conv2D(5, 1, name="m1")], name="middle")
    inputs = keras.Input((SIZE, SIZE, 3))
    model = keras.Model(inputs, head(middle(inputs)))

    def expected(m):
        mid = m.get_layer("middle")
        deep = upto(tower_layers(mid.get_layer("inner")), "c2", images(1)[:2])
        return {"deep": [deep], "m1": [keras.ops.convert_to_numpy(mid.get_layer("m1")(deep))]}

    return Kind(model, {"deep": "middle/inner/c2", "m1": "middle/m1"}, images(1)[:2], expected)


def transfer_learning_with_training_false():
    """The keras.io transfer-learning recipe: base_model(x, training=False) under a functional head."""
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None)
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, head(base(inputs, training=False)))
    probe = np.random.default_rng(2).uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32)
    tap = keras.Model(base.input, base.get_layer("block_3_expand_relu").output)
    return Kind(model, {"b3": f"{base.name}/block_3_expand_relu"}, probe,
                lambda m: {"b3": [keras.ops.convert_to_numpy(tap(probe, training=False))]}, x=probe[np.arange(SAMPLES) % 2])


def auto_named_sequential_towers():
    """Two Sequential towers with auto-named convs: 'tb/conv2d' is tb's first auto-named Conv2D."""
    towers = [sequential_tower(name, auto_named=True) for name in ("ta", "tb")]
    inputs = keras.Input((SIZE, SIZE, 3))
    model = keras.Model(inputs, head(L.Concatenate()([t(inputs) for t in towers])))

    def expected(m):
        layers = tower_layers(m.get_layer("tb"))
        return {"both": [upto(tower_layers(m.get_layer("ta")), tower_layers(m.get_layer("ta"))[0].name, images(1)[:2]),
                         upto(layers, layers[0].name, images(1)[:2])]}

    return Kind(model, {"both": ("ta/conv2d", "tb/conv2d")}, images(1)[:2], expected)


def siamese():
    """One Sequential tower called on two inputs: @0 and @1 name the calls, merged into one RGB mosaic."""
    tower = sequential_tower("tower")
    left, right = keras.Input((SIZE, SIZE, 3)), keras.Input((SIZE, SIZE, 3))
    distance = L.Subtract()([L.GlobalAveragePooling2D()(tower(left)), L.GlobalAveragePooling2D()(tower(right))])
    model = keras.Model([left, right], L.Dense(2)(distance))
    probe = [images(1)[:2], images(2)[:2]]

    def expected(m):
        layers = tower_layers(m.get_layer("tower"))
        return {"pair": [upto(layers, "c2", probe[0]), upto(layers, "c2", probe[1])],
                "first": [upto(layers, "c1", probe[0])]}

    return Kind(model, {"pair": ("tower@0/c2", "tower@1/c2"), "first": "tower/c1"}, probe, expected,
                x=[images(1), images(2)])


def multi_input():
    """An image and a mask input meet in an outer conv; the image also feeds a nested tower."""
    image, mask = keras.Input((SIZE, SIZE, 3), name="image"), keras.Input((SIZE, SIZE, 1), name="mask")
    tower = functional_tower("tower")
    fused = L.Conv2D(3, 3, padding="same", name="fuse")(L.Concatenate(name="cat")([image, mask]))
    model = keras.Model([image, mask], head(L.Add()([tower(image), L.Conv2D(6, 1)(fused)])))
    masks = (images(3)[:, :, :, :1] > 0.5).astype(np.float32)
    probe = {"image": images(1)[:2], "mask": masks[:2]}

    def expected(m):
        cat = m.get_layer("cat")([probe["image"], probe["mask"]])
        return {"fuse": [keras.ops.convert_to_numpy(m.get_layer("fuse")(cat))],
                "tower": [upto(tower_layers(m.get_layer("tower")), "c2", probe["image"])]}

    return Kind(model, {"fuse": "fuse", "tower": "tower/c2"}, probe, expected, x=[images(1), masks])


class Classifier(keras.Model):
    """A subclassed model holding its backbone as an attribute, as many training scripts do."""

    def __init__(self):
        super().__init__()
        self.backbone = sequential_tower("backbone")
        self.pool, self.logits = L.GlobalAveragePooling2D(), L.Dense(2)

    def call(self, x, training=False):
        return self.logits(self.pool(self.backbone(x, training=training)))


def subclassed_with_backbone():
    model = Classifier()
    model(images(1)[:1])
    return Kind(model, {"c2": "c2"}, images(1)[:2],
                lambda m: {"c2": [upto(tower_layers(m.backbone), "c2", images(1)[:2])]},
                options={"submodel": "backbone"})


def saved_and_reloaded():
    kind = sequential_outer(sequential_tower)()
    kind.model.compile("sgd", "mse")
    with tempfile.TemporaryDirectory() as folder:
        kind.model.save(f"{folder}/model.keras")
        kind.model = keras.models.load_model(f"{folder}/model.keras")
    return kind


def cloned():
    kind = functional_outer(sequential_tower)()
    kind.model = keras.models.clone_model(kind.model)
    return kind


KINDS = {
    "functional > functional": functional_outer(functional_tower),
    "functional > Sequential": functional_outer(sequential_tower),
    "Sequential > functional (transfer learning)": sequential_outer(functional_tower),
    "Sequential > Sequential": sequential_outer(sequential_tower),
    "Sequential > Sequential, no keras.Input": sequential_without_input,
    "functional > Sequential > functional": three_deep,
    "base_model(x, training=False), keras.applications": transfer_learning_with_training_false,
    "auto-named layers in Sequential towers": auto_named_sequential_towers,
    "siamese, calls @0 and @1 merged": siamese,
    "multi-input, probe by input name": multi_input,
    "subclassed, submodel='backbone'": subclassed_with_backbone,
    "saved and reloaded": saved_and_reloaded,
    "clone_model": cloned,
}


@pytest.mark.parametrize("name", list(KINDS))
def test_each_model_kind_logs_its_layers_true_activations(name, tmp_path):
    kind = KINDS[name]()
    kind.model.compile(keras.optimizers.SGD(0.05), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = kind.x if kind.x is not None else images(0)
    labels = np.arange(SAMPLES) % 2
    convcam = ConvcamCallback(tmp_path / "run", kind.layers, probe=kind.probe, every_n_steps=2, **kind.options)
    kind.model.fit(x, labels, batch_size=SAMPLES // STEPS, epochs=1, verbose=0, callbacks=[convcam])
    assert convcam.skipped_steps == []

    logged = read_logdir(str(tmp_path / "run"))["."]
    for tag, sources in kind.expected(kind.model).items():
        assert [m.step for m in logged[tag]] == [0, 2, 3], tag
        expected_picture, _ = tile(sources if len(sources) > 1 else sources[0])
        difference = np.abs(logged[tag][-1].pixels().astype(int) - expected_picture.astype(int))
        assert difference.max() <= 1, f"{tag}: the logged mosaic is not the layer's activation"


def test_a_call_index_is_recorded_and_a_bad_one_is_refused_before_training(tmp_path):
    kind = siamese()
    kind.model.compile("sgd", "mse")
    kind.model.fit(kind.x, np.zeros((SAMPLES, 2)), epochs=1, verbose=0,
                   callbacks=[ConvcamCallback(tmp_path, kind.layers, probe=kind.probe)])
    assert tag_content(str(tmp_path))["."]["pair"]["sources"] == [
        {"name": "tower@0/c2", "resolved": "tower/c2"}, {"name": "tower@1/c2", "resolved": "tower@1/c2"}]

    bad = ConvcamCallback(tmp_path / "bad", {"x": "tower@2/c2"}, probe=kind.probe)
    with pytest.raises(ValueError, match=r"'tower@2/c2': layer 'tower' is called 2 time\(s\) in model .* \(calls @0..@1\), got @2"):
        kind.model.fit(kind.x, np.zeros((SAMPLES, 2)), epochs=1, verbose=0, callbacks=[bad])
    assert int(kind.model.optimizer.iterations) == 1, "refused before any training step"


def test_a_subclassed_model_without_submodel_gets_a_clear_error(tmp_path):
    kind = subclassed_with_backbone()
    kind.model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"needs a built functional or Sequential model .*\(got Classifier '.*'\); "
                                         r"build it with keras.Input first, or pass submodel= naming its .* backbone"):
        kind.model.fit(images(0), np.zeros((SAMPLES, 2)), epochs=1, verbose=0,
                       callbacks=[ConvcamCallback(tmp_path, ["c2"], probe=kind.probe)])
    with pytest.raises(ValueError, match="submodel: expected 'pool' to name a keras.Model"):
        kind.model.fit(images(0), np.zeros((SAMPLES, 2)), epochs=1, verbose=0,
                       callbacks=[ConvcamCallback(tmp_path, ["c2"], probe=kind.probe, submodel="pool")])


def test_mixed_precision_and_tf_data_log_like_float32(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        kind = functional_outer(sequential_tower)()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    kind.model.compile(keras.optimizers.SGD(0.05), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    dataset = tf.data.Dataset.from_tensor_slices((images(0, 8), np.arange(8) % 2)).batch(3)  # 3, 3 and a partial 2
    convcam = ConvcamCallback(tmp_path, kind.layers, probe=kind.probe, every_n_steps=2)
    kind.model.fit(dataset, epochs=1, verbose=0, callbacks=[convcam])
    assert convcam.skipped_steps == []
    last = read_logdir(str(tmp_path))["."]["c2"][-1]
    assert last.step == 3
    expected, _ = tile(kind.expected(kind.model)["c2"][0].astype(np.float32))
    assert np.abs(last.pixels().astype(int) - expected.astype(int)).max() <= 2, "float16 rounding: within 2 levels"
