"""model.fit with a ConvcamCallback while faults strike at chosen steps.

A support module for the fault tests, in-process and in their subprocess
scripts (which put tests/ on sys.path).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import keras
from keras_models import noise

from tb_convcam import ConvcamCallback


class _AtStep(keras.callbacks.Callback):
    """Runs `actions[step]()` after the training step that reaches `step`."""

    def __init__(self, actions: dict[int, Callable[[], object]]):
        super().__init__()
        self.actions = actions

    def on_train_batch_end(self, batch, logs=None):
        action = self.actions.get(int(self.model.optimizer.iterations))
        if action:
            action()


def fit_with_convcam(
    model: keras.Model, log_dir: str, actions: dict[int, Callable[[], object]], steps: int = 10
) -> tuple[ConvcamCallback, list[str]]:
    """Fit `model` for `steps` steps on noise, logging its layer `conv` every 2 steps and running
    `actions` (see _AtStep); returns the callback and the warnings it gave."""
    images, labels = noise(2 * steps, size=model.input.shape[1])
    convcam = ConvcamCallback(log_dir, ["conv"], probe=images[:1], every_n_steps=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(images, labels, batch_size=2, epochs=1, verbose=0, callbacks=[_AtStep(actions), convcam])
    return convcam, [str(w.message) for w in caught if "ConvcamCallback" in str(w.message)]
