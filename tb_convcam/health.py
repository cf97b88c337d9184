"""Health: is a conv layer alive, does it still show its input, is it moving?

Pure NumPy, computed by the loggers from activations already on the host, on
the whole probe batch: `layer_health` reads a layer's `[B, H, W, C]`
activations (channels last) against the probe images in grey
(`grey_images`) and what the layer kept of its baseline step (`baseline`).
Only the given `kernels` count (those a mosaic shows, all by default), as
if they were the whole layer.

Per layer, each a float in [0, 1]:

- `dead_fraction`: share of kernels constant over every image and position,
  max - min <= 1e-6 (1 + |max|).
- `dormant_fraction`: share of tau-dormant kernels (Sokar et al. 2023): mean
  |activation| at most 0.025 times the mean of that over the kernels. A layer
  zero everywhere is all dormant.
- `echo`: mean of `kernel_echo` over kernels.
- `drift`: 1 - linear CKA (Kornblith et al. 2019) of the activations now and
  at the baseline: samples are image x position (at most
  `MAX_DRIFT_SAMPLES`, the same ones both times), features are kernels, each
  centred; a kernel constant on those samples is left out. 0 at the baseline
  and for a layer constant at both steps, 1 for one constant at only one of
  them; below `DRIFT_RESOLUTION` (float32 rounding) it reads 0.

Per kernel, float32 arrays in kernel order:

- `kernel_echo`: |Pearson r| of each image's map with that image in grey,
  resized to the map by area averaging (exact weights, any sizes, up or
  down), averaged over images. A constant map or grey image counts 0.
- `kernel_change`: ||a - b|| / ||b|| of the kernel's maps now (a) and at the
  baseline (b) over the whole batch; where ||b|| is 0, 0 if ||a|| is too,
  else 1. Not bounded by 1 (a kernel whose maps double reads 1), capped at
  float32's largest value.

"Constant" is the same rule for kernels (dead), maps and grey images (no
echo) and drift's sampled kernels: max - min <= 1e-6 (1 + |max|).
Non-finite values (NaN, +-inf, and float64 values beyond float32's range)
count as 0 in activations and grey images alike. The work is in float32,
in float64 when some kernel's largest magnitude leaves the range where
float32 sums of squares over a layer stay finite and exact enough.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any, Union

import numpy as np

from tb_convcam.mosaic import check_dtype

# Indices of the kernels to measure (those a mosaic shows); None: all.
Kernels = Union[np.ndarray, Sequence[int], None]

MAX_DRIFT_SAMPLES = 512
# A kernel, map or grey image is constant when max - min <= CONSTANT_TOLERANCE * (1 + |max|).
CONSTANT_TOLERANCE = 1e-6
# Tau of tau-dormant: a kernel's mean |activation| over the kernels' mean of it.
DORMANT_THRESHOLD = 0.025
# 1 - CKA below this is float32 rounding of the Gram matrices, not drift (a
# layer re-run on the same batch can differ in the last bits): it reads 0.
DRIFT_RESOLUTION = 1e-5

# Kernels whose largest magnitude is 0 or within [1 / _FLOAT32_SAFE, _FLOAT32_SAFE]
# keep float32 sums of squares of a whole layer finite and normal.
_FLOAT32_SAFE = 1e12
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# `_per_map` folds rows of K values into rows of at least this many.
_FOLD_WIDTH = 512


@dataclasses.dataclass(frozen=True)
class LayerHealth:
    """One layer's health at one logged step (see the module docstring)."""

    dead_fraction: float
    dormant_fraction: float
    echo: float
    drift: float
    kernel_echo: np.ndarray
    kernel_change: np.ndarray

    def metrics(self) -> dict[str, float]:
        """The four layer floats by name: what the loggers write as scalars."""
        return {
            "dead_fraction": self.dead_fraction,
            "dormant_fraction": self.dormant_fraction,
            "echo": self.echo,
            "drift": self.drift,
        }


@dataclasses.dataclass(frozen=True)
class Baseline:
    """What a layer keeps of its baseline step to compare later steps with; made by `baseline`.

    `maps`: the given kernels' activations, [B, H, W, K] float32 with
    non-finite values as 0, for `kernel_change`. `drift_sample`: the sampled
    positions, [n, K] float32, centred, constant kernels zeroed and scaled to
    unit norm (CKA ignores all three), for `drift`. Both read-only.
    """

    maps: np.ndarray
    drift_sample: np.ndarray
    # Derived once, as every later step needs them: each kernel's largest |b| and ||b|| (float64), the
    # sample's n x n Gram matrix when drift compares in sample space, and its Frobenius norm (equal to
    # that of the k x k one).
    _magnitude: np.ndarray = dataclasses.field(init=False, repr=False, compare=False)
    _norm: np.ndarray = dataclasses.field(init=False, repr=False, compare=False)
    _gram: np.ndarray | None = dataclasses.field(init=False, repr=False, compare=False)
    _gram_norm: float = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        maps, sample = self.maps, self.drift_sample
        if maps.ndim != 4 or 0 in maps.shape:
            raise ValueError(
                f"maps: expected shape [B, H, W, K] with no zero-sized dimension, got {list(maps.shape)}"
            )
        batch, height, width, count = maps.shape
        expected = (len(_drift_rows(batch * height * width)), count)
        if sample.shape != expected:
            raise ValueError(f"drift_sample: expected shape {list(expected)} for maps {list(maps.shape)}, "
                             f"got {list(sample.shape)}")
        layer = maps.reshape(batch, height * width, count)
        magnitude = np.maximum(-_per_map(np.minimum, layer), _per_map(np.maximum, layer)).max(axis=0)
        if _outside_float32(magnitude):
            layer = layer.astype(np.float64)
        in_sample_space = _in_sample_space(*sample.shape)
        gram = _product(sample, sample.T) if in_sample_space else _product(sample.T, sample)
        object.__setattr__(self, "_magnitude", magnitude.astype(np.float64))
        object.__setattr__(self, "_norm", np.sqrt(np.einsum("bpk,bpk->k", layer, layer).astype(np.float64)))
        object.__setattr__(self, "_gram", gram if in_sample_space else None)
        object.__setattr__(self, "_gram_norm", _frobenius(gram))


def baseline(activations: Any, kernels: Kernels = None) -> Baseline:
    """Keep what later steps of a layer are compared with: the given kernels' maps and drift sample.

    `activations`: [B, H, W, C]; `kernels`: indices of the kernels to keep
    (None: all C). Pass the same `kernels` to `layer_health`.
    """
    layer, (height, width) = _layer(activations, kernels)
    layer, _, _ = _finite(layer)
    batch, _, count = layer.shape
    # A copy: the caller's buffer may change by the next step.
    maps = np.array(layer, dtype=np.float32).reshape(batch, height, width, count)
    sample = _drift_sample(layer)
    maps.flags.writeable = sample.flags.writeable = False
    return Baseline(maps, sample)


class GreyProbe:
    """A run's probe images in grey, resized to each map size once: the probe is fixed for a run and
    its layers have few map sizes, so loggers keep one of these instead of resizing every step."""

    def __init__(self, images: Any) -> None:
        self.grey = grey_images(images)
        self._units: dict[tuple[int, int], np.ndarray] = {}

    def unit(self, height: int, width: int) -> np.ndarray:
        """`_grey_unit` at this map size, cached."""
        if (height, width) not in self._units:
            self._units[height, width] = _grey_unit(self.grey, height, width)
        return self._units[height, width]


def layer_health(activations: Any, grey: Any, baseline: Baseline, kernels: Kernels = None) -> LayerHealth:
    """The health of one layer's given kernels on the probe batch (see the module docstring).

    `activations`: [B, H, W, C], any integer or floating dtype (float32 is
    read in place); `grey`: the same B probe images in grey, [B, Hi, Wi], any
    size (`grey_images`), or a `GreyProbe` of them; `baseline`: from `baseline` with the same `kernels`
    (None: all C).
    """
    layer, (height, width) = _layer(activations, kernels)
    batch, _, count = layer.shape
    probe = grey if isinstance(grey, GreyProbe) else None
    grey = _batch_of(probe.grey if probe else _grey(grey), batch)
    if not isinstance(baseline, Baseline):
        raise TypeError(f"baseline: expected a Baseline (see health.baseline), got {type(baseline).__name__}")
    if baseline.maps.shape != (batch, height, width, count):
        raise ValueError(
            f"baseline: expected maps of shape {[batch, height, width, count]} (the batch, map size and given "
            f"kernels of activations; pass the same kernels to both), got {list(baseline.maps.shape)}"
        )

    layer, lows, highs = _finite(layer)
    magnitude = np.maximum(np.maximum(-lows, highs).max(axis=0), baseline._magnitude)
    work = layer.astype(np.float64) if _outside_float32(magnitude) else layer
    scratch = np.empty_like(work)

    sums = _per_map(np.add, work)
    if lows.min() >= 0:
        absolute_sums = sums.sum(axis=0)
    else:
        absolute_sums = _per_map(np.add, np.abs(work, out=scratch)).sum(axis=0)
    grey_unit = probe.unit(height, width) if probe else _grey_unit(grey, height, width)
    kernel_echo = _kernel_echo(work, sums, _constant(lows, highs), grey_unit, scratch)
    return LayerHealth(
        dead_fraction=_share(_constant(lows.min(axis=0), highs.max(axis=0))),
        dormant_fraction=_dormant_fraction(absolute_sums),
        echo=float(kernel_echo.sum() / count),
        drift=_drift(_drift_sample(layer), baseline),
        kernel_echo=kernel_echo.astype(np.float32),
        kernel_change=_kernel_change(work, baseline, scratch),
    )


def grey_images(images: Any) -> np.ndarray:
    """Probe images in grey, [B, H, W] float32 (the mean of their channels): what `echo` compares maps with.

    `images`: [B, H, W, C] (channels last) or [B, H, W] (already grey).
    """
    array = np.asarray(images)
    check_dtype(array.dtype, "images")
    if array.ndim not in (3, 4) or 0 in array.shape:
        raise ValueError(
            f"images: expected shape [B, H, W, C] (channels last) or [B, H, W] with no zero-sized dimension, "
            f"got {list(array.shape)}"
        )
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf: non-finite, so 0 for echo
        if array.ndim == 3:
            return np.asarray(array, dtype=np.float32)
        return array.mean(axis=3, dtype=np.float32)


def _layer(activations: Any, kernels: Kernels) -> tuple[np.ndarray, tuple[int, int]]:
    """The given kernels' activations as C-contiguous float32 [B, H*W, K] (a view when they already
    are), and (H, W). Contiguous, so that every later reshape is a view."""
    array = np.asarray(activations)
    check_dtype(array.dtype, "activations")
    if array.ndim != 4 or 0 in array.shape:
        raise ValueError(
            f"activations: expected shape [B, H, W, C] with no zero-sized dimension, got {list(array.shape)}"
        )
    if kernels is not None:
        indices = _kernel_indices(kernels, array.shape[3])
        if not np.array_equal(indices, np.arange(array.shape[3])):
            array = array[..., indices]
    batch, height, width, count = array.shape
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf: non-finite, so 0
        layer = np.ascontiguousarray(array, dtype=np.float32)
    return layer.reshape(batch, height * width, count), (height, width)


def _kernel_indices(kernels: Kernels, count: int) -> np.ndarray:
    indices = np.asarray(kernels)
    if (
        indices.ndim != 1
        or indices.size == 0
        or not np.issubdtype(indices.dtype, np.integer)
        or indices.min() < 0
        or indices.max() >= count
    ):
        raise ValueError(
            f"kernels: expected a non-empty 1-D sequence of indices in [0, {count}), got {kernels!r}"
        )
    return indices


def _grey(grey: Any) -> np.ndarray:
    array = np.asarray(grey)
    check_dtype(array.dtype, "grey")
    if array.ndim != 3 or 0 in array.shape:
        raise ValueError(
            f"grey: expected shape [B, H, W] (see grey_images) with no zero-sized dimension, "
            f"got {list(array.shape)}"
        )
    return array


def _batch_of(grey: np.ndarray, batch: int) -> np.ndarray:
    """`grey` (checked by `_grey` or `grey_images`), when it has the activations' `batch` images."""
    if len(grey) != batch:
        raise ValueError(f"grey: expected {batch} images (the batch size of activations), got {len(grey)}")
    return grey


def _finite(layer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`layer` with non-finite values as 0, and each map's min and max, [B, K].

    Copies only when there is something to replace: min and max propagate
    NaN and +-inf, so they tell: -inf reaches the least min, +inf the
    largest max, NaN both.
    """
    lows, highs = _per_map(np.minimum, layer), _per_map(np.maximum, layer)
    if math.isfinite(lows.min()) and math.isfinite(highs.max()):
        return layer, lows, highs
    layer = np.where(np.isfinite(layer), layer, np.float32(0))
    return layer, _per_map(np.minimum, layer), _per_map(np.maximum, layer)


def _per_map(reduce: np.ufunc, layer: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """`reduce` (np.add, np.minimum, np.maximum) over each map's positions: [B, P, K] -> [B, K], in
    `dtype` (default: the layer's).

    Folds runs of positions into rows of at least `_FOLD_WIDTH` values:
    NumPy reduces the middle axis a row at a time, and rows of few kernels
    are slow (6x for K = 16).
    """
    batch, positions, count = layer.shape
    fold = min(positions, max(1, _FOLD_WIDTH // count))
    body = positions - positions % fold
    folded = layer[:, :body].reshape(batch, body // fold, fold * count)
    result = reduce.reduce(reduce.reduce(folded, axis=1, dtype=dtype).reshape(batch, fold, count), axis=1)
    if body < positions:
        result = reduce(result, reduce.reduce(layer[:, body:], axis=1, dtype=dtype))
    return result


def _sum_of_squares(values: np.ndarray) -> np.ndarray:
    """Each map's sum of squares, [B, P, K] -> [B, K]; squares `values` in place (a scratch buffer)."""
    return _per_map(np.add, np.square(values, out=values))


def _outside_float32(magnitude: np.ndarray) -> bool:
    """Whether some kernel's largest magnitude is outside where float32 sums of squares of a layer are safe."""
    present = magnitude[magnitude > 0]
    return present.size > 0 and not (1 / _FLOAT32_SAFE <= present.min() and present.max() <= _FLOAT32_SAFE)


def _constant(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """Which of these mins and maxes span no more than the constant tolerance (in float64: no overflow)."""
    lows, highs = lows.astype(np.float64), highs.astype(np.float64)
    return highs - lows <= CONSTANT_TOLERANCE * (1 + np.abs(highs))


def _share(flags: np.ndarray) -> float:
    """The share of true values (np.mean's Python layers cost more than the count on these small arrays)."""
    return int(np.count_nonzero(flags)) / flags.size


def _dormant_fraction(absolute_sums: np.ndarray) -> float:
    """Share of kernels whose sum of |activation| is at most tau times the kernels' mean of it
    (all of them for a zero layer). Sums, not means: every kernel has B*P values."""
    absolute_sums = absolute_sums.astype(np.float64)
    return _share(absolute_sums * absolute_sums.size <= DORMANT_THRESHOLD * absolute_sums.sum())


def _kernel_echo(
    work: np.ndarray, sums: np.ndarray, constant_maps: np.ndarray, grey_unit: np.ndarray, scratch: np.ndarray
) -> np.ndarray:
    """|Pearson r| of each map with its image's centred, unit-norm grey, averaged over images, [K].

    The grey is centred, so the covariance needs no centred maps, but it is
    taken of them anyway: a map far from zero with a small spread would
    lose the covariance to rounding.
    """
    centred = np.subtract(work, (sums / work.shape[1])[:, None, :], out=scratch)
    covariance = np.abs(np.matmul(grey_unit.astype(work.dtype, copy=False)[:, None, :], centred)[:, 0])
    spread = np.sqrt(_sum_of_squares(centred))
    r = np.divide(covariance, spread, out=np.zeros_like(spread), where=~constant_maps)
    return np.minimum(r, 1).sum(axis=0) / len(r)


def _grey_unit(grey: np.ndarray, height: int, width: int) -> np.ndarray:
    """Each grey image resized to the maps' size, centred, at unit norm, [B, H*W] float32.

    Zero for an image constant at that size: it cannot echo. Resized in
    float64 when magnitudes near float32's limit could overflow the sums.
    """
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf: non-finite, so 0
        grey = np.asarray(grey, dtype=np.float32)
    if not np.isfinite(grey).all():
        grey = np.where(np.isfinite(grey), grey, np.float32(0))
    if max(-grey.min(), grey.max()) > _FLOAT32_SAFE:
        grey = grey.astype(np.float64)
    resized = _area_resize(grey, height, width).reshape(len(grey), -1).astype(np.float64)
    constant = _constant(resized.min(axis=1), resized.max(axis=1))
    centred = resized - resized.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    unit = np.divide(centred, norm, out=np.zeros_like(centred), where=~constant[:, None])
    return unit.astype(np.float32)


def _area_resize(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """[B, Hi, Wi] images resized to [B, height, width] by area averaging (`_area_taps`).

    Each cell is a weighted sum of the few pixels it overlaps, not a product
    with a dense weight matrix: no BLAS (whose threads contend on a busy
    machine), and a few times less work for large maps.
    """
    rows, cols = images.shape[1:]
    if rows != height:
        pixels, weights = _area_taps(rows, height)
        images = np.einsum("st,bstw->bsw", weights, images[:, pixels])
    if cols != width:
        pixels, weights = _area_taps(cols, width)
        images = np.einsum("st,bhst->bhs", weights, images[:, :, pixels])
    return images


@functools.lru_cache(maxsize=64)
def _area_taps(count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Which of `count` pixels each of `size` cells overlaps, and with what weight ([size, T] each).

    Pixels are unit intervals and cell i is the mean over [i c / s, (i + 1) c / s), so each
    pixel weighs by the part of it inside the cell, whatever the sizes: down (64 -> 32 is
    2 x 2 block means, 299 -> 19 cells of 15.7 pixels) or up (a cell inside one pixel, or
    split between two). Rows are padded to T taps with weight 0. Cached, so read-only.
    """
    edges = np.arange(size + 1) * (count / size)
    first = np.floor(edges[:-1]).astype(np.int64)
    taps = int((np.ceil(edges[1:]).astype(np.int64) - first).max())
    pixels = first[:, None] + np.arange(taps)
    inside = np.clip(edges[1:, None] - pixels, 0, 1) - np.clip(edges[:-1, None] - pixels, 0, 1)
    weights = (inside * (size / count)).astype(np.float32)
    pixels = np.minimum(pixels, count - 1)  # padding taps past the last pixel have weight 0
    pixels.flags.writeable = weights.flags.writeable = False
    return pixels, weights


def _kernel_change(work: np.ndarray, baseline: Baseline, scratch: np.ndarray) -> np.ndarray:
    """||a - b|| / ||b|| per kernel over the batch; 0 or 1 where ||b|| is 0 (||a|| is 0 or not)."""
    difference = np.subtract(work, baseline.maps.reshape(work.shape), out=scratch)
    distance = np.sqrt(_sum_of_squares(difference).sum(axis=0, dtype=np.float64))
    norm = baseline._norm
    change = np.divide(distance, norm, out=(distance > 0).astype(np.float64), where=norm > 0)
    return np.minimum(change, _FLOAT32_MAX).astype(np.float32)


@functools.lru_cache(maxsize=256)
def _drift_rows(count: int) -> np.ndarray:
    """Which of `count` image x position rows drift compares: all, or a fixed random
    `MAX_DRIFT_SAMPLES` of them, sorted. Random, not evenly spaced: a stride can alias with the map
    width (4 maps of 128 x 128 at a stride of 128 would sample one column). Cached, so read-only."""
    if count <= MAX_DRIFT_SAMPLES:
        rows = np.arange(count)
    else:
        rows = np.sort(np.random.default_rng(0).choice(count, MAX_DRIFT_SAMPLES, replace=False))
    rows.flags.writeable = False
    return rows


def _drift_sample(layer: np.ndarray) -> np.ndarray:
    """The sampled rows of a finite [B, P, K] layer as CKA compares them: [n, K] float32, centred,
    constant kernels zeroed, at unit norm. Beyond `_FLOAT32_SAFE` scaled by a power of two (exact)
    to magnitudes of at most 1 first, so that sums of squares cannot overflow; the mean is taken in
    float64."""
    flat = layer.reshape(-1, layer.shape[2])
    rows = np.take(flat, _drift_rows(len(flat)), axis=0)  # a copy
    table = rows[None]  # [1, n, K]: `_per_map` reduces it fast
    lows, highs = _per_map(np.minimum, table)[0], _per_map(np.maximum, table)[0]
    largest = float(max(-lows.min(), highs.max()))
    if largest > _FLOAT32_SAFE:
        rows *= np.float32(2.0 ** -math.frexp(largest)[1])
    rows -= (_per_map(np.add, table, np.float64)[0] / len(rows)).astype(rows.dtype)
    constant = _constant(lows, highs)
    if constant.any():
        rows[:, constant] = 0
    norm = _frobenius(rows)
    return np.divide(rows, np.float32(norm), out=rows) if norm > 0 else rows


def _in_sample_space(samples: int, kernels: int) -> bool:
    """Whether drift is cheaper with n x n Gram matrices than with k x k ones. Per step, n x n
    costs the current sample's (n^2 k / 2; the baseline's is kept); k x k costs the current
    sample's (k^2 n / 2) and its product with the baseline's sample (k^2 n)."""
    return samples < 3 * kernels


def _drift(sample: np.ndarray, baseline: Baseline) -> float:
    """1 - linear CKA of two drift samples (centred, at unit norm, or all 0 when constant), in [0, 1].

    A sample's Gram matrix has norm 0 exactly when the sample is all 0 (at unit norm it is at least
    1 / sqrt(rank)), so the Gram norms tell which side is constant.
    """
    if baseline._gram is not None:
        gram = _product(sample, sample.T)
        norm = math.sqrt(_inner(gram, gram))
    else:
        norm = _frobenius(_product(sample.T, sample))
    varies, varied = norm > 0, baseline._gram_norm > 0
    if not (varies and varied):
        return float(varies != varied)
    if baseline._gram is not None:
        similarity = _inner(gram, baseline._gram) / (norm * baseline._gram_norm)
    else:
        cross = _product(sample.T, baseline.drift_sample)
        similarity = _inner(cross, cross) / (norm * baseline._gram_norm)
    drift = 1 - similarity
    return 0.0 if drift < DRIFT_RESOLUTION else min(drift, 1.0)


# Products of at most this many multiply-adds run on the calling thread: BLAS's threads contend with
# the training's on a busy machine (a 256 x 64 sample's k x k product took 16 ms through them there,
# against 0.07 ms on one thread); larger ones (wide layers) need BLAS's threads.
_SMALL_PRODUCT = 1 << 21
# OpenBLAS runs a GEMM of at most 65536 * 4 multiply-adds on the calling thread, so a small product is
# summed from chunks that size: 5x faster than einsum's loop, and on one thread whatever the load.
_ONE_THREAD_GEMM = 1 << 18


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b; on the calling thread when small: one batched product of chunks of the inner
    dimension (each a BLAS call on this thread), summed."""
    rows, inner = a.shape
    columns = b.shape[1]
    if rows * inner * columns > _SMALL_PRODUCT:
        return a @ b
    chunk = max(1, _ONE_THREAD_GEMM // (rows * columns))
    if chunk >= inner:
        return a @ b
    count, rest = divmod(inner, chunk)
    body = count * chunk
    chunks_of_a = a[:, :body].reshape(rows, count, chunk).transpose(1, 0, 2)
    result = np.matmul(chunks_of_a, b[:body].reshape(count, chunk, columns)).sum(axis=0)
    if rest:
        result += a[:, body:] @ b[body:]
    return result


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b, by einsum: NumPy's BLAS dot runs threads that contend on a busy machine."""
    return float(np.einsum("ij,ij->", a, b))


def _frobenius(a: np.ndarray) -> float:
    return math.sqrt(_inner(a, a))
