"""tb_convcam: see what a CNN's conv layers do while it trains, in TensorBoard.

`tile` (pure NumPy) lays a layer's per-kernel maps out as one mosaic;
`ConvcamCallback` probes layers of a Keras 3 model (any backend, nested
backbones) and logs them without TensorFlow; `tb_convcam.torch.ConvcamLogger`
does the same from a PyTorch training loop (`tb_convcam.lightning` for
Lightning); `summary.mosaic` is the `tf.summary`-style op. Importing this
package imports no framework: `ConvcamCallback` loads Keras, `summary` loads
TensorFlow, on first use.
"""

import importlib

from tb_convcam.mosaic import Layout, tile

__all__ = ["ConvcamCallback", "Layout", "summary", "tile"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy: the TensorBoard plugin imports this package and must not pull in a framework.
    if name == "ConvcamCallback":
        return importlib.import_module("tb_convcam.keras").ConvcamCallback
    if name == "summary":
        return importlib.import_module("tb_convcam.summary")
    raise AttributeError(f"module 'tb_convcam' has no attribute {name!r}")
