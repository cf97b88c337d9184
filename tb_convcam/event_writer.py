"""A summary writer that notices when its events did not reach the disk.

TensorFlow's file writer fails silently: after a write error (a full disk, a
removed log directory) `flush()` still succeeds and every later event is
dropped, even once space is back. Each writer here owns an event file with a
unique suffix and, after every flush, walks the record framing of the bytes
written since the last check: they must be whole records (a full disk leaves
a truncated one). On failure it drops that file writer; the next write opens
a fresh event file, so the next good step is logged again.
"""

from __future__ import annotations

import struct
import uuid
from contextlib import AbstractContextManager

import tensorflow as tf


class CheckedWriter:
    """`tf.summary` file writer for one log directory, with a write check."""

    def __init__(self, log_dir: str) -> None:
        self.log_dir = log_dir
        self._writer = None
        self._pattern = ""
        self._path: str | None = None
        self._verified_end = 0

    def as_default(self, step: int) -> AbstractContextManager:
        """The writer as default, opening a new event file if needed (may raise)."""
        if self._writer is None:
            self._open()
        return self._writer.as_default(step=step)

    def flush_and_check(self) -> bool:
        """Flush; True if whole new records reached the file. On False, the next write uses a new file."""
        if self._writer is None:
            return False
        self._writer.flush()
        end = self._whole_records_end()
        if end is not None and end > self._verified_end:
            self._verified_end = end
            return True
        self.close()
        return False

    def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()
            except tf.errors.OpError:
                pass  # a writer whose file is gone cannot be closed cleanly; nothing left to save

    def _open(self) -> None:
        suffix = f".{uuid.uuid4().hex[:12]}.v2"
        self._writer = tf.summary.create_file_writer(self.log_dir, filename_suffix=suffix)
        self._pattern = f"{self.log_dir.rstrip('/')}/*tfevents*{suffix}"
        self._path: str | None = None  # found on the first check
        self._verified_end = 0

    def _whole_records_end(self) -> int | None:
        """End offset if the bytes after the last check are whole records, else None."""
        try:
            if self._path is None:
                (self._path,) = tf.io.gfile.glob(self._pattern)
            with tf.io.gfile.GFile(self._path, "rb") as events:
                events.seek(self._verified_end)
                fresh = events.read()
        except (tf.errors.OpError, ValueError):
            return None
        offset = 0
        while offset + _HEADER.size <= len(fresh):
            (length,) = _HEADER.unpack_from(fresh, offset)
            offset += _HEADER.size + length + _CRC_BYTES
        return self._verified_end + offset if offset == len(fresh) else None


# TFRecord framing: uint64 length, uint32 length CRC, data, uint32 data CRC.
_HEADER = struct.Struct("<Q")
_CRC_BYTES = 4 + 4  # one CRC of the length, one of the data
