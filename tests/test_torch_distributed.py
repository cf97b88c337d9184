"""Under torch.distributed only rank 0 probes and writes: one event file per run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from event_files import written_steps
from harness.tensorboard import free_port

WORKER = os.path.join(os.path.dirname(__file__), "torch_ddp_worker.py")


def test_ddp_two_processes_write_one_event_file_from_rank_0(tmp_path):
    port = str(free_port())
    workers = [subprocess.Popen([sys.executable, WORKER, str(rank), port, str(tmp_path)], stdout=subprocess.PIPE,
                                text=True) for rank in (0, 1)]
    reports = {}
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        report = json.loads(out.strip().splitlines()[-1])
        reports[report["rank"]] = report
    assert reports[0]["logged"] == [0, 2, 4]
    assert reports[1] == {"rank": 1, "logged": [], "probe_passes": 0}, "rank 1 does no probe work"
    assert len([f for f in os.listdir(tmp_path) if "tfevents" in f]) == 1
    assert written_steps(tmp_path, "dual") == [0, 2, 4]
