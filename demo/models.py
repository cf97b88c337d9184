"""Dual-backbone classifiers: two CNNs nested as `xa` and `xb` in one model.

`small` (the default) is two tiny residual CNNs that train in seconds on a
CPU. `xception` and `inception_resnet_v2` nest two `keras.applications`
backbones (weights=None) for people with more time or a GPU; their layer
names are the ones the models have when built alone (`add_10`, `conv_7b_ac`).
"""

from __future__ import annotations

import keras

# Layers logged per backbone: (early, middle, last) conv layer paths.
LAYERS = {
    "small": ("conv1", "block2_out", "conv3"),
    "xception": ("block1_conv1_act", "add_10", "block14_sepconv2_act"),
    "inception_resnet_v2": ("activation", "block17_10_ac", "conv_7b_ac"),
}
MIN_INPUT = {"small": 32, "xception": 71, "inception_resnet_v2": 75}


def small_backbone(name: str, size: int, kernel: int) -> keras.Model:
    """Conv -> residual block -> conv; `kernel` differs per backbone so they learn differently."""
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(16, kernel, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    shortcut = keras.layers.Conv2D(32, 1, strides=2, name="block2_shortcut")(x)
    y = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="block2_conv_a")(x)
    y = keras.layers.Conv2D(32, 3, padding="same", name="block2_conv_b")(y)
    x = keras.layers.Activation("relu", name="block2_out")(keras.layers.Add()([shortcut, y]))
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv3")(x)
    return keras.Model(inputs, x, name=name)


def backbone(kind: str, name: str, size: int, kernel: int) -> keras.Model:
    if kind == "small":
        return small_backbone(name, size, kernel)
    if kind == "xception":
        return keras.applications.Xception(weights=None, include_top=False, input_shape=(size, size, 3), name=name)
    if kind == "inception_resnet_v2":
        return keras.applications.InceptionResNetV2(
            weights=None, include_top=False, input_shape=(size, size, 3), name=name
        )
    raise ValueError(f"backbone: expected one of {sorted(LAYERS)}, got {kind!r}")


def dual_backbone_classifier(kind: str, size: int, classes: int) -> keras.Model:
    """Both backbones see the same image; their pooled features are concatenated."""
    inputs = keras.Input((size, size, 3), name="image")
    features = [
        keras.layers.GlobalAveragePooling2D(name=f"{name}_pool")(backbone(kind, name, size, kernel)(inputs))
        for name, kernel in (("xa", 3), ("xb", 7))
    ]
    x = keras.layers.Concatenate(name="features")(features)
    outputs = keras.layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=f"dual_{kind}")


def keep_blank(model: keras.Model) -> None:
    """Make training leave `model` as it is: with learning rate 0 the weights stay, but
    BatchNormalization still updates its moving statistics in training mode. A frozen
    BatchNormalization runs in inference mode and updates nothing."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
        elif isinstance(layer, keras.Model):
            keep_blank(layer)


def convcam_layers(kind: str) -> dict[str, tuple[str, ...] | str]:
    """Tags to log: each layer merged across both backbones, and each alone."""
    tags: dict[str, tuple[str, ...] | str] = {}
    for layer in LAYERS[kind]:
        tags[f"dual/{layer}"] = (f"xa/{layer}", f"xb/{layer}")
        tags[f"xa/{layer}"] = f"xa/{layer}"
        tags[f"xb/{layer}"] = f"xb/{layer}"
    return tags
