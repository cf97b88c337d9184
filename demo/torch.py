"""python -m demo.torch: the demo in plain PyTorch: train, log Convcam mosaics, serve TensorBoard.

The same synthetic shapes and dual small backbone as `python -m demo` (Keras),
written as nn.Modules and trained in a plain loop that calls
`ConvcamLogger.step`. Writes two runs: `blank` (the untrained model at every
logged step) and `trained`. Needs only torch and tb_convcam: no TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from demo import cli, data
from tb_convcam.torch import ConvcamLogger

LAYERS = ("conv1", "block2_out", "conv3")  # as the Keras demo's small backbone names them


class SmallBackbone(nn.Module):
    """Conv -> residual block -> conv, as the Keras demo's; `kernel` differs per backbone."""

    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 16, kernel, stride=2, padding=kernel // 2), nn.ReLU())
        self.block2_shortcut = nn.Conv2d(16, 32, 1, stride=2)
        self.block2_conv_a = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
        self.block2_conv_b = nn.Conv2d(32, 32, 3, padding=1)
        self.block2_out = nn.ReLU()
        self.conv3 = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = self.block2_out(self.block2_shortcut(x) + self.block2_conv_b(self.block2_conv_a(x)))
        return self.conv3(x)


class DualBackbone(nn.Module):
    """Both backbones see the same image; their pooled features are concatenated."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.xa, self.xb = SmallBackbone(3), SmallBackbone(7)
        self.logits = nn.Linear(128, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(torch.cat([self.xa(x).mean((2, 3)), self.xb(x).mean((2, 3))], 1))


def convcam_layers() -> dict[str, tuple[str, ...] | str]:
    """Tags to log: each layer merged across both backbones, and each alone (as the Keras demo's)."""
    tags: dict[str, tuple[str, ...] | str] = {}
    for layer in LAYERS:
        tags[f"dual/{layer}"] = (f"xa.{layer}", f"xb.{layer}")
        tags[f"xa/{layer}"] = f"xa.{layer}"
        tags[f"xb/{layer}"] = f"xb.{layer}"
    return tags


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = cli.parser("python -m demo.torch", __doc__, "logs/convcam-torch")
    parser.add_argument("--size", type=int, default=64, help="image size in pixels (default: %(default)s)")
    args = parser.parse_args(argv)
    args.logdir = args.logdir or "logs/convcam-torch"
    return args


def nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def train_run(args: argparse.Namespace, run: str, train: bool) -> None:
    """One run; the blank one logs the same steps without updating the model."""
    images, labels = data.make_images(args.images, args.size, seed=0)
    probe, _ = data.make_images(4, args.size, seed=1)
    x, y = nchw(images), torch.from_numpy(labels).long()
    torch.manual_seed(0)  # the blank and trained runs start from the same weights
    # channels_last: oneDNN's CPU convolutions run about 3x faster on it; Convcam reads either layout.
    model = DualBackbone(len(data.CLASSES)).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    started, step, correct = time.time(), 0, 0.0
    with ConvcamLogger(os.path.join(args.logdir, run), model, convcam_layers(), probe=nchw(probe),
                       every_n_steps=args.every) as convcam:
        convcam.step(0)
        for _ in range(args.epochs):
            order = torch.randperm(len(x))
            for start in range(0, len(x), args.batch_size):
                batch = order[start:start + args.batch_size]
                step += 1
                if train:
                    optimizer.zero_grad()
                    logits = model(x[batch])
                    nn.functional.cross_entropy(logits, y[batch]).backward()
                    optimizer.step()
                    correct = (logits.argmax(1) == y[batch]).float().mean().item()
                convcam.step(step)
        convcam.log(step) if convcam.last_logged != step else None
    accuracy = f", last batch accuracy {correct:.2f}" if train else ""
    print(f"  {run}: {args.epochs} epochs ({step} steps) in {time.time() - started:.0f}s{accuracy}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Training a dual-backbone CNN in PyTorch on synthetic shapes; logging Convcam to {args.logdir}")
    train_run(args, "blank", train=False)
    train_run(args, "trained", train=True)
    if not args.no_serve:
        cli.serve(args.logdir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
