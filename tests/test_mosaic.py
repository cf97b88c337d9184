"""Tiling: every kernel lands in its own tile, readably, whatever the input."""

import json

import warnings

import numpy as np
import pytest

from tb_convcam import metadata, tile
from tb_convcam.mosaic import SourceCache, choose_grid


def stretched(kernel_map):
    """What per-kernel normalisation should draw: the map stretched to 0..255."""
    low, high = kernel_map.min(), kernel_map.max()
    return np.rint((kernel_map - low) * (255.0 / (high - low))).astype(np.uint8)


def test_each_kernel_lands_in_its_tile_box_in_kernel_order():
    rng = np.random.default_rng(0)
    activations = rng.normal(size=(5, 7, 23)).astype(np.float32)
    mosaic, layout = tile(activations)
    assert mosaic.shape == (layout.height, layout.width)
    for kernel in range(23):
        y0, x0, y1, x1 = layout.tile_box(kernel)
        np.testing.assert_array_equal(mosaic[y0:y1, x0:x1], stretched(activations[..., kernel]))
        assert layout.kernel_at(y0, x0) == kernel and layout.kernel_at(y1 - 1, x1 - 1) == kernel
    slots = [layout.tile_box(k) for k in range(23)]
    assert slots == sorted(slots), "tiles are row-major by kernel index"


def test_separators_and_empty_cells_are_black_and_belong_to_no_kernel():
    activations = np.random.default_rng(1).uniform(1, 2, size=(4, 4, 10))
    mosaic, layout = tile(activations, padding=2)
    covered = np.zeros(mosaic.shape, bool)
    for kernel in range(10):
        y0, x0, y1, x1 = layout.tile_box(kernel)
        covered[y0:y1, x0:x1] = True
    assert not mosaic[~covered].any()
    ys, xs = np.nonzero(~covered)
    assert all(layout.kernel_at(y, x) is None for y, x in zip(ys, xs))


def test_batch_index_picks_the_image_shown():
    batch = np.random.default_rng(2).normal(size=(3, 6, 6, 4))
    np.testing.assert_array_equal(tile(batch, batch_index=2)[0], tile(batch[2])[0])


def test_seed_layer_of_1536_kernels_leaves_at_most_5_percent_of_cells_empty():
    _, layout = tile(np.random.default_rng(3).normal(size=(1, 11, 7, 1536)))
    cells = layout.rows * layout.cols
    assert (cells - 1536) / cells <= 0.05
    assert 1.2 <= layout.width / layout.height <= 2.2, "close to the default 16:10 picture"


@pytest.mark.parametrize("count", [1, 2, 7, 64, 97, 728, 1031, 1536, 2048])
def test_grid_has_no_empty_row_and_follows_the_target_aspect(count):
    rows, cols = choose_grid(count, 8, 8, aspect=2.0)
    assert rows * cols >= count and (rows - 1) * cols < count
    if count >= 64:
        assert (rows * cols - count) / (rows * cols) <= 0.05
        assert 1.5 <= cols / rows <= 2.7


def test_layer_normalisation_keeps_relative_brightness_across_kernels():
    activations = np.stack([np.full((3, 3), 1.0), np.full((3, 3), 3.0), np.linspace(1, 3, 9).reshape(3, 3)], -1)
    mosaic, layout = tile(activations, normalize="layer", padding=0)
    box = lambda k: mosaic[layout.tile_box(k)[0] : layout.tile_box(k)[2], layout.tile_box(k)[1] : layout.tile_box(k)[3]]
    assert (box(0) == 0).all() and (box(1) == 255).all()
    assert box(2).min() == 0 and box(2).max() == 255


def test_fixed_range_clips_out_of_range_values():
    activations = np.array([-5.0, 0.0, 5.0, 10.0, 20.0]).reshape(1, 5, 1)
    mosaic, _ = tile(activations, normalize=(0.0, 10.0))
    np.testing.assert_array_equal(mosaic.ravel(), [0, 0, 128, 255, 255])


def test_constant_kernels_draw_black_without_dividing_by_zero():
    activations = np.zeros((4, 4, 3), np.float32)
    activations[..., 1] = 7.0
    with np.errstate(all="raise"):
        mosaic, layout = tile(activations)
    assert not mosaic.any()
    np.testing.assert_array_equal(layout.sources[0].stats.max, [0, 7, 0])


def test_non_finite_values_never_reach_a_pixel_and_are_counted():
    activations = np.random.default_rng(4).uniform(1, 2, size=(4, 4, 3)).astype(np.float32)
    activations[0, 0, 0] = np.nan
    activations[1, 1, 0] = np.inf
    activations[..., 2] = -np.inf
    mosaic, layout = tile(activations)
    stats = layout.sources[0].stats
    np.testing.assert_array_equal(stats.nonfinite, [2, 0, 16])
    assert np.isfinite(stats.min).all() and np.isfinite(stats.max).all() and np.isfinite(stats.mean).all()
    y0, x0, _, _ = layout.tile_box(0)
    assert mosaic[y0, x0] == 0, "NaN is drawn as the kernel's lowest finite value"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from NaN or inf in any mode
        for normalize in ("kernel", "layer", (0.0, 1.0)):
            tile(activations, normalize=normalize)


def test_stats_are_computed_on_raw_values():
    activations = np.zeros((2, 5, 2), np.float32)
    activations[0, :, 0] = [1, 2, 3, 4, 5]
    _, layout = tile(activations)
    stats = layout.sources[0].stats
    np.testing.assert_allclose(stats.min, [0, 0])
    np.testing.assert_allclose(stats.max, [5, 0])
    np.testing.assert_allclose(stats.mean, [1.5, 0])
    np.testing.assert_allclose(stats.zero_fraction, [0.5, 1.0])


def test_each_rgb_channel_is_exactly_that_sources_own_mosaic():
    rng = np.random.default_rng(5)
    a, b, c = (rng.normal(size=(1, 9, 9, 32)) for _ in range(3))
    two, _ = tile([a, b])
    assert two.shape[-1] == 3
    np.testing.assert_array_equal(two[..., 0], tile(a)[0])
    np.testing.assert_array_equal(two[..., 1], tile(b)[0])
    assert not two[..., 2].any(), "the unused channel stays black"
    three, layout = tile((a, b, c), source_names=["x", "y", "z"])
    np.testing.assert_array_equal(three[..., 2], tile(c)[0])
    assert [s.name for s in layout.sources] == ["x", "y", "z"] and [s.channel for s in layout.sources] == [0, 1, 2]


def test_sources_of_different_sizes_share_the_largest_tile_and_kernel_count():
    rng = np.random.default_rng(6)
    big, small = rng.normal(size=(8, 6, 40)), rng.normal(size=(4, 3, 16))
    mosaic, layout = tile([big, small])
    assert (layout.tile_height, layout.tile_width, layout.kernel_count) == (8, 6, 40)
    y0, x0, y1, x1 = layout.tile_box(3)
    expected = np.repeat(np.repeat(stretched(small[..., 3]), 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(mosaic[y0:y1, x0:x1, 1], expected)
    y0, x0, y1, x1 = layout.tile_box(20)
    assert not mosaic[y0:y1, x0:x1, 1].any(), "the smaller source has no kernel 20"


def test_large_maps_are_downscaled_by_an_integer_factor_within_the_pixel_budget():
    activations = np.random.default_rng(7).normal(size=(147, 147, 64)).astype(np.float32)
    mosaic, layout = tile(activations, max_pixels=400_000)
    assert layout.downscale == 2 and (layout.tile_height, layout.tile_width) == (74, 74)
    assert 64 * 147 * 147 > 400_000 >= len(layout.kernels) * layout.tile_height * layout.tile_width
    assert mosaic.shape == (layout.height, layout.width)


def test_too_many_kernels_are_subsampled_evenly_and_deterministically():
    activations = np.random.default_rng(8).normal(size=(2, 2, 100_000)).astype(np.float32)
    mosaic, layout = tile(activations, max_kernels=1000)
    assert len(layout.kernels) == 1000 and layout.kernels[0] == 0 and layout.kernels[-1] == 99_999
    assert layout.kernel_count == 100_000
    assert tile(activations, max_kernels=1000)[1].kernels == layout.kernels
    kernel = layout.kernels[500]
    y0, x0, y1, x1 = layout.tile_box(kernel)
    np.testing.assert_array_equal(mosaic[y0:y1, x0:x1], stretched(activations[..., kernel]))
    with pytest.raises(KeyError):
        layout.tile_box(1)


def test_step_info_round_trips_through_json():
    _, layout = tile(np.random.default_rng(9).normal(size=(3, 3, 5)), normalize=(-1.0, 1.0))
    blob = metadata.encode_step_info(layout)
    info = metadata.parse_step_info(blob)
    assert json.loads(blob)["normalization"] == {"mode": "fixed", "range": [-1.0, 1.0]}
    assert (info["rows"], info["cols"], info["kernel_count"]) == (layout.rows, layout.cols, 5)
    np.testing.assert_array_equal(info["sources"][0]["stats"]["max"], layout.sources[0].stats.max)


def test_values_near_the_float32_limit_shrink_without_overflow():
    huge = np.full((1, 1, 12, 1), 2.363072e36, np.float32)  # found by hypothesis
    with np.errstate(all="raise"):
        mosaic, layout = tile([np.zeros((1, 1, 1, 1), np.float32), huge], max_pixels=1)
    assert layout.downscale == 12 and mosaic.shape == (1, 1, 3)


@pytest.mark.parametrize("shape", [(147, 147, 64), (33, 5, 3000), (1000, 1, 1), (7, 9, 5)])
def test_stats_of_large_layers_match_numpy_over_every_value(shape):
    activations = np.maximum(np.random.default_rng(10).normal(3.0, 2.0, size=shape), 0).astype(np.float32)
    stats = tile(activations)[1].sources[0].stats
    per_kernel = activations.reshape(-1, shape[2]).astype(np.float64)
    np.testing.assert_array_equal(stats.min, per_kernel.min(axis=0))
    np.testing.assert_array_equal(stats.max, per_kernel.max(axis=0))
    np.testing.assert_allclose(stats.mean, per_kernel.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(stats.zero_fraction, (per_kernel == 0).mean(axis=0), rtol=1e-6)


def test_sums_too_large_for_float32_still_give_the_right_mean():
    activations = np.full((40, 40, 2), 3e37, np.float32)
    with np.errstate(all="raise"):
        stats = tile(activations)[1].sources[0].stats
    np.testing.assert_allclose(stats.mean, [3e37, 3e37], rtol=1e-6)


@pytest.mark.parametrize("shape, max_pixels, factor", [((147, 147, 64), 400_000, 2), ((10, 13, 3), 60, 3), ((2, 9, 4), 8, 5)])
def test_downscaled_tiles_are_block_means_with_the_last_row_and_column_repeated(shape, max_pixels, factor):
    activations = np.random.default_rng(11).normal(size=shape).astype(np.float32)
    mosaic, layout = tile(activations, max_pixels=max_pixels)
    assert layout.downscale == factor
    h, w, k = shape
    padded = np.pad(activations.astype(np.float64), ((0, -h % factor), (0, -w % factor), (0, 0)), mode="edge")
    means = padded.reshape(-(-h // factor), factor, -(-w // factor), factor, k).mean(axis=(1, 3))
    stats = layout.sources[0].stats
    for kernel in range(k):
        y0, x0, y1, x1 = layout.tile_box(kernel)
        expected = (means[..., kernel] - stats.min[kernel]) * (255.0 / (stats.max[kernel] - stats.min[kernel]))
        assert np.abs(mosaic[y0:y1, x0:x1].astype(np.float64) - expected).max() <= 0.5 + 1e-3


def test_a_cache_draws_a_source_shown_alone_and_merged_once_with_the_same_pictures():
    rng = np.random.default_rng(11)
    a, b = (rng.normal(size=(1, 9, 9, 12)).astype(np.float32) for _ in range(2))
    cache = SourceCache()
    alone_a, merged, alone_b = tile(a, cache=cache), tile([a, b], cache=cache), tile(b, cache=cache)
    assert len(cache) == 2, "a and b drawn once each"
    for cached, fresh in zip((alone_a, merged, alone_b), (tile(a), tile([a, b]), tile(b))):
        np.testing.assert_array_equal(cached[0], fresh[0])
        assert metadata.encode_step_info(cached[1]) == metadata.encode_step_info(fresh[1])
    assert not alone_a[0].flags.writeable, "shared planes are read-only"


def test_a_cache_draws_again_on_another_grid_or_normalisation():
    rng = np.random.default_rng(12)
    small, large = rng.normal(size=(6, 6, 4)), rng.normal(size=(6, 6, 40))
    cache = SourceCache()
    tile(small, cache=cache)
    merged, _ = tile([small, large], cache=cache)  # small's plane on large's 40-cell grid
    tile(small, normalize="layer", cache=cache)
    assert len(cache) == 4
    np.testing.assert_array_equal(merged, tile([small, large])[0])
