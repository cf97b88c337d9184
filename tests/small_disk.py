"""A real full disk for tests: a small tmpfs in a private mount namespace (no root needed)."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run_with_small_disk(mount: Path, script: Path, size: str = "2m") -> subprocess.CompletedProcess:
    """Run `script` with this Python while a `size` tmpfs is mounted at `mount` (it vanishes after)."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux 'unshare' is needed to mount a small tmpfs for this test")
    mount.mkdir(exist_ok=True)
    command = (f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(mount))}"
               f" && exec {shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", command],
        capture_output=True, text=True, timeout=300,
    )
