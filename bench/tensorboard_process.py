"""A real `tensorboard` subprocess on 127.0.0.1, and its resident memory.

Shared by the serving and tab benchmarks. The process and every process it
started (RustBoard's data server) are stopped on exit, whatever happens.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Server:
    base_url: str
    pid: int

    def rss_mb(self) -> dict[str, float]:
        """VmRSS of tensorboard and of each process below it (the data server), in MB."""
        return {f"{name}[{pid}]": rss_kb(pid) / 1024 for pid, name in [(self.pid, "tensorboard"), *descendants(self.pid)]}


def get(url: str, timeout: float = 30.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def get_json(url: str):
    return json.loads(get(url))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def tensorboard(logdir: Path, *, load_fast: bool, extra_args: Sequence[str] = (), timeout: float = 300.0) -> Iterator[Server]:
    """Serve `logdir`; yields once the convcam routes answer (not necessarily loaded: see `wait_loaded`)."""
    port = free_port()
    command = [
        sys.executable, "-m", "tensorboard.main",
        "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port),
        f"--load_fast={'true' if load_fast else 'false'}", *extra_args,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    # cwd: away from a source checkout, whose stale egg-info could hide the entry point.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(logdir))
    server = Server(f"http://127.0.0.1:{port}", process.pid)
    children: list[int] = []
    try:
        wait_answering(server, process, timeout)
        children = [pid for pid, _ in descendants(process.pid)]
        yield server
    finally:
        children += [pid for pid, _ in descendants(process.pid) if pid not in children]
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)


def wait_answering(server: Server, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tensorboard exited with {process.returncode}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
            get(f"{server.base_url}/data/plugin/convcam/layers")
            return
        time.sleep(0.3)
    raise TimeoutError(f"tensorboard at {server.base_url} did not answer within {timeout}s")


def wait_loaded(server: Server, runs: int, last_step: int, timeout: float = 600.0) -> float:
    """Wait until /layers lists `runs` runs, each layer up to `last_step`; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        listing = get_json(f"{server.base_url}/data/plugin/convcam/layers")
        loaded = [
            all(entry["max_step"] >= last_step for entry in layer["runs"].values()) and len(layer["runs"]) == runs
            for layer in listing["layers"]
        ]
        if loaded and all(loaded) and len(listing["runs"]) == runs:
            return time.monotonic() - started
        time.sleep(1.0)
    raise TimeoutError(f"tensorboard did not load {runs} runs up to step {last_step} within {timeout}s")


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of every process below `pid`, from /proc."""
    found = []
    for child in children_of(pid):
        found.append((child, process_name(child)))
        found.extend(descendants(child))
    return found


def children_of(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def process_name(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/comm").read_text().strip()
    return "?"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
