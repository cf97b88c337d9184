"""`mosaic`: a `tf.summary`-style op that logs a convcam mosaic.

Same conventions as `tf.summary.image`: the default writer and default step,
a bool result, eager or inside `tf.function`, nothing done without a writer.
Tiling runs in NumPy (`tf.numpy_function` inside graphs), only when the
summary is actually recorded; the PNG is encoded by Pillow eagerly and by
TensorFlow inside graphs.

Eagerly, a mosaic and its companions become summary protos (`records.py`,
no TensorFlow) written with `write_raw_pb`, one op per kind of record:
TensorFlow's per-op cost (about 0.3 ms per op on a small CPU) would
otherwise exceed the tiling. This module is the TensorFlow path; the Keras
callback writes the same records without TensorFlow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    import tensorflow as tf
except ImportError as error:
    raise ImportError(
        "tb_convcam.summary is the tf.summary-style op and needs TensorFlow: "
        "pip install 'tb_convcam[tensorflow]' (the Keras callback and tb_convcam.tile do not need it)"
    ) from error

from tb_convcam import mosaic as mosaic_lib
from tb_convcam import records


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
    request = _check_request(name, data, description, sources, resolved, baseline, also_to_images, options)
    summary_scope = getattr(tf.summary.experimental, "summary_scope", None) or tf.summary.summary_scope
    with summary_scope(name, "convcam_mosaic", values=[*request.tensors, step]) as (tag, _):
        if tf.executing_eagerly():
            if not tf.summary.should_record_summaries():
                return tf.constant(False)
            return _write_eagerly(tag, request, step)
        return _write_in_graph(tag, request, step)


@dataclasses.dataclass(frozen=True)
class _Request:
    """A checked `mosaic` call."""

    tensors: list[tf.Tensor]
    names: list[str]
    resolved: Sequence[str] | None
    description: str | None
    baseline: bool
    also_to_images: bool
    options: mosaic_lib.TileOptions

    def writes(self, tag: str) -> list[records.Write]:
        return records.writes(tag, self.names, self.resolved, self.description, self.baseline, self.also_to_images)


def _check_request(name, data, description, sources, resolved, baseline, also_to_images, options) -> _Request:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    tile_options = mosaic_lib.TileOptions().updated(options)
    tensors = _as_tensors(data)
    names = _source_names(name, sources, len(tensors))
    if resolved is not None and (isinstance(resolved, str) or len(resolved) != len(names)):
        raise ValueError(f"resolved: expected {len(names)} layer names, got {resolved!r}")
    if all(tensor.shape.rank is not None for tensor in tensors):  # check what is known before running
        mosaic_lib.check_request([tensor.shape.as_list() for tensor in tensors], tile_options, source_names=names)
    return _Request(tensors, names, resolved, description, baseline, also_to_images, tile_options)


def _write_eagerly(tag: str, request: _Request, step: Any) -> tf.Tensor:
    """Tile the tensors' values in place, then one write op per kind of record."""
    arrays = [np.asarray(tensor) for tensor in request.tensors]
    prepared = records.prepare(arrays, request.names, [request.options], request.writes(tag))
    written = None
    for event_summary in records.summaries([prepared]):
        ok = tf.summary.experimental.write_raw_pb(tf.constant(event_summary.SerializeToString()), step=step)
        written = ok if written is None else written & ok
    return written


def _tile_and_describe(names: list[str], options: mosaic_lib.TileOptions, *arrays: Any) -> tuple[np.ndarray, bytes]:
    """Inside a graph (numpy_function): the picture, always [H, W, channels], and its step info."""
    prepared = records.prepare(arrays, names, [options], [])
    picture = prepared.pictures[0]
    return (picture[:, :, None] if picture.ndim == 2 else picture), prepared.infos[0]


def _write_in_graph(tag: str, request: _Request, step: Any) -> tf.Tensor:
    """Inside tf.function: one tf.summary.write per record, tiled by numpy_function."""
    encode = _encoder(request.tensors, request.names, request.options)
    makers = {"convcam": _convcam_tensor, "baseline": _convcam_tensor, "images": _images_tensor}
    written = None
    for write_tag, write_metadata, kind in request.writes(tag):
        ok = tf.summary.write(
            tag=write_tag,
            tensor=lambda make_tensor=makers[kind]: make_tensor(encode()),
            step=step,
            metadata=write_metadata,
        )
        written = ok if written is None else written & ok
    return written


def _encoder(tensors: list[tf.Tensor], names: list[str], options: mosaic_lib.TileOptions):
    """Tile and encode inside each write's own conditional branch.

    Tensors of one branch cannot be used in another, so each write encodes
    for itself.
    """

    def encode() -> dict[str, tf.Tensor]:
        picture, info = tf.numpy_function(
            lambda *arrays: _tile_and_describe(names, options, *arrays), tensors, [tf.uint8, tf.string], stateful=False
        )
        picture.set_shape([None, None, 1 if len(tensors) == 1 else 3])
        info.set_shape([])
        return {"png": tf.io.encode_png(picture), "picture": picture, "info": info}

    return encode


def _convcam_tensor(encoded: dict[str, tf.Tensor]) -> tf.Tensor:
    return tf.stack([encoded["png"], encoded["info"]])


def _images_tensor(encoded: dict[str, tf.Tensor]) -> tf.Tensor:
    """The Images plugin's layout: [width, height, png]."""
    shape = tf.shape(encoded["picture"])
    return tf.stack([tf.as_string(shape[1]), tf.as_string(shape[0]), encoded["png"]])


def _as_tensors(data: Any) -> list[tf.Tensor]:
    """Like `tile`'s own reading of its sources, but to tensors, which may be symbolic."""
    items = mosaic_lib.split_sources(data)
    tensors = []
    for i, item in enumerate(items):
        label = mosaic_lib.source_label(i, len(items))
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
