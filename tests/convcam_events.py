"""Read convcam data back the way TensorBoard does: through its own data provider."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
from PIL import Image
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer

from tb_convcam import metadata


@dataclasses.dataclass
class LoggedMosaic:
    step: int
    blobs: list[bytes]
    info: dict

    @property
    def png(self) -> bytes:
        return self.blobs[0]

    def pixels(self) -> np.ndarray:
        """[H, W] for one source, [H, W, 3] for merged sources, as `tile` returns them."""
        return np.asarray(Image.open(io.BytesIO(self.png)))


def read_logdir(logdir: str, plugin: str = metadata.PLUGIN_NAME) -> dict[str, dict[str, list[LoggedMosaic]]]:
    """{run: {tag: [LoggedMosaic, ...]}} for every convcam tag, all steps kept (the probe image
    tag's entries hold its one blob, the PNG, and no step info)."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={plugin: 0})
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    ctx = context.RequestContext()
    series = provider.read_blob_sequences(ctx, experiment_id="", plugin_name=plugin, downsample=10**6)
    result: dict[str, dict[str, list[LoggedMosaic]]] = {}
    convcam = plugin == metadata.PLUGIN_NAME
    for run, tags in series.items():
        for tag, data in tags.items():
            blobs = [[provider.read_blob(ctx, blob_key=ref.blob_key) for ref in datum.values] for datum in data]
            result.setdefault(run, {})[tag] = [
                LoggedMosaic(datum.step, blob, metadata.parse_step_info(blob[1]) if convcam and tag != metadata.PROBE_TAG else {})
                for datum, blob in zip(data, blobs)
            ]
    return result


def tag_steps(logdir: str | Path, tag: str, run: str = ".") -> list[int]:
    """The steps of `tag` in `run` as TensorBoard shows them: one per step, in step order
    (event_files.written_steps shows each record written)."""
    return [mosaic.step for mosaic in read_logdir(str(logdir))[run][tag]]


def tag_content(logdir: str) -> dict[str, dict[str, dict]]:
    """{run: {tag: parsed plugin content}} as TensorBoard lists it."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    listing = provider.list_blob_sequences(
        context.RequestContext(), experiment_id="", plugin_name=metadata.PLUGIN_NAME
    )
    return {
        run: {tag: metadata.parse_plugin_content(ts.plugin_content) for tag, ts in tags.items()}
        for run, tags in listing.items()
    }


def scalars(logdir: str | Path, run: str = ".") -> dict[str, list[tuple[int, float]]]:
    """{tag: [(step, value), ...]} of the run's scalars, read through TensorBoard's data provider."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": 0})
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    series = provider.read_scalars(context.RequestContext(), experiment_id="", plugin_name="scalars",
                                   downsample=10**6).get(run, {})
    return {tag: [(datum.step, datum.value) for datum in data] for tag, data in series.items()}
