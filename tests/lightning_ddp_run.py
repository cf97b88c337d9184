"""`python lightning_ddp_run.py ROOT`: a Lightning fit on two CPU processes (DDP, gloo) with Convcam.

Lightning's "ddp" strategy starts the second process by running this script again.
"""

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [TESTS, os.path.dirname(TESTS)]

from lit_models import LitDual, images, loader, trainer  # noqa: E402

from tb_convcam.lightning import ConvcamCallback  # noqa: E402

if __name__ == "__main__":
    convcam = ConvcamCallback({"dual": ("net.backbone_a.layer2", "net.backbone_b.layer2")}, probe=images(2)[0],
                              every_n_steps=2)
    fit = trainer(default_root_dir=sys.argv[1], devices=2, strategy="ddp", max_steps=5, log_every_n_steps=1,
                  callbacks=[convcam])
    fit.fit(LitDual(), loader(10))
