"""The on-disk contract between the convcam writer and the convcam plugin.

This is the only module that knows the format; it imports no TensorFlow so
the plugin can use it inside a TensorFlow-free TensorBoard.

Per tag (summary metadata, written with the first step):
  plugin_name "convcam", data_class BLOB_SEQUENCE, and `plugin_data.content`
  = UTF-8 JSON {"version": 1, "sources": [{"name": str, "resolved": str}]}
  where `name` is the layer path the user asked for and `resolved` the layer
  it was found as (they differ when a path was resolved structurally).
  A companion tag "<tag>/baseline" whose content also has "baseline_of": tag
  holds a copy of the layer's baseline step (the blank model), which
  sampling could otherwise evict; the plugin merges it into the layer.

Per step: a rank-1 string tensor of two blobs per probe image shown,
  [2i] the mosaic PNG of probe image i (greyscale for 1 source, RGB for 2-3),
  [2i+1] its step info, UTF-8 JSON (see `encode_step_info`; its
  `batch_index` says which probe item it shows).
Most logs show one probe image (two blobs); readers that know only the first
pair still read those.

Per-kernel stats in the step info are stored as base64 of little-endian
arrays ("<f4" for min/max/mean/zero_fraction, "<u4" for nonfinite), one entry
per shown kernel in tile order: compact, exact, and cheap to decode in a
browser (`new Float32Array(bytes.buffer)`).

Version 2 (health metrics) adds, per source of the step info, an optional
"health" object of the same kind of arrays: each shown kernel's echo of the
probe image and its change since the baseline (see tb_convcam/health.py).
Readers take version 1 (no "health") and 2 alike. Two more kinds of tag:
  - "convcam/probe", plugin "convcam", content {"version": 2, "probe_image":
    true, "sources": []}: the probe images the mosaics show, one PNG each in
    the mosaics' order, logged with the first step;
  - "convcam/<source>/<metric>" (`metric_tag`), plain TensorBoard scalars
    (plugin "scalars"), one per layer and logged step, so TensorBoard's own
    dashboards plot them too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from tensorboard.compat.proto import summary_pb2

if TYPE_CHECKING:
    from tb_convcam.mosaic import Layout

PLUGIN_NAME = "convcam"
# A layer's baseline companion tag is "<tag>/baseline"; see create_summary_metadata.
BASELINE_SUFFIX = "baseline"
CONTENT_VERSION = 1
STEP_INFO_VERSION = 2
PROBE_TAG = "convcam/probe"
PROBE_CONTENT_VERSION = 2
METRICS = ("dead_fraction", "dormant_fraction", "echo", "drift")
MOSAIC_INDEX = 0
STEP_INFO_INDEX = 1
STAT_DTYPES = {
    "min": "<f4",
    "max": "<f4",
    "mean": "<f4",
    "zero_fraction": "<f4",
    "nonfinite": "<u4",
}
HEALTH_DTYPES = {"echo": "<f4", "change": "<f4"}


def create_summary_metadata(
    sources: Sequence[str],
    resolved: Sequence[str] | None = None,
    display_name: str | None = None,
    description: str | None = None,
    baseline_of: str | None = None,
) -> summary_pb2.SummaryMetadata:
    """Summary metadata for one convcam tag (a layer, or 2-3 merged layers).

    `baseline_of` marks a companion tag holding a copy of that layer's
    baseline step (written once, so TensorBoard's reservoir sampling, which
    may evict any step of a long series, can never lose it).
    """
    resolved = list(resolved) if resolved is not None else list(sources)
    content: dict[str, Any] = {
        "version": CONTENT_VERSION,
        "sources": [{"name": name, "resolved": real} for name, real in zip(sources, resolved)],
    }
    if baseline_of is not None:
        content["baseline_of"] = baseline_of
    return summary_pb2.SummaryMetadata(
        display_name=display_name or "",
        summary_description=description or "",
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=json.dumps(content).encode("utf-8")
        ),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


def create_probe_metadata() -> summary_pb2.SummaryMetadata:
    """Summary metadata of the probe image tag (`PROBE_TAG`): not a layer, the tab shows it beside them."""
    content = {"version": PROBE_CONTENT_VERSION, "probe_image": True, "sources": []}
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=json.dumps(content).encode("utf-8")
        ),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


def metric_tag(source: str, metric: str) -> str:
    """The scalar tag of a layer's health metric, e.g. "convcam/xa/add_10/echo"."""
    return f"convcam/{source}/{metric}"


def parse_plugin_content(content: bytes) -> dict[str, Any]:
    """Parse a tag's plugin content; raises ValueError on anything else."""
    info = _parse_json(content, "plugin content")
    if not isinstance(info.get("sources"), list):
        raise ValueError("convcam plugin content: expected a 'sources' list")
    return info


def encode_step_info(layout: Layout, health: Sequence[dict[str, np.ndarray]] | None = None) -> bytes:
    """The per-step JSON: everything that may change between steps.

    `health`: per source, {"echo": ..., "change": ...} over the shown kernels in tile order.
    """
    normalization = layout.normalization
    info = {
        "version": STEP_INFO_VERSION,
        "rows": layout.rows,
        "cols": layout.cols,
        "tile_height": layout.tile_height,
        "tile_width": layout.tile_width,
        "padding": layout.padding,
        "height": layout.height,
        "width": layout.width,
        "kernel_count": layout.kernel_count,
        "kernels": None if _all_kernels_shown(layout) else list(layout.kernels),
        "downscale": layout.downscale,
        "normalization": (
            {"mode": normalization, "range": None}
            if isinstance(normalization, str)
            else {"mode": "fixed", "range": list(normalization)}
        ),
        "batch_index": layout.batch_index,
        "sources": [
            {
                "name": source.name,
                "channel": source.channel,
                "kernel_count": source.kernel_count,
                "height": source.height,
                "width": source.width,
                "stats": {
                    key: _encode_array(getattr(source.stats, key), dtype)
                    for key, dtype in STAT_DTYPES.items()
                },
                **({} if health is None else
                   {"health": {key: _encode_array(health[index][key], dtype) for key, dtype in HEALTH_DTYPES.items()}}),
            }
            for index, source in enumerate(layout.sources)
        ],
    }
    return json.dumps(info, separators=(",", ":")).encode("utf-8")


def parse_step_info(blob: bytes) -> dict[str, Any]:
    """Parse step info JSON (version 1 or 2): `kernels` becomes the list of shown kernels, stats
    (and health, when logged) NumPy arrays.

    Raises ValueError on anything malformed.
    """
    info = _parse_json(blob, "step info")
    try:
        info["kernels"] = shown_kernels(info)
        for source in info["sources"]:
            source["stats"] = {
                key: _decode_array(source["stats"][key], dtype) for key, dtype in STAT_DTYPES.items()
            }
            if "health" in source:
                source["health"] = {
                    key: _decode_array(source["health"][key], dtype) for key, dtype in HEALTH_DTYPES.items()
                }
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"convcam step info: malformed ({error})") from error
    return info


def shown_kernels(info: dict[str, Any]) -> list[int]:
    """The kernels a step shows, in tile order: `"kernels": null` means all of them.

    The browser's twin is `shownKernels` in tb_convcam/plugin/static/stepinfo.js.
    """
    kernels = info["kernels"]
    if kernels is None:
        return list(range(min(info["kernel_count"], info["rows"] * info["cols"])))
    if not isinstance(kernels, list):
        raise TypeError(f"'kernels' must be a list or null, not {type(kernels).__name__}")
    return kernels


def _all_kernels_shown(layout: Layout) -> bool:
    return len(layout.kernels) == layout.kernel_count


def _encode_array(values: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.asarray(values).astype(dtype).tobytes()).decode("ascii")


def _decode_array(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text, validate=True), dtype=dtype)


def _parse_json(blob: bytes, what: str) -> dict[str, Any]:
    try:
        info = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"convcam {what}: not UTF-8 JSON ({error})") from error
    if not isinstance(info, dict) or not isinstance(info.get("version"), int):
        raise ValueError(f"convcam {what}: expected an object with an integer 'version'")
    return info
