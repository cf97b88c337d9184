"""An event file writer that checks its events reached the file, without TensorFlow.

TensorFlow's file writer fails silently: after a write error (a full disk, a
removed log directory) `flush()` still succeeds and every later event is
dropped, even once space is back. TensorBoard's own `EventFileWriter` imports
TensorFlow when it is installed. This writer frames records as TensorBoard's
`RecordWriter` does (see `frame`), writes them itself and checks the file
after every write; when a write did not land whole it gives the file up, and
the next write starts a new event file, so the next good step is logged.

Local paths are written with plain file I/O. URLs (`s3://`, `gs://`, any
`scheme://` that TensorBoard's TF-free gfile can open: S3 through boto3, other
schemes through fsspec) cannot be appended to on object stores (gcsfs turns an
append into an overwrite), so each write uploads the whole file again, as
TensorFlow's own GCS writer does on flush; a file is capped at
`REMOTE_FILE_BYTES` to bound that, and the writer moves on to a new one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import struct
import time
import uuid
from collections.abc import Sequence

import google_crc32c
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.tensorflow_stub import errors
from tensorboard.compat.tensorflow_stub.io import gfile

# A URL's event file is uploaded whole on every write; past this size the next write starts a new file.
REMOTE_FILE_BYTES = 4 << 20

# Orders this process's event files by creation within one second of the file name's
# timestamp: TensorBoard's Python loader reads a run's files in name order and never goes back.
_files_opened = itertools.count()


class EventWriter:
    """Event file writer for one log directory; imports no TensorFlow."""

    def __init__(self, log_dir: str) -> None:
        self.log_dir = log_dir
        self.path: str | None = None  # the event file opened last; kept once given up, to name it in messages
        self._file: _LocalFile | _RemoteFile | None = None
        self._remote = "://" in log_dir
        if self._remote:
            try:
                gfile.get_filesystem(log_dir)
            except (ValueError, ImportError) as error:
                raise ValueError(
                    f"EventWriter: cannot write {log_dir!r} without TensorFlow ({error}). Use a local path, "
                    "s3:// with boto3 installed, or a URL fsspec can write (gs:// with gcsfs, s3:// with s3fs)."
                ) from error

    def write(self, step: int, summaries: Sequence[summary_pb2.Summary]) -> bool:
        """Write one Event per Summary (wall_time now, given step), flush, verify.

        True iff every record reached the file whole. On False (or an OSError
        while opening a file), the current file is given up; the next write
        opens a new event file, recreating the directory if it was removed.
        """
        now = time.time()
        events = [event_pb2.Event(wall_time=now, step=step, summary=summary) for summary in summaries]
        if self._file is None:
            self._open()
            events.insert(0, event_pb2.Event(wall_time=now, file_version="brain.Event:2",
                                             source_metadata=event_pb2.SourceMetadata(writer="tb_convcam")))
        records = b"".join(frame(event.SerializeToString()) for event in events)
        try:
            reached = self._file.append(records)
        except BaseException:
            self._give_up()
            raise
        if not reached:
            self._give_up()
        elif self._remote and self._file.end >= REMOTE_FILE_BYTES:
            self.close()
        return reached

    def close(self) -> None:
        """Close the current file; idempotent, and quiet when its directory is gone."""
        file, self._file = self._file, None
        if file is not None:
            file.close()

    def _open(self) -> None:
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
                f".{next(_files_opened):06d}.{uuid.uuid4().hex[:12]}.v2")
        if self._remote:
            gfile.makedirs(self.log_dir)
            self._file = _RemoteFile(f"{self.log_dir.rstrip('/')}/{name}")
        else:
            os.makedirs(self.log_dir, exist_ok=True)
            self._file = _LocalFile(os.path.join(self.log_dir, name))
        self.path = self._file.path

    def _give_up(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.give_up()


def frame(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC32C, the data, its masked CRC32C.

    The same bytes as TensorBoard's `RecordWriter` (a test holds them equal),
    whose TF-free CRC32C is pure Python: 3.5 MB/s, 30 ms for a typical logging
    step. google-crc32c computes it in C.
    """
    length = struct.pack("<Q", len(data))
    return b"".join((length, _masked_crc(length), data, _masked_crc(data)))


def _masked_crc(data: bytes) -> bytes:
    crc = google_crc32c.value(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


class _LocalFile:
    """An event file on a local file system, written through its own descriptor."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.end = 0  # bytes of whole, verified records
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)

    def append(self, data: bytes) -> bool:
        """Write `data` after the verified end; True if it is in the file under this path."""
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]  # a full disk first writes short, then raises
            on_disk, named = os.fstat(self._fd), os.stat(self.path)
        except OSError:
            return False
        if (named.st_dev, named.st_ino) != (on_disk.st_dev, on_disk.st_ino) or on_disk.st_size != self.end + len(data):
            return False  # unlinked, its directory removed or renamed, or changed by someone else
        self.end += len(data)
        return True

    def give_up(self) -> None:
        """Cut a partial record off the end (best effort); remove the file if nothing in it was good."""
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, self.end)
        if self.end == 0:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # every record was written and checked already
            os.close(self._fd)


class _RemoteFile:
    """An event file at a URL, uploaded whole on every append (object stores cannot append)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.end = 0
        self._fs = gfile.get_filesystem(path)
        self._content = b""

    def append(self, data: bytes) -> bool:
        """Upload the file with `data` added; True if it still held what we last wrote and now holds it all."""
        try:
            if self.end and not self._has_size(self.end):
                return False  # removed (or changed) since the last write: do not bring it back
            self._fs.write(self.path, self._content + data, binary_mode=True)
            if not self._has_size(self.end + len(data)):
                return False
        except (OSError, errors.OpError):
            return False
        self._content += data
        self.end += len(data)
        return True

    def _has_size(self, size: int) -> bool:
        return self._fs.stat(self.path).length == size

    def give_up(self) -> None:
        self.close()

    def close(self) -> None:
        self._content = b""
