"""Small hand-built PyTorch models for the logger's tests (torchvision cannot be installed here)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from demo import data


class Backbone(nn.Module):
    """Three conv stages, named as torchvision's ResNets name theirs (layer1..layer3)."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.BatchNorm2d(2 * width),
                                    nn.ReLU(), nn.Dropout(0.5))
        self.layer3 = nn.Sequential(nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer3(self.layer2(self.layer1(x)))


class DualTower(nn.Module):
    """Two backbones on the same image, pooled into one head: the dual-backbone shape Convcam
    merges into RGB mosaics."""

    def __init__(self, classes: int = len(data.CLASSES), width: int = 8) -> None:
        super().__init__()
        self.backbone_a = Backbone(width)
        self.backbone_b = Backbone(width)
        self.head = nn.Linear(4 * width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = [self.backbone_a(x).mean((2, 3)), self.backbone_b(x).mean((2, 3))]
        return self.head(torch.cat(pooled, 1))


class SharedTower(nn.Module):
    """One tower applied to two inputs given by keyword (a siamese model): `tower@1` is its second call."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.tower = Backbone(width)
        self.head = nn.Linear(4 * width, 1)

    def forward(self, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.tower(left).mean((2, 3)), self.tower(right).mean((2, 3))], 1))


def images(count: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The demo's synthetic shapes as NCHW float32 images and int64 labels."""
    pictures, labels = data.make_images(count, size, seed=seed)
    return torch.from_numpy(np.ascontiguousarray(pictures.transpose(0, 3, 1, 2))), torch.from_numpy(labels).long()


def train_steps(model: nn.Module, steps: int, on_step=None, seed: int = 0) -> None:
    """A plain training loop: SGD on synthetic batches of 8, `on_step(step)` after each update."""
    x, y = images(8 * steps, seed=seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for step in range(1, steps + 1):
        batch = slice(8 * (step - 1), 8 * step)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        optimizer.step()
        if on_step is not None:
            on_step(step)


def activations(model: nn.Module, module: nn.Module, probe: torch.Tensor) -> np.ndarray:
    """`module`'s output on `probe` at inference, as a host NHWC float32 array: what Convcam should tile."""
    caught = []
    handle = module.register_forward_hook(lambda m, i, out: caught.append(out))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(probe)
    finally:
        handle.remove()
        model.train(was_training)
    return caught[0].float().permute(0, 2, 3, 1).contiguous().numpy()


class KnownHealth(nn.Module):
    """Layers of known health, as keras_models.known_health_model: `grey` (the probe image in grey,
    echo 1), `zero` (every kernel dead and dormant, echo 0), `learn` (drift > 0 once trained)."""

    def __init__(self) -> None:
        super().__init__()
        self.grey = nn.Conv2d(3, 1, 1, bias=False)
        self.zero = nn.Conv2d(3, 4, 3, padding=1)
        self.learn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(13, len(data.CLASSES))
        with torch.no_grad():
            self.grey.weight.fill_(1 / 3)
            self.zero.weight.zero_()
            self.zero.bias.zero_()
        for frozen in (self.grey, self.zero):
            frozen.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = torch.cat([self.grey(x), self.zero(x), self.learn(x)], 1)
        return self.head(maps.mean((2, 3)))
