"""Spare cores for a log call: the work after the probe forward, spread over threads.

While a logger's call runs, training waits for it, and the cores that ran the
training sit idle. A log's PNG encodes spend most of their time in zlib,
which releases the GIL, so the loggers hand them to a few worker threads
while the calling thread tiles and computes the health metrics (NumPy calls on
small maps, which mostly hold the GIL: on workers they slowed the caller as
much as they saved). Once the caller's own work is done, it runs the jobs no
worker has started, from the last (`finish`). Everything still finishes inside
the call: the records written, their order and their failures are the same as
one thread's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# More workers than this find little to do: a log has a dozen or so jobs of 0.2-2 ms.
MAX_WORKERS = 3


def spare_cores() -> int:
    """The CPUs this process may run on, less the calling thread's, at most MAX_WORKERS."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, available - 1))


class Job(Generic[T]):
    """`work(*args)`, queued on a worker or not: `result()` runs it on the caller unless a worker has
    started it, then returns its value or raises what it raised."""

    def __init__(self, future: Future[T] | None, work: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._future, self._work, self._args = future, work, args

    def wait(self) -> None:
        """Run it here unless a worker has started it, else wait for that worker. Never raises."""
        if self._future is None or self._future.cancel():
            self._future = Future()
            try:
                self._future.set_result(self._work(*self._args))
            except Exception as error:
                self._future.set_exception(error)
        self._future.exception()

    def result(self) -> T:
        self.wait()
        return self._future.result()


def finish(jobs: Sequence[Job[Any]]) -> None:
    """Bring `jobs` to an end, the caller running the unstarted ones from the last: workers take jobs
    from the first, so both ends work until they meet. (Reading results in order would have the caller
    wait on each job a worker has just taken, and never help.) Failures stay for `result()`."""
    for job in reversed(jobs):
        job.wait()


class Workers:
    """Up to `count` threads, started by the first jobs and stopped on leaving the `with` block: none
    lingers between log calls, where the training process may fork (DataLoader workers)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(self, work: Callable[..., T], *args: Any) -> Job[T]:
        """Queue `work(*args)` for a worker; with none (or none that can start) it waits for `result()`."""
        future = None
        if self.count:
            try:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.count, thread_name_prefix="convcam")
                future = self._pool.submit(work, *args)
            except RuntimeError:  # no thread could start, or the interpreter is shutting down
                pass
        return Job(future, work, args)

    def close(self) -> None:
        """Stop the threads once their jobs are done; a later `submit` starts new ones."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
