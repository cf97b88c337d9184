"""What convcam data exists, read only through TensorBoard's data provider.

Works the same over the Python loader and RustBoard (`--load_fast`). Tags
whose plugin content carries `baseline_of` are not layers: they hold a copy
of a layer's first logged step, written once so that downsampling can never
evict the blank-model baseline. Their steps are merged into that layer's.
The probe image tag (content `"probe_image": true`) is not a layer either.
Health metrics are plain TensorBoard scalars (plugin "scalars"), one tag per
layer source and metric (`metadata.metric_tag`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tensorboard import errors
from tensorboard.data import provider
from tensorboard.plugins.scalar import metadata as scalar_metadata

from tb_convcam import metadata

# Ask the provider for every kept step; sampling already bounds the count.
ALL_STEPS = 1 << 31
# A step's blobs: [mosaic PNG, step info] per probe image shown (tb_convcam/metadata.py).
BLOBS_PER_IMAGE = 2


@dataclasses.dataclass(frozen=True)
class ImageBlobs:
    """Where the mosaic of one probe image of a step and its step info live."""

    mosaic_key: str
    info_key: str


@dataclasses.dataclass(frozen=True)
class StepRef:
    """One logged step of a run's layer: a [mosaic, step info] pair per probe image it shows, in order."""

    step: int
    wall_time: float
    images: tuple[ImageBlobs, ...]


@dataclasses.dataclass(frozen=True)
class LayerListing:
    """A layer as listed for one run: its tags (the layer's own, maybe a baseline companion)."""

    content: dict[str, Any]
    tags: tuple[str, ...]
    max_step: int
    max_wall_time: float


@dataclasses.dataclass(frozen=True)
class LayerSeries:
    """A layer's logged steps in one run, oldest first."""

    steps: tuple[StepRef, ...]
    baseline_step: int | None

    def find(self, step: int) -> StepRef | None:
        return next((ref for ref in self.steps if ref.step == step), None)


class Catalog:
    """Read-side view of one experiment's convcam data for one request."""

    def __init__(self, data_provider: provider.DataProvider, ctx: Any, experiment_id: str):
        self._provider = data_provider
        self._ctx = ctx
        self._experiment_id = experiment_id
        self._listings: dict[str | None, dict[str, dict[str, Any]]] = {}

    def _listing(self, run: str | None) -> dict[str, dict[str, Any]]:
        """The provider's listing of convcam tags (all runs, or `run`), asked once per request:
        the layers route reads it for the layers and again for the probe images."""
        if run not in self._listings:
            self._listings[run] = self._provider.list_blob_sequences(
                self._ctx,
                experiment_id=self._experiment_id,
                plugin_name=metadata.PLUGIN_NAME,
                run_tag_filter=None if run is None else provider.RunTagFilter(runs=[run]),
            )
        return self._listings[run]

    def layers(self, run: str | None = None) -> dict[str, dict[str, LayerListing]]:
        """{run: {layer: listing}} for every run with convcam data (or for `run` alone)."""
        runs: dict[str, dict[str, LayerListing]] = {}
        for run, tags in self._listing(run).items():
            layers: dict[str, LayerListing] = {}
            for tag, series in sorted(tags.items()):
                content = _plugin_content(series.plugin_content)
                if _is_probe(content):
                    continue
                baseline_of = content.get("baseline_of")
                layer = baseline_of if isinstance(baseline_of, str) and baseline_of else tag
                known = layers.get(layer)
                layers[layer] = LayerListing(
                    content=content if tag == layer or not known else known.content,
                    tags=(known.tags if known else ()) + (tag,),
                    max_step=max(series.max_step, known.max_step) if known else series.max_step,
                    max_wall_time=(
                        max(series.max_wall_time, known.max_wall_time) if known else series.max_wall_time
                    ),
                )
            if layers:
                runs[run] = layers
        return runs

    def series(self, run: str, layer: str, tags: tuple[str, ...], downsample: int = ALL_STEPS) -> LayerSeries:
        """Kept steps of `layer` in `run` (all by default), its baseline companion merged in."""
        data = self._provider.read_blob_sequences(
            self._ctx,
            experiment_id=self._experiment_id,
            plugin_name=metadata.PLUGIN_NAME,
            downsample=downsample,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=list(tags)),
        ).get(run, {})
        by_step: dict[int, StepRef] = {}
        baseline_steps = []
        for tag in sorted(data, key=lambda t: t == layer):  # the layer's own data wins
            for datum in data[tag]:
                images = _image_blobs(datum.values)
                if not images:
                    continue
                by_step[datum.step] = StepRef(step=datum.step, wall_time=datum.wall_time, images=images)
                if tag != layer:
                    baseline_steps.append(datum.step)
        steps = tuple(by_step[step] for step in sorted(by_step))
        if baseline_steps:
            baseline = min(baseline_steps)
        else:
            baseline = steps[0].step if steps else None
        return LayerSeries(steps=steps, baseline_step=baseline)

    def probe_runs(self, run: str | None = None) -> set[str]:
        """Runs (all, or `run` alone) that logged a probe image."""
        return {
            name for name, tags in self._listing(run).items()
            if metadata.PROBE_TAG in tags and _is_probe(_plugin_content(tags[metadata.PROBE_TAG].plugin_content))
        }

    def probe_key(self, run: str, image: int = 0) -> str | None:
        """The blob key of `run`'s probe image number `image` (in the mosaics' order), None if it
        has none: from the latest record, should a resumed run have logged another."""
        data = self._provider.read_blob_sequences(
            self._ctx,
            experiment_id=self._experiment_id,
            plugin_name=metadata.PLUGIN_NAME,
            downsample=1,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=[metadata.PROBE_TAG]),
        ).get(run, {}).get(metadata.PROBE_TAG, [])
        return data[-1].values[image].blob_key if data and image < len(data[-1].values) else None

    def scalar_tags(self, tags: list[str]) -> dict[str, set[str]]:
        """{run: which of `tags` it logged as scalars}, for runs that logged any."""
        if not tags:
            return {}
        listing = self._provider.list_scalars(
            self._ctx,
            experiment_id=self._experiment_id,
            plugin_name=scalar_metadata.PLUGIN_NAME,
            run_tag_filter=provider.RunTagFilter(tags=tags),
        )
        return {run: set(run_tags) for run, run_tags in listing.items()}

    def health(self, run: str, sources: list[str]) -> dict[str, dict[str, list[tuple[int, float]]]]:
        """{source: {metric: [(step, value), ...]}} of `run`'s health scalars, every kept point, oldest first.

        A source or metric never logged (a version-1 log) has an empty list.
        """
        tags = {metadata.metric_tag(source, metric): (source, metric)
                for source in sources for metric in metadata.METRICS}
        data = self._provider.read_scalars(
            self._ctx,
            experiment_id=self._experiment_id,
            plugin_name=scalar_metadata.PLUGIN_NAME,
            downsample=ALL_STEPS,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=list(tags)),
        ).get(run, {})
        result: dict[str, dict[str, list[tuple[int, float]]]] = {
            source: {metric: [] for metric in metadata.METRICS} for source in sources
        }
        for tag, points in data.items():
            source, metric = tags[tag]
            result[source][metric] = [(point.step, point.value) for point in sorted(points, key=lambda p: p.step)]
        return result

    def read(self, key: str) -> bytes:
        """A blob's bytes; raises `Unreadable` when the provider cannot find or parse its key.

        (RustBoard, for one, cannot parse the blob keys of runs whose names hold '"' or '\\'.)
        """
        try:
            return self._provider.read_blob(self._ctx, blob_key=key)
        except (errors.PublicError, LookupError, ValueError, TypeError) as error:
            # A key from a URL may be garbage: the Python provider then fails while
            # decoding it (binascii/JSON/unpacking errors, unknown runs), RustBoard
            # with NotFound/InvalidArgument. None of that may become a 500.
            raise Unreadable(str(error) or type(error).__name__) from error


class Unreadable(LookupError):
    """A listed blob that the data provider cannot return."""


def _image_blobs(values) -> tuple[ImageBlobs, ...]:
    """A step's [mosaic, step info] pairs (an odd blob at the end pairs with nothing)."""
    pairs = range(0, len(values) - 1, BLOBS_PER_IMAGE)
    return tuple(ImageBlobs(mosaic_key=values[start + metadata.MOSAIC_INDEX].blob_key,
                            info_key=values[start + metadata.STEP_INFO_INDEX].blob_key) for start in pairs)


def _is_probe(content: dict[str, Any]) -> bool:
    return content.get("probe_image") is True


def _plugin_content(content: bytes) -> dict[str, Any]:
    """The tag's parsed plugin content, or {} if it is not one we understand."""
    try:
        return metadata.parse_plugin_content(content)
    except ValueError:
        return {}
