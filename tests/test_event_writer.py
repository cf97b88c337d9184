"""The TF-free event writer: TensorBoard reads what it writes, and a failed write never costs later steps."""

import io
import json
import os
import shutil
import subprocess
import sys
import uuid

import numpy as np
import pytest
from convcam_events import read_logdir, tag_steps
from event_files import convcam_summary, steps_in_file
from small_disk import run_with_small_disk
from tensorboard.summary.writer.record_writer import RecordWriter

from tb_convcam import event_writer
from tb_convcam.event_writer import EventWriter

TESTS = os.path.dirname(__file__)


def test_tensorboard_reads_back_the_steps_tags_and_blobs_written(tmp_path):
    writer = EventWriter(str(tmp_path))
    assert writer.path is None, "nothing opened before the first write"
    assert writer.write(0, [convcam_summary(png=b"first")])
    assert writer.write(5, [convcam_summary(png=b"second"), convcam_summary("other")])
    writer.close()
    logged = read_logdir(str(tmp_path))["."]
    assert [(m.step, m.png) for m in logged["conv"]] == [(0, b"first"), (5, b"second")]
    assert [m.step for m in logged["other"]] == [5]
    assert logged["conv"][0].info["kernel_count"] == 4
    assert "tfevents" in os.path.basename(writer.path) and os.path.dirname(writer.path) == str(tmp_path)


NO_TENSORFLOW_SCRIPT = """
import sys
from tensorboard.compat.proto import summary_pb2
from tb_convcam.event_writer import EventWriter

summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)])
assert EventWriter({log_dir!r}).write(0, [summary])
assert EventWriter({url!r}).write(0, [summary])
print(sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras")))
"""


def test_writing_imports_no_tensorflow(tmp_path):
    """TensorFlow is installed here, and TensorBoard's lazy `compat.tf` would import it if touched."""
    pytest.importorskip("fsspec", reason="memory:// URLs need fsspec")
    script = NO_TENSORFLOW_SCRIPT.format(log_dir=str(tmp_path), url=f"memory://no-tf/{uuid.uuid4().hex}")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_removed_log_directory_fails_that_write_and_the_next_starts_a_new_file(tmp_path):
    log_dir = tmp_path / "run"
    writer = EventWriter(str(log_dir))
    assert writer.write(0, [convcam_summary()])
    shutil.rmtree(log_dir)
    assert not writer.write(1, [convcam_summary()]), "the event went to an unlinked file"
    assert not log_dir.exists(), "a failed write does not recreate the directory"
    assert writer.write(2, [convcam_summary()])
    assert os.listdir(log_dir) == [os.path.basename(writer.path)]
    assert steps_in_file(writer.path) == [2]
    writer.close()


FULL_DISK_SCRIPT = """
import json, os, sys
sys.path.insert(0, {tests!r})
from event_files import convcam_summary, steps_in_file
from tb_convcam.event_writer import EventWriter

mount = {mount!r}
run = os.path.join(mount, "run")
record = [convcam_summary(png=os.urandom(100_000))]
writer = EventWriter(run)
wrote = [writer.write(0, record)]
first = writer.path
filler = os.path.join(mount, "filler")
with open(filler, "wb", buffering=0) as fill:
    try:
        while True:
            fill.write(bytes(1 << 16))
    except OSError:
        pass
os.truncate(filler, os.path.getsize(filler) - 40_000)  # room for part of a record: the next write is cut short
wrote.append(writer.write(1, record))
wrote.append(writer.write(2, record))  # a new file, still no room
os.remove(filler)
wrote.append(writer.write(3, record))
writer.close()
files = sorted(os.listdir(run))
print(json.dumps({{"wrote": wrote, "files": files, "first": os.path.basename(first),
                  "last": os.path.basename(writer.path),
                  "steps": [steps_in_file(os.path.join(run, f)) for f in files]}}))
"""


def test_a_full_disk_fails_the_write_leaves_whole_records_and_logging_resumes_in_a_new_file(tmp_path):
    """A real full file system: a 2 MB tmpfs in a private mount namespace."""
    mount = tmp_path / "small_disk"
    script = tmp_path / "fill_disk_while_writing.py"
    script.write_text(FULL_DISK_SCRIPT.format(tests=TESTS, mount=str(mount)))
    result = run_with_small_disk(mount, script)
    assert result.returncode == 0, result.stderr[-3000:]  # no exception escaped a write
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["wrote"] == [True, False, False, True]
    assert report["files"] == [report["first"], report["last"]], "the empty file of the failed retry was removed"
    assert report["steps"] == [[0], [3]], "the cut-short record was truncated away; both files read strictly"


def test_close_is_idempotent_and_quiet_once_the_directory_is_gone(tmp_path):
    log_dir = tmp_path / "run"
    writer = EventWriter(str(log_dir))
    writer.close()
    assert not log_dir.exists(), "closing an unused writer creates nothing"
    assert writer.write(0, [convcam_summary()])
    shutil.rmtree(log_dir)
    writer.close()
    writer.close()
    assert not log_dir.exists()


def test_each_new_file_sorts_after_the_previous_one(tmp_path):
    """TensorBoard's Python loader reads a run's files in name order and never goes back to an earlier name."""
    writer = EventWriter(str(tmp_path))
    paths = []
    for step in range(12):
        assert writer.write(step, [convcam_summary()])
        paths.append(writer.path)
        writer.close()  # the next write opens a new file, most likely within the same second
    assert sorted(paths) == paths and len(set(paths)) == 12
    assert tag_steps(tmp_path, "conv") == list(range(12))


@pytest.fixture
def memory_url():
    """A fresh directory URL on fsspec's in-memory file system (one per process: read it back in-process)."""
    fsspec = pytest.importorskip("fsspec", reason="memory:// URLs need fsspec")
    root = f"memory://convcam-test/{uuid.uuid4().hex}"
    yield root
    memory = fsspec.filesystem("memory")
    if memory.exists(root):
        memory.rm(root, recursive=True)


def test_urls_are_written_through_tensorboards_tf_free_gfile(memory_url):
    writer = EventWriter(f"{memory_url}/run")
    assert writer.write(0, [convcam_summary()])
    assert writer.write(1, [convcam_summary(), convcam_summary("other")])
    writer.close()
    assert writer.path.startswith(f"{memory_url}/run/events.out.tfevents.")
    assert steps_in_file(writer.path) == [0, 1, 1]


def test_a_removed_remote_file_fails_that_write_and_is_not_brought_back(memory_url):
    import fsspec

    writer = EventWriter(memory_url)
    assert writer.write(0, [convcam_summary()])
    first = writer.path
    fsspec.filesystem("memory").rm(first)
    assert not writer.write(1, [convcam_summary()])
    assert writer.write(2, [convcam_summary()])
    assert writer.path != first and not fsspec.filesystem("memory").exists(first)
    assert steps_in_file(writer.path) == [2]


def test_a_remote_file_past_its_size_cap_continues_in_a_new_file(memory_url, monkeypatch):
    """Each write uploads the whole file, so files are capped to bound what one write sends."""
    monkeypatch.setattr(event_writer, "REMOTE_FILE_BYTES", 1)
    writer = EventWriter(memory_url)
    paths = []
    for step in range(3):
        assert writer.write(step, [convcam_summary()])
        paths.append(writer.path)
    assert sorted(set(paths)) == paths
    assert [steps_in_file(path) for path in paths] == [[0], [1], [2]]


def test_a_url_without_a_tf_free_file_system_is_refused_at_construction():
    with pytest.raises(ValueError, match="Use a local path"):
        EventWriter("nosuchscheme://bucket/run")


def test_records_are_framed_byte_for_byte_as_tensorboards_record_writer():
    rng = np.random.default_rng(0)
    for size in (0, 1, 7, 4096, 100_000):
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        reference = io.BytesIO()
        RecordWriter(reference).write(data)
        assert event_writer.frame(data) == reference.getvalue(), size
