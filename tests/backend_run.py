"""Train a small model with ConvcamCallback on the Keras backend named by KERAS_BACKEND.

Run as a script by tests/test_keras_backends.py, one process per backend
(Keras picks its backend once, at import). The model nests a Sequential
backbone in a functional model, the kind that used to fail. Prints one JSON
line: the step reached, skipped steps, and whether TensorFlow was imported.

    python backend_run.py LOG_DIR [--weights W.npz] [--lr LR] [--steps N] [--data-parallel]
                          [--process RANK COUNT PORT]

`--process` joins a multi-process run on 127.0.0.1: `jax.distributed` on
JAX, a gloo `torch.distributed` group on PyTorch. Every process trains and
runs the callback; only process 0 may write.
"""

from __future__ import annotations

import argparse
import json
import sys

import keras
import numpy as np

from tb_convcam import ConvcamCallback

SIZE = 16
LAYERS = {"c1": "backbone/c1", "dual": ("backbone/c1", "backbone/c2")}


def model() -> keras.Model:
    L = keras.layers
    backbone = keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), L.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
         L.Conv2D(4, 3, padding="same", name="c2")],
        name="backbone",
    )
    inputs = keras.Input((SIZE, SIZE, 3))
    return keras.Model(inputs, L.Dense(2)(L.GlobalAveragePooling2D()(backbone(inputs))), name="classifier")


def data(count: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(size=(count, SIZE, SIZE, 3)).astype(np.float32), (np.arange(count) % 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir")
    parser.add_argument("--weights", help="an .npz of model.get_weights() to start from")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--data-parallel", action="store_true", help="keras.distribution.DataParallel")
    parser.add_argument("--process", nargs=3, type=int, metavar=("RANK", "COUNT", "PORT"))
    args = parser.parse_args()

    if args.process:
        join_processes(*args.process)

    if args.data_parallel:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    net = model()
    if args.weights:
        with np.load(args.weights) as saved:
            net.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])
    net.compile(keras.optimizers.SGD(args.lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    images, labels = data(2 * args.steps)
    convcam = ConvcamCallback(args.log_dir, LAYERS, probe=images[:2], every_n_steps=2)
    net.fit(images, labels, batch_size=2, epochs=1, verbose=0, callbacks=[convcam])
    print(json.dumps({
        "backend": keras.backend.backend(),
        "step": int(net.optimizer.iterations.value),
        "skipped": convcam.skipped_steps,
        "tensorflow_imported": sys.modules.get("tensorflow") is not None,
    }))


def join_processes(rank: int, count: int, port: int) -> None:
    if keras.backend.backend() == "jax":
        import jax

        jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=count, process_id=rank)
    else:
        import torch.distributed

        torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=count)


if __name__ == "__main__":
    main()
