"""`mosaic`: a `tf.summary`-style op that logs a convcam mosaic.

Same conventions as `tf.summary.image`: the default writer and default step,
a bool result, eager or inside `tf.function`, nothing done without a writer.
Tiling runs in NumPy (`tf.numpy_function` inside graphs) and the PNG is
encoded by TensorFlow, only when the summary is actually recorded.

Eagerly, a mosaic and its companions become summary protos written with
`write_raw_pb`, one op per kind of record: TensorFlow's per-op cost (about
0.3 ms per op on a small CPU) would otherwise exceed the tiling.
`prepare_mosaic` + `write_mosaics` let a caller (the Keras callback) write
many tags with those few ops, tiling all of them before encoding any (the
layers are still in cache: about 5 % faster than tiling and encoding in
turns).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
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
    request = _check_request(name, data, description, sources, resolved, baseline, also_to_images, options)
    summary_scope = getattr(tf.summary.experimental, "summary_scope", None) or tf.summary.summary_scope
    with summary_scope(name, "convcam_mosaic", values=[*request.tensors, step]) as (tag, _):
        if tf.executing_eagerly():
            if not tf.summary.should_record_summaries():
                return tf.constant(False)
            return write_mosaics([_prepare(tag, request)], step)
        return _write_in_graph(tag, request, step)


def prepare_mosaic(
    name: str,
    data: Any,
    description: str | None = None,
    *,
    sources: Sequence[str] | None = None,
    resolved: Sequence[str] | None = None,
    baseline: bool = False,
    also_to_images: bool = False,
    cache: mosaic_lib.SourceCache | None = None,
    **options: Any,
) -> PreparedMosaic:
    """Eagerly, check and tile what `mosaic` would write (same arguments, same checks).

    Pass many of them to `write_mosaics` to write them together. A `cache`
    shared by the calls of one step draws a tensor that several mosaics
    show (alone and merged) only once.
    """
    if not tf.executing_eagerly():
        raise RuntimeError("prepare_mosaic runs eagerly only; inside tf.function use mosaic")
    request = _check_request(name, data, description, sources, resolved, baseline, also_to_images, options)
    return _prepare(name, request, cache)


@dataclasses.dataclass(frozen=True)
class PreparedMosaic:
    """A tiled mosaic, its step info and the records to write it to."""

    picture: np.ndarray  # [H, W, 1 or 3] uint8
    info: bytes
    writes: list[tuple[str, summary_pb2.SummaryMetadata, str]]  # (tag, metadata, "convcam", "baseline" or "images")


def write_mosaics(prepared: Sequence[PreparedMosaic], step: int | tf.Tensor | None = None) -> tf.Tensor:
    """Encode each prepared mosaic and write its records: one op (one event) per kind of record.

    Mosaics, baseline companions and Images copies go to separate events:
    TensorBoard's Python loader keeps a whole event in memory while it keeps
    any of its values, and it keeps a different number of steps of each kind
    (e.g. 200 mosaics but 10 Images copies per tag). Records of one kind are
    kept or dropped together, so sharing an event costs no memory.
    """
    events: dict[str, list[summary_pb2.Summary.Value]] = {}
    for item in prepared:
        png = tf.io.encode_png(item.picture).numpy()
        height, width = item.picture.shape[:2]
        convcam = _string_tensor([png, item.info])
        blobs = {"convcam": convcam, "baseline": convcam, "images": _string_tensor([b"%d" % width, b"%d" % height, png])}
        for tag, tag_metadata, kind in item.writes:
            events.setdefault(kind, []).append(summary_pb2.Summary.Value(tag=tag, metadata=tag_metadata, tensor=blobs[kind]))
    written = None
    for values in events.values():
        event_summary = summary_pb2.Summary(value=values).SerializeToString()
        ok = tf.summary.experimental.write_raw_pb(tf.constant(event_summary), step=step)
        written = ok if written is None else written & ok
    return tf.constant(False) if written is None else written


@dataclasses.dataclass(frozen=True)
class _Request:
    """A checked `mosaic` call."""

    tensors: list[tf.Tensor]
    names: list[str]
    resolved: Sequence[str] | None
    description: str | None
    baseline: bool
    also_to_images: bool
    options: dict[str, Any]

    def writes(self, tag: str) -> list[tuple[str, summary_pb2.SummaryMetadata, str]]:
        """(tag, metadata, kind) of each record: the mosaic and its companions."""
        names, resolved = tuple(self.names), None if self.resolved is None else tuple(self.resolved)
        writes = [(tag, _convcam_metadata(names, resolved, self.description, None), "convcam")]
        if self.baseline:
            companion = _convcam_metadata(names, resolved, self.description, tag)
            writes.append((f"{tag}/{metadata.BASELINE_SUFFIX}", companion, "baseline"))
        if self.also_to_images:
            images = images_metadata.create_summary_metadata(display_name=None, description=self.description)
            writes.append((f"{tag}/image", images, "images"))
        return writes


@functools.lru_cache(maxsize=1024)
def _convcam_metadata(
    names: tuple[str, ...], resolved: tuple[str, ...] | None, description: str | None, baseline_of: str | None
) -> summary_pb2.SummaryMetadata:
    """Cached, as the same tags are logged at every step; callers only copy it."""
    return metadata.create_summary_metadata(names, resolved, description=description, baseline_of=baseline_of)


def _check_request(name, data, description, sources, resolved, baseline, also_to_images, options) -> _Request:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    check_tile_options(options)
    tensors = _as_tensors(data)
    names = _source_names(name, sources, len(tensors))
    if resolved is not None and (isinstance(resolved, str) or len(resolved) != len(names)):
        raise ValueError(f"resolved: expected {len(names)} layer names, got {resolved!r}")
    _check_static(tensors, names, options)
    return _Request(tensors, names, resolved, description, baseline, also_to_images, options)


def _prepare(tag: str, request: _Request, cache: mosaic_lib.SourceCache | None = None) -> PreparedMosaic:
    picture, info = _tile_and_describe(request.names, request.options, *request.tensors, cache=cache)
    return PreparedMosaic(picture, info, request.writes(tag))


def _string_tensor(blobs: list[bytes]) -> tensor_pb2.TensorProto:
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(blobs))]),
        string_val=blobs,
    )


def _tile_and_describe(
    names: list[str], options: dict[str, Any], *arrays: Any, cache: mosaic_lib.SourceCache | None = None
) -> tuple[np.ndarray, bytes]:
    """Tile eager tensors or arrays (read in place, not copied) and describe the layout."""
    data = arrays[0] if len(arrays) == 1 else list(arrays)
    picture, layout = mosaic_lib.tile(data, source_names=names, cache=cache, **options)
    if picture.ndim == 2:
        picture = picture[:, :, None]
    return picture, metadata.encode_step_info(layout)


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


def _encoder(tensors: list[tf.Tensor], names: list[str], options: dict[str, Any]):
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
