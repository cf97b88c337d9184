"""Bad input to tile, summary.mosaic, ConvcamCallback and the PyTorch ConvcamLogger: a clear error,
before anything is spent.

Every row must raise ValueError or TypeError whose message names the argument,
what was received and what was expected; nothing may be written, and a
callback must fail before the first training step.
"""

import numpy as np
import pytest
import tensorflow as tf
from convcam_events import read_logdir
from keras_models import SIZE, dual_model, training_data

from tb_convcam import ConvcamCallback, summary, tile
from tb_convcam.torch import ConvcamLogger
from torch_models import DualTower, images

GOOD = np.zeros((4, 4, 3), np.float32)


def fit(tmp_path, layers, probe=None, **options):
    """Fit the dual-backbone model with a convcam callback, checking no step ran when it fails."""
    model = dual_model()
    images, labels = training_data(4)
    probe = images[:1] if probe is None else probe
    try:
        model.fit(images, labels, batch_size=2, epochs=1, verbose=0,
                  callbacks=[ConvcamCallback(tmp_path / "run", layers, probe=probe, **options)])
    finally:
        assert int(model.optimizer.iterations) == 0, "the error came only after training steps"


def torch_logger(tmp_path, layers=("backbone_a.layer1",), probe=None, model=None, **options):
    """A ConvcamLogger of the dual-tower PyTorch model; errors surface while it is made."""
    probe = images(2)[0] if probe is None else probe
    ConvcamLogger(tmp_path / "run", DualTower() if model is None else model, list(layers), probe=probe, **options)


def callback_on_a_file(tmp_path):
    path = tmp_path / "not_a_directory"
    path.write_text("a file")
    ConvcamCallback(path, ["xa/conv1"], GOOD)


CASES = {
    # tile: shapes, dtypes, sources, options
    "tile rank 2": (lambda p: tile(np.zeros((4, 4))), ValueError, "data: expected shape [H, W, C] or [B, H, W, C], got shape [4, 4]"),
    "tile rank 5": (lambda p: tile(np.zeros((1, 1, 4, 4, 4))), ValueError, "got shape [1, 1, 4, 4, 4]"),
    "tile zero-sized": (lambda p: tile(np.zeros((0, 4, 4))), ValueError, "expected no zero-sized dimension, got shape [0, 4, 4]"),
    "tile strings": (lambda p: tile(np.array([[["a"]]])), TypeError, "data: expected an integer or floating dtype, got <U1"),
    "tile bool": (lambda p: tile(np.zeros((2, 2, 2), bool)), TypeError, "got bool"),
    "tile complex": (lambda p: tile(np.zeros((2, 2, 2), complex)), TypeError, "got complex128"),
    "tile 4 sources": (lambda p: tile([GOOD] * 4), ValueError, "data: expected one activation array or a list of 1 to 3 sources, got 4"),
    "tile sources that cannot share a batch_index": (
        lambda p: tile([np.zeros((2, 4, 4, 3)), np.zeros((1, 4, 4, 3))], batch_index=1),
        ValueError, "batch_index: expected < batch size 1 of data[1], got 1"),
    "tile unknown normalize": (lambda p: tile(GOOD, normalize="global"), ValueError, "normalize: expected 'kernel', 'layer' or (low, high), got 'global'"),
    "tile empty range": (lambda p: tile(GOOD, normalize=(1.0, 1.0)), ValueError, "low < high, got (1.0, 1.0)"),
    "tile negative padding": (lambda p: tile(GOOD, padding=-1), ValueError, "padding: expected an int >= 0, got -1"),
    "tile float budget": (lambda p: tile(GOOD, max_pixels=1.5), TypeError, "max_pixels: expected an int, got float"),
    "tile zero aspect": (lambda p: tile(GOOD, aspect=0), ValueError, "aspect: expected a positive finite number, got 0"),
    "tile source_names count": (lambda p: tile([GOOD] * 2, source_names=["one"]), ValueError, "source_names: expected a sequence of 2 names"),
    # summary.mosaic: the same checks, plus its own arguments
    "summary empty name": (lambda p: summary.mosaic("", GOOD, step=0), ValueError, "name: expected a non-empty string, got ''"),
    "summary rank 2 tensor": (lambda p: summary.mosaic("x", tf.zeros((4, 4)), step=0), ValueError, "got shape [4, 4]"),
    "summary string tensor": (lambda p: summary.mosaic("x", tf.constant([["a"]]), step=0), TypeError, "got string"),
    "summary 4 sources": (lambda p: summary.mosaic("x", [GOOD] * 4, step=0), ValueError, "1 to 3"),
    "summary misspelt option": (lambda p: summary.mosaic("x", GOOD, step=0, normalise="layer"), TypeError, "unknown tile option(s) ['normalise']"),
    "summary sources count": (lambda p: summary.mosaic("x", [GOOD] * 2, step=0, sources=["a"]), ValueError, "sources: expected 2 source names"),
    "summary resolved count": (lambda p: summary.mosaic("x", GOOD, step=0, resolved=["a", "b"]), ValueError, "resolved: expected 1 layer names"),
    # ConvcamCallback construction
    "callback layers as a string": (lambda p: ConvcamCallback(p, "xa/conv1", GOOD), TypeError, "layers: expected a list of layer paths or a dict"),
    "callback no layers": (lambda p: ConvcamCallback(p, [], GOOD), ValueError, "layers: expected at least one layer path, got none"),
    "callback 4 merged paths": (lambda p: ConvcamCallback(p, [("a", "b", "c", "d")], GOOD), ValueError, "a tuple of 2-3 paths"),
    "callback non-path in dict": (lambda p: ConvcamCallback(p, {"t": 3}, GOOD), ValueError, "got 't': 3"),
    "callback every_n_steps 0": (lambda p: ConvcamCallback(p, ["c"], GOOD, every_n_steps=0), ValueError, "every_n_steps: expected a positive int, got 0"),
    "callback every_n_steps negative": (lambda p: ConvcamCallback(p, ["c"], GOOD, every_n_steps=-5), ValueError, "got -5"),
    "callback every_n_steps float": (lambda p: ConvcamCallback(p, ["c"], GOOD, every_n_steps=2.5), TypeError, "got float"),
    "callback without a probe": (lambda p: ConvcamCallback(p, ["c"], None), ValueError, "probe: expected a fixed input batch"),
    "callback log_dir None": (lambda p: ConvcamCallback(None, ["c"], GOOD), TypeError, "log_dir: expected a directory path, got None"),
    "callback log_dir is a file": (callback_on_a_file, ValueError, "log_dir: expected a directory, got "),
    "callback misspelt option": (lambda p: ConvcamCallback(p, ["c"], GOOD, normalise="layer"), TypeError, "unknown tile option"),
    # ConvcamCallback at the start of fit, against the real model
    "fit typo'd path": (lambda p: fit(p, ["xb/conv_1"]), ValueError, "layers: no layer 'xb/conv_1' in model 'dual'; closest existing: xb/conv1"),
    "fit unknown path": (lambda p: fit(p, ["xa/nothing_like_it"]), ValueError, "no layer 'xa/nothing_like_it'"),
    "fit Dense layer": (lambda p: fit(p, ["logits"]), ValueError, "'logits' (Dense 'logits') has output shape (None, 2); expected a 4-D"),
    "fit path through a layer": (lambda p: fit(p, ["xa/conv1/deeper"]), ValueError, "a Conv2D, which is not a functional or Sequential model"),
    "fit probe of the wrong shape": (
        lambda p: fit(p, ["xa/conv1"], probe=np.zeros((1, SIZE, SIZE, 1), np.float32)),
        ValueError, "probe: expected shape [None, 16, 16, 3] (the model's input), got [1, 16, 16, 1]"),
    "fit probe of strings": (lambda p: fit(p, ["xa/conv1"], probe=np.full((1, SIZE, SIZE, 3), "x")), TypeError, "probe: expected an integer or floating dtype"),
    "fit batch_index beyond the probe": (lambda p: fit(p, ["xa/conv1"], batch_index=1), ValueError, "batch_index: expected < batch size 1"),
    # ConvcamLogger (PyTorch): at construction, from module names and one probe forward
    "torch unknown module": (lambda p: torch_logger(p, ["backbone_a.layr3"]), ValueError,
                             "layers: no module 'backbone_a.layr3' in DualTower (names as model.named_modules() gives "
                             "them); closest: 'backbone_a.layer3'"),
    "torch Linear output": (lambda p: torch_logger(p, ["head"]), ValueError,
                            "'head' (Linear 'head') gives a tensor of shape [2, 4]; expected one 4-D [N, C, H, W]"),
    "torch probe of the wrong shape": (lambda p: torch_logger(p, probe=np.zeros((2, 1, 32, 32), np.float32)), ValueError,
                                       "probe: the model's forward failed on the probe (RuntimeError("),
    "torch probe of lists": (lambda p: torch_logger(p, probe=[[1.0]]), TypeError,
                             "probe[0]: expected a torch.Tensor (or a NumPy array), got list"),
    "torch empty probe": (lambda p: torch_logger(p, probe=np.zeros((0, 3, 32, 32), np.float32)), ValueError,
                          "probe: expected a batch of at least one sample, got shape [0, 3, 32, 32]"),
    "torch every_n_steps 0": (lambda p: torch_logger(p, every_n_steps=0), ValueError,
                              "every_n_steps: expected a positive int, got 0"),
    "torch model not a module": (lambda p: torch_logger(p, model=lambda x: x), TypeError,
                                 "model: expected a torch.nn.Module, got function"),
    "torch destination": (lambda p: ConvcamLogger(3, DualTower(), ["head"], images(1)[0]), TypeError,
                          "log_dir_or_writer: expected a directory path or a torch.utils.tensorboard.SummaryWriter, got int"),
    "torch uncalled call index": (lambda p: torch_logger(p, ["backbone_a.layer1@1"]), ValueError,
                                  "'backbone_a.layer1@1' (Sequential) is called 1 time(s) by the model's forward on the probe, got @1"),
}


@pytest.mark.parametrize("call, error, words", CASES.values(), ids=CASES.keys())
def test_bad_input_gets_a_clear_error_before_anything_is_spent(tmp_path, call, error, words):
    with tf.summary.create_file_writer(str(tmp_path / "events")).as_default():
        with pytest.raises(error) as raised:
            call(tmp_path)
    assert words in str(raised.value)
    assert read_logdir(str(tmp_path)) == {}, "nothing was written"
