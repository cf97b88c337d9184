"""One rank of a two-process DistributedDataParallel run (gloo on 127.0.0.1) logging Convcam.

Run as `python torch_ddp_worker.py RANK PORT LOGDIR`; prints a JSON line: the steps this rank's
`step` calls logged, and how many forward calls its backbone made in eval mode (the probe's).
"""

import json
import os
import sys

import torch
import torch.distributed as dist
from torch import nn

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [TESTS, os.path.dirname(TESTS)]  # torch_models, and the demo's synthetic shapes it uses
from torch_models import DualTower, images, train_steps  # noqa: E402

from tb_convcam.torch import ConvcamLogger  # noqa: E402

rank, port, logdir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
torch.manual_seed(0)
model = nn.parallel.DistributedDataParallel(DualTower())
probe_passes = []
model.module.backbone_a.layer1.register_forward_hook(lambda m, i, o: probe_passes.append(1) if not m.training else None)
convcam = ConvcamLogger(logdir, model, {"dual": ("module.backbone_a.layer2", "module.backbone_b.layer2")},
                        probe=images(2)[0], every_n_steps=2)
logged = [0] if convcam.step(0) else []
train_steps(model, 5, on_step=lambda step: convcam.step(step) and logged.append(step), seed=rank)
convcam.close()
dist.barrier()
dist.destroy_process_group()
print(json.dumps({"rank": rank, "logged": logged, "probe_passes": len(probe_passes)}))
