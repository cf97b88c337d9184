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

The threads are plain ones serving a queue, each job claimed by a lock, not a
`ThreadPoolExecutor`: its futures and bookkeeping took 0.45 ms a call for nine
trivial jobs against 0.2 ms, and the demo's log call went from 1.30-1.40 to
1.22-1.27 times its limit (alternated runs).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
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
    """`work(*args)`, run once by whichever thread takes it first: a worker, or the caller on `wait()`."""

    def __init__(self, work: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._work: Callable[..., T] | None = work
        self._args: tuple[Any, ...] = args
        self._taken = threading.Lock()  # acquired by the thread that runs it
        self._done = threading.Lock()  # held until it has run
        self._done.acquire()
        self._value: T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Run it here unless another thread has taken it; keep what it returned or raised."""
        if not self._taken.acquire(blocking=False):
            return
        try:
            self._value = self._work(*self._args)
        except BaseException as error:
            self._error = error
            if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not a job's failure
                raise
        finally:
            self._work, self._args = None, ()  # its pictures are not needed any more
            self._done.release()

    def wait(self) -> None:
        """Run it here unless a worker has started it, else wait for that worker. Raises only what
        stops a thread (KeyboardInterrupt, SystemExit)."""
        self.run()
        with self._done:
            pass

    def result(self) -> T:
        self.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def finish(jobs: Sequence[Job[Any]]) -> None:
    """Bring `jobs` to an end, the caller running the unstarted ones from the last: workers take jobs
    from the first, so both ends work until they meet. (Reading results in order would have the caller
    wait on each job a worker has just taken, and never help.) Failures stay for `result()`."""
    for job in reversed(jobs):
        job.wait()


class Workers:
    """Up to `count` threads, started by the first job and stopped on leaving the `with` block: none
    lingers between log calls, where the training process may fork (DataLoader workers)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._started = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(self, work: Callable[..., T], *args: Any) -> Job[T]:
        """Queue `work(*args)` for a worker; with none (or none that can start) it waits for `wait()`."""
        job = Job(work, args)
        if self.count:
            self._queue.put(job)
            if not self._started:  # after the put: a new thread finds the job there before the caller goes on
                self._start()
        return job

    def close(self) -> None:
        """Stop the threads once their jobs are done; a later `submit` starts new ones."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        # A fresh queue: a thread a KeyboardInterrupt ended left its None behind, which would stop the next one.
        self._queue, self._threads, self._started = queue.SimpleQueue(), [], False

    def _start(self) -> None:
        self._started = True
        for index in range(self.count):
            thread = threading.Thread(target=_serve, args=(self._queue,), name=f"convcam_{index}", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # no thread could start, or the interpreter is shutting down: the caller runs them
                break
            self._threads.append(thread)


def _serve(jobs: queue.SimpleQueue[Job[Any] | None]) -> None:
    """A worker: run the queued jobs no one has taken, until told to stop (None)."""
    while (job := jobs.get()) is not None:
        job.run()
