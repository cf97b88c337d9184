"""What the Keras and PyTorch demos share: their command line and serving the tab."""

from __future__ import annotations

import argparse
import time


def parser(prog: str, description: str, default_logdir: str) -> argparse.ArgumentParser:
    """The options both demos take; each adds its own, and sets --logdir's default after parsing."""
    result = argparse.ArgumentParser(prog=prog, description=description)
    result.add_argument("--logdir", default=None,
                        help=f"where the blank and trained runs go (default: {default_logdir})")
    result.add_argument("--epochs", type=int, default=12, help="epochs per run (default: %(default)s)")
    result.add_argument("--images", type=int, default=1024, help="synthetic training images (default: %(default)s)")
    result.add_argument("--batch-size", type=int, default=32, help="images per training step (default: %(default)s)")
    result.add_argument("--every", type=int, default=20, help="log every N global steps (default: %(default)s)")
    result.add_argument("--port", type=int, default=6006,
                        help="TensorBoard's port on 127.0.0.1 (default: %(default)s)")
    result.add_argument("--no-serve", action="store_true", help="train and log only; don't start TensorBoard")
    return result


def serve(logdir: str, port: int) -> None:
    """Serve `logdir` with TensorBoard until Ctrl+C."""
    from tensorboard import program

    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", logdir, "--host", "127.0.0.1", "--port", str(port)])
    url = board.launch()
    print(f"TensorBoard is serving the Convcam tab at {url}#convcam (Ctrl+C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
