"""python -m demo: train, log Convcam mosaics, then serve TensorBoard.

Writes two runs under one logdir: `blank` (the untrained model at every logged
step) and `trained`, both logging the same layers at the same steps, so the
tab can show them side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator

from demo import cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = cli.parser("python -m demo", __doc__, "logs/convcam-demo-BACKBONE")
    parser.add_argument("--backbone", default="small", choices=["small", "xception", "inception_resnet_v2"],
                        help="two tiny residual CNNs, or two keras.applications backbones (weights=None; slow "
                        "on a CPU) (default: %(default)s)")
    parser.add_argument("--size", type=int, default=None,
                        help="image size in pixels (default: 64, or the backbone's minimum if larger)")
    args = parser.parse_args(argv)
    args.logdir = args.logdir or f"logs/convcam-demo-{args.backbone}"
    return args


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence TensorFlow's start-up notices (no CUDA driver, cuInit...), which its C++ logging
    prints before TF_CPP_MIN_LOG_LEVEL applies. Exceptions still surface."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def train_run(args: argparse.Namespace, run: str, learning_rate: float) -> None:
    with quiet_stderr():
        import keras

        keras.ops.zeros(1)  # the backend's device set-up, where TensorFlow prints its CUDA notices

    from demo import data, models
    from tb_convcam import ConvcamCallback

    size = args.size or max(64, models.MIN_INPUT[args.backbone])
    images, labels = data.make_images(args.images, size, seed=0)
    probe, _ = data.make_images(4, size, seed=1)
    keras.utils.set_random_seed(0)  # the blank and trained runs start from the same weights
    model = models.dual_backbone_classifier(args.backbone, size, len(data.CLASSES))
    if not learning_rate:
        models.keep_blank(model)
    optimizer = keras.optimizers.Adam(learning_rate) if learning_rate else keras.optimizers.SGD(0.0)
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    callback = ConvcamCallback(
        os.path.join(args.logdir, run), models.convcam_layers(args.backbone), probe=probe, every_n_steps=args.every
    )
    started = time.time()
    history = model.fit(
        images, labels, batch_size=args.batch_size, epochs=args.epochs, callbacks=[callback], verbose=0
    )
    accuracy = history.history["accuracy"][-1]
    print(f"  {run}: {args.epochs} epochs in {time.time() - started:.0f}s, final accuracy {accuracy:.2f}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Training a dual-{args.backbone} CNN on synthetic shapes; logging Convcam to {args.logdir}")
    train_run(args, "blank", learning_rate=0.0)
    train_run(args, "trained", learning_rate=1e-3)
    if not args.no_serve:
        cli.serve(args.logdir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
