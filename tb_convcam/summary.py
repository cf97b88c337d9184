"""`mosaic`: a `tf.summary`-style op that logs a convcam mosaic.

Same conventions as `tf.summary.image`: the default writer and default step,
a bool result, eager or inside `tf.function`, nothing done without a writer.
Tiling runs in NumPy (`tf.numpy_function` inside graphs) and the PNG is
encoded by TensorFlow, only when the summary is actually recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from tensorboard.plugins.image import metadata as images_metadata

from tb_convcam import metadata
from tb_convcam import mosaic as mosaic_lib

_TILE_OPTIONS = frozenset(
    {"batch_index", "normalize", "aspect", "padding", "max_pixels", "max_kernels"}
)


def mosaic(
    name: str,
    data: Any,
    step: int | tf.Tensor | None = None,
    description: str | None = None,
    *,
    sources: Sequence[str] | None = None,
    resolved: Sequence[str] | None = None,
    baseline: bool = False,
    also_to_images: bool = False,
    **options: Any,
) -> bool | tf.Tensor:
    """Write a mosaic of `data` (see `tb_convcam.tile`) under tag `name`.

    `sources` names the 2-3 merged sources (default: `name`, or
    `source_0..2`); `resolved` records the layers they were found as.
    `baseline` marks this step as the run's baseline (e.g. the blank model):
    it is also written once under `<name>/baseline`, a companion tag that
    TensorBoard's sampling never evicts. `also_to_images` writes the same
    PNG to the stock Images dashboard under `<name>/image`. `options` are
    `tile` options. Bad input raises ValueError/TypeError before anything
    is written.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    check_tile_options(options)
    tensors = _as_tensors(data)
    names = _source_names(name, sources, len(tensors))
    if resolved is not None and (isinstance(resolved, str) or len(resolved) != len(names)):
        raise ValueError(f"resolved: expected {len(names)} layer names, got {resolved!r}")
    _check_static(tensors, names, options)

    summary_scope = getattr(tf.summary.experimental, "summary_scope", None) or tf.summary.summary_scope
    with summary_scope(name, "convcam_mosaic", values=[*tensors, step]) as (tag, _):
        encode = _encoder(tensors, names, options)
        writes = [(tag, metadata.create_summary_metadata(names, resolved, description=description), _convcam_tensor)]
        if baseline:
            companion = metadata.create_summary_metadata(names, resolved, description=description, baseline_of=tag)
            writes.append((f"{tag}/{metadata.BASELINE_SUFFIX}", companion, _convcam_tensor))
        if also_to_images:
            images = images_metadata.create_summary_metadata(display_name=None, description=description)
            writes.append((f"{tag}/image", images, _images_tensor))
        written = None
        for write_tag, write_metadata, make_tensor in writes:
            ok = tf.summary.write(
                tag=write_tag,
                tensor=lambda make_tensor=make_tensor: make_tensor(encode()),
                step=step,
                metadata=write_metadata,
            )
            written = ok if written is None else written & ok
        return written


def _encoder(tensors: list[tf.Tensor], names: list[str], options: dict[str, Any]):
    """Tile and encode on first use; eagerly, later writes reuse the result.

    In graphs each write runs in its own conditional branch, where tensors of
    another branch cannot be used, so there each write encodes for itself.
    """
    cache: dict[str, tf.Tensor] = {}

    def encode() -> dict[str, tf.Tensor]:
        if cache and tf.executing_eagerly():
            return cache
        cache.update(_encode(tensors, names, options))
        return cache

    return encode


def _encode(tensors: list[tf.Tensor], names: list[str], options: dict[str, Any]) -> dict[str, tf.Tensor]:
    def tile_and_describe(*arrays: np.ndarray) -> tuple[np.ndarray, bytes]:
        data = arrays[0] if len(arrays) == 1 else list(arrays)
        picture, layout = mosaic_lib.tile(data, source_names=names, **options)
        if picture.ndim == 2:
            picture = picture[:, :, None]
        return picture, metadata.encode_step_info(layout)

    if tf.executing_eagerly():  # plain NumPy: no py_func machinery per call
        picture, info = tile_and_describe(*(tensor.numpy() for tensor in tensors))
        picture, info = tf.constant(picture), tf.constant(info)
    else:
        picture, info = tf.numpy_function(tile_and_describe, tensors, [tf.uint8, tf.string], stateful=False)
        picture.set_shape([None, None, 1 if len(tensors) == 1 else 3])
        info.set_shape([])
    return {"png": tf.io.encode_png(picture), "picture": picture, "info": info}


def _convcam_tensor(encoded: dict[str, tf.Tensor]) -> tf.Tensor:
    return tf.stack([encoded["png"], encoded["info"]])


def _images_tensor(encoded: dict[str, tf.Tensor]) -> tf.Tensor:
    """The Images plugin's layout: [width, height, png]."""
    shape = tf.shape(encoded["picture"])
    return tf.stack([tf.as_string(shape[1]), tf.as_string(shape[0]), encoded["png"]])


def _as_tensors(data: Any) -> list[tf.Tensor]:
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    if not 1 <= len(items) <= mosaic_lib.MAX_SOURCES:
        raise ValueError(
            f"data: expected one activation tensor or a list of 1 to {mosaic_lib.MAX_SOURCES}, "
            f"got {len(items)} sources"
        )
    tensors = []
    for i, item in enumerate(items):
        label = "data" if len(items) == 1 else f"data[{i}]"
        try:
            tensor = tf.convert_to_tensor(item)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{label}: expected a numeric tensor or array, got {type(item).__name__}") from error
        if not (tensor.dtype.is_integer or tensor.dtype.is_floating):
            raise TypeError(f"{label}: expected an integer or floating dtype, got {tensor.dtype.name}")
        tensors.append(tensor)
    return tensors


def _source_names(name: str, sources: Sequence[str] | None, count: int) -> list[str]:
    if sources is None:
        return [name] if count == 1 else [f"source_{i}" for i in range(count)]
    if isinstance(sources, str) or len(sources) != count:
        raise ValueError(f"sources: expected {count} source names (one per tensor), got {sources!r}")
    return [str(source) for source in sources]


def check_tile_options(options: dict[str, Any]) -> None:
    """Reject unknown or invalid `tile` options before anything runs."""
    unknown = set(options) - _TILE_OPTIONS
    if unknown:
        raise TypeError(f"options: unknown tile option(s) {sorted(unknown)}; expected some of {sorted(_TILE_OPTIONS)}")
    mosaic_lib.check_request([[None] * 3], **options)


def _check_static(tensors: list[tf.Tensor], names: list[str], options: dict[str, Any]) -> None:
    """Run `tile`'s checks on what is known before running (static shapes)."""
    if all(tensor.shape.rank is not None for tensor in tensors):
        mosaic_lib.check_request([tensor.shape.as_list() for tensor in tensors], source_names=names, **options)
    else:
        mosaic_lib.check_request([[None] * 3 for _ in tensors], source_names=names, **options)
