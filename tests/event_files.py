"""Event files record by record: convcam records to write, and readers that say where a file breaks.

TensorBoard's loaders stop quietly at a truncated or corrupt record; these
readers use its TF-free record reader (through its gfile, so URLs work too)
and report the damage instead. A support module: test modules and their
subprocess scripts (which put tests/ on sys.path) import from here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.tensorflow_stub import errors
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New

from tb_convcam import metadata, records, tile
from tb_convcam.mosaic import TileOptions


def convcam_summary(tag: str = "conv", png: bytes = b"\x89PNG not decoded here") -> summary_pb2.Summary:
    """A convcam record as the callback writes it: a blob sequence [PNG, step info]."""
    _, layout = tile(np.random.default_rng(0).random((1, 6, 5, 4), dtype=np.float32))
    blobs = records.string_tensor([png, metadata.encode_step_info(layout)])
    value = summary_pb2.Summary.Value(tag=tag, metadata=metadata.create_summary_metadata([tag]), tensor=blobs)
    return summary_pb2.Summary(value=[value])


def mosaic_records(tag: str, maps: np.ndarray, baseline: bool = False) -> list[summary_pb2.Summary]:
    """The records `summary.mosaic` writes for one source's [1, H, W, K] maps, built without TensorFlow
    (write them with `event_writer.EventWriter`)."""
    writes = records.writes(tag, (tag,), None, None, baseline=baseline, also_to_images=False)
    return records.summaries([records.prepare([maps], (tag,), [TileOptions()], writes)])


def readable_events(path: str) -> tuple[list[event_pb2.Event], errors.DataLossError | None]:
    """The events before the first truncated or corrupt record, and that record's error (None if there is none)."""
    reader = PyRecordReader_New(path)
    events = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return events, None
        except errors.DataLossError as damage:
            return events, damage
        events.append(event_pb2.Event.FromString(reader.record()))


def steps_in_file(path: str) -> list[int]:
    """The step of every event after the file-version event that opens the file, read strictly."""
    events = _strict_events(path)
    assert events[0].file_version == "brain.Event:2"
    return [event.step for event in events[1:]]


def written_steps(run_dir: str | Path, tag: str) -> list[int]:
    """The step of every record of `tag` in the run's event files, in file then write order, read strictly.

    TensorBoard shows a tag's data one datum per step, sorted by step: a step written twice, or out
    of order, only shows here.
    """
    paths = sorted(Path(run_dir).glob("events.out.tfevents.*"))
    return [event.step for path in paths for event in _strict_events(str(path))
            for value in event.summary.value if value.tag == tag]


def _strict_events(path: str) -> list[event_pb2.Event]:
    """Every event in the file; DataLossError if any record is truncated or corrupt."""
    events, damage = readable_events(path)
    if damage is not None:
        raise damage
    return events
