"""Spare cores for a log call: jobs run once, on a worker or on the caller, and fail where they are read."""

import sys
import threading
import time

import numpy as np
import pytest
from tensorboard.compat.proto import summary_pb2

from tb_convcam import metadata, records, workers
from tb_convcam.mosaic import TileOptions
from tb_convcam.step_logger import Mosaic, StepLogger
from tb_convcam.workers import Workers


def test_a_job_no_worker_has_started_runs_on_the_caller():
    pool = Workers(1)
    release = threading.Event()
    busy = pool.submit(release.wait)  # holds the only worker
    queued = pool.submit(threading.current_thread)
    try:
        assert queued.result() is threading.main_thread()
    finally:
        release.set()
    assert busy.result() is True
    ran_on, done = [], threading.Event()
    pool.submit(lambda: (ran_on.append(threading.current_thread()), done.set()))
    assert done.wait(10) and ran_on[0] is not threading.main_thread()  # a free worker takes it
    pool.close()


def test_finish_has_the_caller_run_the_unstarted_jobs_from_the_last_while_a_worker_holds_the_first():
    pool = Workers(1)
    release, ran = threading.Event(), []

    def job(name, then=None):
        ran.append((name, threading.current_thread() is threading.main_thread()))
        if then:
            then()

    first = pool.submit(lambda: (release.wait(10), job("first")))  # holds the only worker until "second" runs
    jobs = [first, pool.submit(job, "second", release.set), pool.submit(job, "third"), pool.submit(job, "fourth")]
    workers.finish(jobs)
    pool.close()
    assert ran[:3] == [("fourth", True), ("third", True), ("second", True)]
    assert ran[3] == ("first", False)


def test_finish_keeps_a_failure_for_the_jobs_result():
    pool = Workers(0)
    jobs = [pool.submit(lambda: 1 / 0), pool.submit(lambda: "fine")]
    workers.finish(jobs)
    assert jobs[1].result() == "fine"
    with pytest.raises(ZeroDivisionError):
        jobs[0].result()


def test_with_no_workers_every_job_runs_on_the_caller_when_read_and_only_once():
    calls = []
    job = Workers(0).submit(lambda: calls.append(threading.current_thread()) or len(calls))
    assert calls == []
    assert job.result() == 1 and job.result() == 1
    assert calls == [threading.main_thread()]


@pytest.mark.parametrize("count", [0, 2])
def test_a_failing_job_raises_where_its_result_is_read(count):
    pool = Workers(count)
    job = pool.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        job.result()
    pool.close()


def test_no_thread_outlives_the_with_block_and_a_closed_pool_starts_again():
    before = threading.active_count()
    with Workers(2) as pool:
        jobs = [pool.submit(time.sleep, 0.05) for _ in range(3)]
        assert threading.active_count() > before
    assert all(job.result() is None for job in jobs)
    assert threading.active_count() == before
    assert pool.submit(lambda: 2).result() == 2
    pool.close()
    assert threading.active_count() == before


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the ended thread, as meant
def test_a_worker_ended_by_systemexit_does_not_stop_the_next_calls_worker():
    pool = Workers(1)
    ended = threading.Event()
    job = pool.submit(lambda: (ended.set(), sys.exit()))
    assert ended.wait(10), "no worker took the job"  # only a worker can: the caller has not asked for it
    with pytest.raises(SystemExit):
        job.result()
    pool.close()
    ran_on, done = [], threading.Event()
    pool.submit(lambda: (ran_on.append(threading.current_thread()), done.set()))
    assert done.wait(10) and ran_on[0] is not threading.main_thread(), "the next call's worker took no job"
    pool.close()


def test_spare_cores_leave_the_calling_threads_core_and_stay_few():
    assert 0 <= workers.spare_cores() <= workers.MAX_WORKERS


class ListSink:
    def __init__(self):
        self.written = []

    def write(self, step, summaries):
        self.written.append((step, [s.SerializeToString() for s in summaries]))
        return True

    def close(self):
        pass


def log_twice(worker_count, probe_channels=1):
    """Two steps of a two-layer, three-tag logger (one merged tag) with health on; what it wrote."""
    rng = np.random.default_rng(0)
    probe = rng.random((3, 16, 16, probe_channels), np.float32)
    mosaics = [Mosaic("a", ("a",), ("a",), (0,)), Mosaic("b", ("b",), ("b",), (1,)),
               Mosaic("ab", ("a", "b"), ("a", "b"), (0, 1))]
    sink = ListSink()
    logger = StepLogger("test", sink, "memory", mosaics, TileOptions(), also_to_images=True, probe_images=probe)
    logger.worker_count = worker_count
    for step in (0, 5):
        layers = [rng.normal(size=(3, 8, 8, 12)).astype(np.float32) for _ in range(2)]
        logger.log(step, lambda: layers)
    logger.close()
    return sink.written, logger.skipped_steps


def test_a_log_writes_the_same_records_with_workers_as_without():
    alone, skipped_alone = log_twice(0)
    shared, skipped_shared = log_twice(2)
    assert skipped_alone == skipped_shared == []
    assert [step for step, _ in shared] == [0, 5]
    assert shared == alone


def test_an_encode_failing_on_a_worker_skips_that_tag_with_a_warning_and_the_others_are_written(monkeypatch):
    encode = records.encode_png

    def fail_on_merged(picture):
        if picture.ndim == 3:
            raise OSError("encoder broke")
        return encode(picture)

    monkeypatch.setattr(records, "encode_png", fail_on_merged)
    with pytest.warns(UserWarning, match=r"could not log 'ab' at step 0: OSError\('encoder broke'\)"):
        written, skipped = log_twice(2)
    assert skipped == [0, 5]
    assert [step for step, _ in written] == [0, 5]
    for _, summaries in written:
        tags = written_tags(summaries)
        assert {"a", "b", "a/image", "convcam/a/echo"} <= tags
        assert not {"ab", "ab/image", "ab/baseline"} & tags


def test_a_probe_image_that_fails_to_encode_is_skipped_with_a_warning_and_tried_again_next_log(monkeypatch):
    encode, calls = records.encode_png, []

    def fail_first_rgb(picture):
        if picture.ndim == 3 and picture.shape[:2] == (16, 16):
            calls.append(picture)
            if len(calls) == 1:
                raise OSError("encoder broke")
        return encode(picture)

    monkeypatch.setattr(records, "encode_png", fail_first_rgb)
    with pytest.warns(UserWarning, match=r"could not log the probe image at step 0: OSError"):
        written, skipped = log_twice(2, probe_channels=3)
    assert skipped == [0]
    assert [metadata.PROBE_TAG in written_tags(summaries) for _, summaries in written] == [False, True]
    assert all({"a", "b", "ab"} <= written_tags(summaries) for _, summaries in written)


def written_tags(summaries):
    return {value.tag for blob in summaries for value in summary_pb2.Summary.FromString(blob).value}
