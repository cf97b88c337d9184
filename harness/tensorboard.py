"""A real `tensorboard` subprocess on 127.0.0.1: start, wait, fetch, measure, stop.

Either loader (`--load_fast=false`/`true`), a free port, its output kept in a
file (a pipe nobody reads would fill and block it), and on exit the whole
process tree killed: RustBoard's data server too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

# Where TensorBoard serves the convcam plugin's routes.
PLUGIN_ROUTES = "/data/plugin/convcam"
# The page TensorBoard loads into the Convcam tab's iframe; a view goes after "#".
PLUGIN_PAGE = "/data/plugin_entry.html?name=convcam"
LAYERS_ROUTE = f"{PLUGIN_ROUTES}/layers"


@dataclasses.dataclass(frozen=True)
class Server:
    base_url: str
    pid: int
    output: IO[bytes]

    def printed(self) -> str:
        """What tensorboard has printed so far."""
        self.output.seek(0)
        return self.output.read().decode("utf-8", "replace")

    def rss_mb(self) -> dict[str, float]:
        """VmRSS of tensorboard and of each process below it (the data server), in MB."""
        return {f"{name}[{pid}]": rss_kb(pid) / 1024 for pid, name in [(self.pid, "tensorboard"), *descendants(self.pid)]}


@contextlib.contextmanager
def tensorboard(
    logdir: Path,
    *,
    load_fast: bool,
    extra_args: Sequence[str] = (),
    timeout: float = 300.0,
    wait_for_data: bool = False,
    path_prefix: str = "",
) -> Iterator[Server]:
    """Serve `logdir`; yields once the convcam routes answer (with `wait_for_data`, once they list a layer)."""
    port = free_port()
    command = [
        sys.executable, "-m", "tensorboard.main",
        "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port),
        f"--load_fast={'true' if load_fast else 'false'}",
        *(["--path_prefix", path_prefix] if path_prefix else []),
        *extra_args,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    output = tempfile.TemporaryFile()
    # cwd: away from a source checkout, whose stale egg-info could hide the entry point.
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=str(logdir))
    server = Server(f"http://127.0.0.1:{port}{path_prefix}", process.pid, output)
    children: list[int] = []
    try:
        _wait_serving(server, process, timeout, wait_for_data)
        children = [pid for pid, _ in descendants(process.pid)]
        yield server
    finally:
        # Killed, not terminated: TensorBoard's graceful exit takes ~1.8 s (its atexit handlers and the
        # interpreter's shutdown), paid by every server the tests start, and all it does that matters
        # is remove its info file (tensorboard.manager's, under the temp folder), done here instead.
        children += [pid for pid, _ in descendants(process.pid) if pid not in children]
        process.kill()
        process.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        with contextlib.suppress(FileNotFoundError):
            (Path(tempfile.gettempdir()) / ".tensorboard-info" / f"pid-{process.pid}.info").unlink()
        output.close()


def _wait_serving(server: Server, process: subprocess.Popen, timeout: float, wait_for_data: bool) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tensorboard exited with {process.returncode}:\n{server.printed()}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
            if fetch_json(server.base_url + LAYERS_ROUTE)["layers"] or not wait_for_data:
                return
        time.sleep(0.3)
    raise TimeoutError(f"tensorboard at {server.base_url} did not serve convcam data within {timeout}s")


def wait_loaded(server: Server, runs: int, last_step: int, timeout: float = 600.0) -> float:
    """Wait until /layers lists `runs` runs, each layer up to `last_step`; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        listing = fetch_json(server.base_url + LAYERS_ROUTE)
        loaded = [
            all(entry["max_step"] >= last_step for entry in layer["runs"].values()) and len(layer["runs"]) == runs
            for layer in listing["layers"]
        ]
        if loaded and all(loaded) and len(listing["runs"]) == runs:
            return time.monotonic() - started
        time.sleep(1.0)
    raise TimeoutError(f"tensorboard did not load {runs} runs up to step {last_step} within {timeout}s")


def fetch(url: str, timeout: float = 30.0) -> tuple[int, bytes, str]:
    """GET `url`; returns (status, body, content type) for success and HTTP errors alike."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def get(url: str) -> bytes:
    """The body of a 200 answer; URLError for anything else."""
    status, body, _ = fetch(url)
    if status != 200:
        raise urllib.error.URLError(f"{url}: HTTP {status}")
    return body


def fetch_json(url: str):
    return json.loads(get(url))


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports on 127.0.0.1: all are held open until every one is picked."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of every process below `pid`, from /proc."""
    found = []
    for child in _children_of(pid):
        found.append((child, _process_name(child)))
        found.extend(descendants(child))
    return found


def _children_of(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def _process_name(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/comm").read_text().strip()
    return "?"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
