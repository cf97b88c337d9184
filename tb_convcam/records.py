"""The summary records of a logging step, built without TensorFlow.

A mosaic is written as up to three records: the mosaic itself, a copy under
the `<tag>/baseline` companion at the baseline step, and with
`also_to_images` a copy for TensorBoard's Images dashboard. This module
tiles (NumPy), encodes the PNG (Pillow) and builds those records as
`Summary` protos, one per kind of record; `summary.mosaic` writes them with
TensorFlow, the Keras callback with the TF-free `event_writer`.

Kinds go to separate events: TensorBoard's Python loader keeps a whole event
in memory while it keeps any of its values, and it keeps a different number
of steps of each kind (e.g. 200 mosaics but 10 Images copies per tag).
Records of one kind are kept or dropped together, so sharing an event costs
no memory.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.plugins.image import metadata as images_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata

from tb_convcam import metadata
from tb_convcam import mosaic as mosaic_lib

# zlib level 3, not Pillow's default 6: on the demo's three layers and two seed shapes, 11 % more
# bytes (296 vs 266 KB) for 43 % less encoding time (114 vs 198 ms); level 1 saves no more time.
PNG_COMPRESS_LEVEL = 3

Write = tuple[str, summary_pb2.SummaryMetadata, str]  # (tag, metadata, kind: "convcam", "baseline" or "images")


@dataclasses.dataclass(frozen=True)
class PreparedMosaic:
    """A layer's tiled mosaics (one per probe image shown), their step infos and the records to write them to."""

    pictures: list[np.ndarray]  # each [H, W] or [H, W, 3] uint8
    infos: list[bytes]
    writes: list[Write]


def writes(
    tag: str,
    names: Sequence[str],
    resolved: Sequence[str] | None,
    description: str | None,
    baseline: bool,
    also_to_images: bool,
) -> list[Write]:
    """(tag, metadata, kind) of each record of one mosaic: the mosaic and its companions."""
    names, resolved = tuple(names), None if resolved is None else tuple(resolved)
    result = [(tag, _convcam_metadata(names, resolved, description, None), "convcam")]
    if baseline:
        companion = _convcam_metadata(names, resolved, description, tag)
        result.append((f"{tag}/{metadata.BASELINE_SUFFIX}", companion, "baseline"))
    if also_to_images:
        result.append((f"{tag}/image", _images_metadata(description), "images"))
    return result


def prepare(
    arrays: Sequence[Any],
    names: Sequence[str],
    options: Sequence[mosaic_lib.TileOptions],
    record_writes: list[Write],
    cache: mosaic_lib.SourceCache | None = None,
    health: Sequence[dict[str, np.ndarray]] | None = None,
) -> PreparedMosaic:
    """`tile_items` and each layout's `step_info`, with the records to write them to."""
    items = tile_items(arrays, names, options, cache)
    return PreparedMosaic([picture for picture, _ in items], [step_info(layout, health) for _, layout in items],
                          record_writes)


def tile_items(
    arrays: Sequence[Any],
    names: Sequence[str],
    options: Sequence[mosaic_lib.TileOptions],
    cache: mosaic_lib.SourceCache | None = None,
) -> list[tuple[np.ndarray, mosaic_lib.Layout]]:
    """Tile 1-3 arrays (read in place, not copied) once per options (one per probe image shown)."""
    data = arrays[0] if len(arrays) == 1 else list(arrays)
    return [mosaic_lib.tile(data, item_options, source_names=list(names), cache=cache) for item_options in options]


def step_info(layout: mosaic_lib.Layout, health: Sequence[dict[str, np.ndarray]] | None = None) -> bytes:
    """The layout's step info; `health` gives per source its per-kernel arrays over all its kernels,
    kept for the kernels the layout shows."""
    shown = None
    if health is not None:
        kernels = np.asarray(layout.kernels)
        shown = [{key: values[kernels[kernels < len(values)]] for key, values in per_source.items()}
                 for per_source in health]
    return metadata.encode_step_info(layout, shown)


def summaries(prepared: Sequence[PreparedMosaic], pngs: Sequence[list[bytes]] | None = None) -> list[summary_pb2.Summary]:
    """One Summary per kind of record: a layer's blobs are [PNG, step info] per probe image shown;
    its Images copy [width, height, PNG, ...]. `pngs`: each item's pictures already encoded (by
    default they are encoded here, each once)."""
    values: dict[str, list[summary_pb2.Summary.Value]] = {}
    for index, item in enumerate(prepared):
        encoded = pngs[index] if pngs is not None else [encode_png(picture) for picture in item.pictures]
        height, width = item.pictures[0].shape[:2]
        convcam = string_tensor([blob for pair in zip(encoded, item.infos) for blob in pair])
        for tag, tag_metadata, kind in item.writes:
            blob = convcam if kind != "images" else string_tensor([b"%d" % width, b"%d" % height, *encoded])
            values.setdefault(kind, []).append(summary_pb2.Summary.Value(tag=tag, metadata=tag_metadata, tensor=blob))
    return [summary_pb2.Summary(value=kind_values) for kind_values in values.values()]


def scalars(values: dict[str, float]) -> summary_pb2.Summary:
    """Plain TensorBoard scalars (what `tf.summary.scalar` writes), one value per tag."""
    return summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(tag=tag, metadata=_scalar_metadata(), tensor=tensor_pb2.TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto(), float_val=[value]))
        for tag, value in values.items()
    ])


def probe_image(pictures: Sequence[np.ndarray]) -> summary_pb2.Summary:
    """The probe image record (`metadata.PROBE_TAG`): the probe images the mosaics show, each a
    [H, W] or [H, W, 3] uint8 picture, as PNGs in the order of the mosaics."""
    value = summary_pb2.Summary.Value(tag=metadata.PROBE_TAG, metadata=metadata.create_probe_metadata(),
                                      tensor=string_tensor([encode_png(picture) for picture in pictures]))
    return summary_pb2.Summary(value=[value])


def encode_png(picture: np.ndarray) -> bytes:
    """PNG bytes of a [H, W] (grey) or [H, W, 3] (RGB) uint8 picture."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def string_tensor(blobs: list[bytes]) -> tensor_pb2.TensorProto:
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(blobs))]),
        string_val=blobs,
    )


@functools.lru_cache(maxsize=1024)
def _convcam_metadata(
    names: tuple[str, ...], resolved: tuple[str, ...] | None, description: str | None, baseline_of: str | None
) -> summary_pb2.SummaryMetadata:
    """Cached, as the same tags are logged at every step; callers only copy it."""
    return metadata.create_summary_metadata(names, resolved, description=description, baseline_of=baseline_of)


@functools.lru_cache(maxsize=1)
def _scalar_metadata() -> summary_pb2.SummaryMetadata:
    result = scalar_metadata.create_summary_metadata(display_name=None, description=None)
    result.data_class = summary_pb2.DATA_CLASS_SCALAR  # loaders infer it too; stated, not left to inference
    return result


@functools.lru_cache(maxsize=64)
def _images_metadata(description: str | None) -> summary_pb2.SummaryMetadata:
    return images_metadata.create_summary_metadata(display_name=None, description=description)
