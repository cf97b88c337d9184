"""HTTP routes of the Convcam tab, served under /data/plugin/convcam/.

Every answer goes through `http_util.Respond`. Bad arguments get 400, names
or steps that do not exist get 404, with a short JSON `{"error": ...}`: a
hostile or stale URL never reaches a traceback.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import re
import struct
import urllib.parse
from typing import Any

from tensorboard import errors as tb_errors
from tensorboard import plugin_util
from tensorboard.backend import http_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tb_convcam import metadata
from tb_convcam.plugin import assets
from tb_convcam.plugin.catalog import Catalog, ImageBlobs, LayerListing, StepRef, Unreadable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_NAME_LENGTH = 4096
# Steps are int64; 19 digits and a sign bound the text before int() sees it.
_STEP_PATTERN = re.compile(r"^-?[0-9]{1,19}$")
_INT64_MAX = 2**63 - 1
# Which probe image of a step (its position in the step's pairs); 9 digits bound it.
_IMAGE_PATTERN = re.compile(r"^[0-9]{1,9}$")
# Mosaics of a step do not change once written; let the browser keep them.
BLOB_CACHE_SECONDS = 3600
# The argument of a step's key holding each blob's provider key (see `_blob_query`).
_KEY_ARGS = {"mosaic": "m", "info": "i"}
# A frame's two blobs are read side by side: RustBoard answers a read_blob in
# about 48 ms over gRPC, mostly waiting, so reading them in turn doubled a frame.
_BLOB_READERS = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="convcam-blob")


class BadRequest(Exception):
    """A malformed argument (HTTP 400)."""


class NotFound(Exception):
    """A well-formed argument naming nothing that exists (HTTP 404)."""


class ConvcamPlugin(base_plugin.TBPlugin):
    """Serves the layer listing, step lists, mosaics and step info of convcam data,
    each run's probe image and its layers' health metrics."""

    plugin_name = metadata.PLUGIN_NAME

    def __init__(self, context: base_plugin.TBContext):
        self._data_provider = context.data_provider
        # (experiment, run, layer) -> (tags, max step, latest step): the latest step's image
        # count and layout only change when a new step arrives, so /layers reads its infos once.
        self._latest: dict[tuple[str, str, str], tuple[tuple[str, ...], int, LatestStep]] = {}

    def get_plugin_apps(self) -> dict[str, Any]:
        return {
            "/index.js": self._serve_index_js,
            "/static/*": self._serve_static,
            "/layers": self._serve_layers,
            "/steps": self._serve_steps,
            "/mosaic": self._serve_mosaic,
            "/info": self._serve_info,
            "/frame": self._serve_frame,
            "/probe": self._serve_probe,
            "/health": self._serve_health,
        }

    def is_active(self) -> bool:
        return False  # Deprecated by TensorBoard; activity comes from `data_plugin_names`.

    def frontend_metadata(self) -> base_plugin.FrontendMetadata:
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="Convcam")

    # Routes -----------------------------------------------------------------

    @wrappers.Request.application
    def _serve_index_js(self, request: wrappers.Request) -> wrappers.Response:
        return _asset_response(request, "index.js")

    @wrappers.Request.application
    def _serve_static(self, request: wrappers.Request) -> wrappers.Response:
        _, _, name = request.path.partition("/static/")
        return _asset_response(request, name)

    @wrappers.Request.application
    def _serve_layers(self, request: wrappers.Request) -> wrappers.Response:
        """Runs and their layers, grouped by layer, with each run's latest layout and probe image
        count, whether it logged health metrics for the layer, and which runs logged a probe image."""
        catalog = self._catalog(request)
        runs = catalog.layers()
        sources = {
            name: _source_names(listing) for run_layers in runs.values() for name, listing in run_layers.items()
        }
        logged = catalog.scalar_tags(
            sorted({metadata.metric_tag(source, metric)
                    for names in sources.values() for source in names for metric in metadata.METRICS})
        )
        layers: dict[str, dict[str, Any]] = {}
        for run, run_layers in sorted(runs.items()):
            for layer, listing in run_layers.items():
                entry = layers.setdefault(layer, _layer_entry(layer, listing))
                latest = self._latest_step(request, catalog, run, layer, listing)
                entry["runs"][run] = {
                    "max_step": listing.max_step,
                    "max_wall_time": listing.max_wall_time,
                    "images": latest.images,
                    "layout": latest.layout,
                    "health": any(
                        metadata.metric_tag(source, metric) in logged.get(run, ())
                        for source in sources[layer] for metric in metadata.METRICS
                    ),
                }
        body = {
            "runs": sorted(runs),
            "probe_runs": sorted(catalog.probe_runs() & set(runs)),
            "layers": [layers[name] for name in sorted(layers)],
        }
        return http_util.Respond(request, body, "application/json")

    @wrappers.Request.application
    def _serve_steps(self, request: wrappers.Request) -> wrappers.Response:
        """Every kept step of one run's layer: step, wall time and the key of its blobs."""
        return self._guarded(request, self._steps)

    @wrappers.Request.application
    def _serve_mosaic(self, request: wrappers.Request) -> wrappers.Response:
        return self._guarded(request, lambda r: self._blob(r, "mosaic"))

    @wrappers.Request.application
    def _serve_info(self, request: wrappers.Request) -> wrappers.Response:
        return self._guarded(request, lambda r: self._blob(r, "info"))

    @wrappers.Request.application
    def _serve_frame(self, request: wrappers.Request) -> wrappers.Response:
        return self._guarded(request, self._frame)

    @wrappers.Request.application
    def _serve_probe(self, request: wrappers.Request) -> wrappers.Response:
        """The run's probe image PNG: what its mosaics are the maps of."""
        return self._guarded(request, self._probe)

    @wrappers.Request.application
    def _serve_health(self, request: wrappers.Request) -> wrappers.Response:
        """Per source of a run's layer, per health metric, its [step, value] points."""
        return self._guarded(request, self._health)

    # Helpers ----------------------------------------------------------------

    def _catalog(self, request: wrappers.Request) -> Catalog:
        return Catalog(
            self._data_provider,
            plugin_util.context(request.environ),
            plugin_util.experiment_id(request.environ),
        )

    def _latest_step(
        self, request: wrappers.Request, catalog: Catalog, run: str, layer: str, listing: LayerListing
    ) -> LatestStep:
        key = (plugin_util.experiment_id(request.environ), run, layer)
        cached = self._latest.get(key)
        if cached is None or cached[:2] != (listing.tags, listing.max_step):
            cached = (listing.tags, listing.max_step, _latest_step(catalog, run, layer, listing))
            self._latest[key] = cached
        return cached[2]

    def _guarded(self, request: wrappers.Request, handler) -> wrappers.Response:
        try:
            return handler(request)
        except BadRequest as error:
            return _error(request, 400, str(error))
        except (NotFound, tb_errors.NotFoundError) as error:
            return _error(request, 404, str(error) or "not found")
        except Unreadable as error:
            return _error(request, 404, f"this step cannot be read: {error}")

    def _steps(self, request: wrappers.Request) -> wrappers.Response:
        run, layer = _name_arg(request, "run"), _name_arg(request, "layer")
        catalog = self._catalog(request)
        series = catalog.series(run, layer, _listing(catalog, run, layer).tags)
        steps = []
        for ref in series.steps:
            keys = [_blob_query(run, layer, ref.step, image, blobs) for image, blobs in enumerate(ref.images)]
            steps.append({"step": ref.step, "wall_time": ref.wall_time, "key": keys[0], "keys": keys})
        body = {"run": run, "layer": layer, "baseline_step": series.baseline_step, "steps": steps}
        return http_util.Respond(request, body, "application/json")

    def _blob(self, request: wrappers.Request, kind: str) -> wrappers.Response:
        (data,) = self._read_blobs(request, (kind,))
        content_type = "image/png" if kind == "mosaic" else "application/json"
        return http_util.Respond(request, data, content_type, expires=BLOB_CACHE_SECONDS)

    def _frame(self, request: wrappers.Request) -> wrappers.Response:
        """Info and mosaic of a step in one answer: 4-byte big-endian info length, info, PNG.

        The tab needs both for every step it shows; one request instead of two
        halves the queue a scrub waits behind.
        """
        info, mosaic = self._read_blobs(request, ("info", "mosaic"))
        body = struct.pack(">I", len(info)) + info + mosaic
        return http_util.Respond(request, body, "application/octet-stream", expires=BLOB_CACHE_SECONDS)

    def _probe(self, request: wrappers.Request) -> wrappers.Response:
        run, image = _name_arg(request, "run"), _image_arg(request)
        catalog = self._catalog(request)
        key = catalog.probe_key(run, image) if run in catalog.probe_runs(run) else None
        if key is None:
            raise NotFound(f"run {run!r} logged no probe image {image}")
        # Not cached by the browser: a run restarted in the same directory may log another.
        return http_util.Respond(request, _checked_blob("probe", catalog.read(key)), "image/png")

    def _health(self, request: wrappers.Request) -> wrappers.Response:
        run, layer = _name_arg(request, "run"), _name_arg(request, "layer")
        catalog = self._catalog(request)
        sources = _source_names(_listing(catalog, run, layer))
        curves = catalog.health(run, sources)
        body = {
            "run": run,
            "layer": layer,
            "metrics": list(metadata.METRICS),
            "sources": [
                {
                    "name": source,
                    # JSON has no NaN: a non-finite value is a gap (null), not a point.
                    "metrics": {metric: [[step, value if math.isfinite(value) else None] for step, value in points]
                                for metric, points in curves[source].items()},
                }
                for source in sources
            ],
        }
        return http_util.Respond(request, body, "application/json")

    def _read_blobs(self, request: wrappers.Request, kinds: tuple[str, ...]) -> list[bytes]:
        """A step's blobs of `kinds`: straight from their blob keys when the URL has them.

        Keys from `steps` carry the blob keys (`m`, `i`), so a scrub costs one
        `read_blob` per blob, like the Images plugin; a bare run/layer/step (a
        bookmark) looks the step up first, once, and takes its probe image
        `image` (default 0). Every argument is checked before anything is
        read, so a malformed one is a 400 even next to an unknown one.
        """
        catalog = self._catalog(request)
        keys = {kind: _name_arg(request, _KEY_ARGS[kind]) for kind in kinds if _KEY_ARGS[kind] in request.args}
        image = _image_arg(request)
        if len(keys) < len(kinds):
            blobs = _image_of_step(catalog, request, image)
            keys = {"mosaic": blobs.mosaic_key, "info": blobs.info_key} | keys
        if len(kinds) == 1:
            return [_checked_blob(kinds[0], catalog.read(keys[kinds[0]]))]
        blobs = _BLOB_READERS.map(catalog.read, [keys[kind] for kind in kinds])
        return [_checked_blob(kind, data) for kind, data in zip(kinds, blobs)]


def _listing(catalog: Catalog, run: str, layer: str) -> LayerListing:
    listing = catalog.layers(run).get(run, {}).get(layer)
    if listing is None:
        raise NotFound(f"no layer {layer!r} in run {run!r}")
    return listing


def _image_of_step(catalog: Catalog, request: wrappers.Request, image: int) -> ImageBlobs:
    """The blobs of probe image `image` of the step named by a bookmark's run, layer and step."""
    run, layer, step = _name_arg(request, "run"), _name_arg(request, "layer"), _step_arg(request)
    ref = catalog.series(run, layer, _listing(catalog, run, layer).tags).find(step)
    if ref is None:
        raise NotFound(f"no step {step} of layer {layer!r} in run {run!r}")
    if image >= len(ref.images):
        raise NotFound(f"step {step} of layer {layer!r} in run {run!r} has no probe image {image}"
                       f" (it has {len(ref.images)})")
    return ref.images[image]


def _checked_blob(kind: str, data: bytes) -> bytes:
    """`data` if it is a blob of that kind: a key from a URL may name any blob."""
    if kind in ("mosaic", "probe") and not data.startswith(PNG_SIGNATURE):
        raise NotFound(f"that key holds no {kind} PNG")
    if kind == "info" and not data.startswith(b"{"):
        raise NotFound("that key holds no step info")
    return data


def _source_names(listing: LayerListing) -> list[str]:
    """The names of a layer's sources: what its health scalars are tagged with."""
    sources = listing.content.get("sources")
    if not isinstance(sources, list):
        return []
    return [source["name"] for source in sources if isinstance(source, dict) and isinstance(source.get("name"), str)]


def _layer_entry(layer: str, listing: LayerListing) -> dict[str, Any]:
    sources = listing.content.get("sources")
    return {
        "name": layer,
        "path": layer.split("/"),
        "sources": sources if isinstance(sources, list) else [],
        "runs": {},
    }


@dataclasses.dataclass(frozen=True)
class LatestStep:
    """What /layers says of a run's layer's latest step: how many probe images it shows
    (the tab offers a choice when more than one) and its layout (None when unreadable)."""

    images: int
    layout: dict[str, Any] | None


def _latest_step(catalog: Catalog, run: str, layer: str, listing: LayerListing) -> LatestStep:
    steps = catalog.series(run, layer, listing.tags, downsample=1).steps
    if not steps:
        return LatestStep(images=0, layout=None)
    return LatestStep(images=len(steps[-1].images), layout=_layout(catalog, steps[-1]))


def _layout(catalog: Catalog, ref: StepRef) -> dict[str, Any] | None:
    """The geometry of a step (from its first image's step info; all share it) and each
    image's `batch_index`, which labels the tab's choice of probe image."""
    try:
        blobs = _BLOB_READERS.map(catalog.read, [image.info_key for image in ref.images])
        infos = [metadata.parse_step_info(blob) for blob in blobs]
        info = infos[0]
        return {
            "step": ref.step,
            "rows": info["rows"],
            "cols": info["cols"],
            "tile_height": info["tile_height"],
            "tile_width": info["tile_width"],
            "kernel_count": info["kernel_count"],
            "shown": len(info["kernels"]),
            "downscale": info["downscale"],
            "normalization": info["normalization"]["mode"],
            "sources": [source["name"] for source in info["sources"]],
            "batch_indices": [image.get("batch_index") for image in infos],
        }
    except (ValueError, KeyError, TypeError, Unreadable):
        return None


def _name_arg(request: wrappers.Request, name: str) -> str:
    value = request.args.get(name)
    if value is None:
        raise BadRequest(f"missing argument {name!r}")
    if not value or len(value) > MAX_NAME_LENGTH or "\x00" in value:
        raise BadRequest(f"argument {name!r}: expected a run or layer name")
    return value


def _step_arg(request: wrappers.Request) -> int:
    text = request.args.get("step")
    if text is None:
        raise BadRequest("missing argument 'step'")
    if not _STEP_PATTERN.match(text) or abs(int(text)) > _INT64_MAX:
        raise BadRequest(f"argument 'step': expected an int64, got {text[:40]!r}")
    return int(text)


def _image_arg(request: wrappers.Request) -> int:
    text = request.args.get("image", "0")
    if not _IMAGE_PATTERN.match(text):
        raise BadRequest(f"argument 'image': expected a non-negative int, got {text[:40]!r}")
    return int(text)


def _blob_query(run: str, layer: str, step: int, image: int, blobs: ImageBlobs) -> str:
    """The key of a step's blobs of one probe image: the query string for /frame, /mosaic and /info.

    Run, layer, step and image (left out for the first, so a one-image key is
    as before) make it readable and unique; `m` and `i` are the provider's
    blob keys, which let those routes skip the step lookup.
    """
    image_arg = {"image": image} if image else {}
    return urllib.parse.urlencode(
        {"run": run, "layer": layer, "step": step, **image_arg, "m": blobs.mosaic_key, "i": blobs.info_key}
    )


def _asset_response(request: wrappers.Request, name: str) -> wrappers.Response:
    asset = assets.read_asset(name)
    if asset is None:
        return _error(request, 404, "no such static file")
    data, content_type = asset
    return http_util.Respond(request, data, content_type)


def _error(request: wrappers.Request, code: int, message: str) -> wrappers.Response:
    return http_util.Respond(request, {"error": message}, "application/json", code=code)
