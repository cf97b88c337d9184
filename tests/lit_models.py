"""A LightningModule around the dual-tower test model, and a script body for a two-process DDP fit."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tb_convcam.lightning import pl
from torch_models import DualTower, images


class LitDual(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = DualTower()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], index: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def loader(batches: int) -> DataLoader:
    """`batches` batches of 8 synthetic images."""
    return DataLoader(TensorDataset(*images(8 * batches)), batch_size=8)


def trainer(**kwargs) -> pl.Trainer:
    quiet = dict(enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
                 accelerator="cpu", devices=1)
    return pl.Trainer(**{**quiet, **kwargs})
