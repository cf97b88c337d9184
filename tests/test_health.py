"""Health metrics: known answers for dead, dormant, echoing, drifting and changing layers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tb_convcam import health
from tb_convcam.health import Baseline, baseline, grey_images, layer_health

rng = np.random.default_rng(0)


def random_layer(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def health_of(activations, grey=None, then=None, kernels=None):
    """`activations`' health against the baseline `then` (default: themselves) and `grey` (default: random)."""
    if grey is None:
        grey = np.random.default_rng(99).random(activations.shape[:3], np.float32)
    reference = baseline(activations if then is None else then, kernels)
    return layer_health(activations, grey, reference, kernels)


# Echo.


def test_maps_that_are_the_probe_image_in_grey_up_to_scale_or_sign_echo_1():
    images = rng.random((3, 12, 10, 3), np.float32)
    grey = grey_images(images)
    all_ones_1x1_conv = images.sum(axis=3, keepdims=True)  # = 3 x grey
    activations = np.concatenate([all_ones_1x1_conv, -all_ones_1x1_conv, 0.5 * all_ones_1x1_conv + 7], axis=3)
    result = health_of(activations, grey)
    np.testing.assert_allclose(result.kernel_echo, 1, atol=1e-6)
    assert result.echo == pytest.approx(1, abs=1e-6)


def test_echo_compares_each_map_with_the_grey_image_resized_by_area_averaging():
    grey = rng.random((2, 64, 64), np.float32)
    block_means = grey.reshape(2, 32, 2, 32, 2).mean(axis=(2, 4))
    nearest = grey[:, ::2, ::2]
    result = health_of(np.stack([block_means, nearest], axis=3), grey)
    assert result.kernel_echo[0] == pytest.approx(1, abs=1e-6)
    assert result.kernel_echo[1] < 0.9, "a nearest-neighbour subsample is not the area-averaged image"


def test_echo_is_the_mean_over_images_of_abs_pearson_r_then_the_mean_over_kernels():
    grey = rng.random((4, 16, 16), np.float32)
    unrelated = rng.random((4, 16, 16), np.float32)
    first_echoes = unrelated.copy()
    first_echoes[0] = grey[0]
    result = health_of(np.stack([first_echoes, unrelated], axis=3), grey)
    r = [abs(np.corrcoef(unrelated[i].ravel(), grey[i].ravel())[0, 1]) for i in range(4)]
    np.testing.assert_allclose(result.kernel_echo, [(1 + sum(r[1:])) / 4, sum(r) / 4], rtol=1e-5)
    assert result.echo == pytest.approx(result.kernel_echo.mean(), abs=1e-6)


def test_constant_maps_and_constant_grey_images_count_0():
    grey = rng.random((2, 8, 8), np.float32)
    activations = np.stack([np.full((2, 8, 8), 5.0), grey], axis=3).astype(np.float32)
    assert health_of(activations, grey).kernel_echo.tolist() == [0, pytest.approx(1, abs=1e-6)]
    assert health_of(activations, np.full_like(grey, 3)).kernel_echo.tolist() == [0, 0]


def test_a_map_constant_on_one_image_counts_0_for_that_image():
    grey = rng.random((2, 8, 8), np.float32)
    activations = grey[..., None].copy()
    activations[1] = 2
    assert health_of(activations, grey).kernel_echo[0] == pytest.approx(0.5, abs=1e-6)


# Area resize, which echo compares with.


def test_area_resize_64_to_32_is_2x2_block_means():
    images = rng.random((3, 64, 64), np.float32)
    np.testing.assert_allclose(
        health._area_resize(images, 32, 32), images.reshape(3, 32, 2, 32, 2).mean(axis=(2, 4)), rtol=1e-6
    )


def test_an_image_resized_to_its_own_size_is_itself():
    images = rng.random((2, 19, 23), np.float32)
    np.testing.assert_array_equal(health._area_resize(images, 19, 23), images)


@pytest.mark.parametrize("size, to", [(64, 21), (299, 19), (64, 32), (5, 12), (7, 3), (1, 4)])
def test_area_resize_keeps_constant_images_and_the_mean_whatever_the_sizes(size, to):
    images = rng.random((2, size, size), np.float32)
    resized = health._area_resize(images, to, to)
    assert resized.shape == (2, to, to)
    np.testing.assert_allclose(resized.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-5,
                               err_msg="every pixel covers the same area")
    constant = np.full((1, size, size), 3, np.float32)
    np.testing.assert_allclose(health._area_resize(constant, to, to), 3, rtol=1e-6, err_msg="every cell is a mean")


def test_upsampling_repeats_pixels_and_splits_the_ones_a_cell_edge_crosses():
    row = np.array([[[0.0, 3.0]]], np.float32)  # one image, 1 x 2
    np.testing.assert_allclose(health._area_resize(row, 1, 4), [[[0, 0, 3, 3]]])
    np.testing.assert_allclose(health._area_resize(row, 1, 3), [[[0, 1.5, 3]]])  # the middle cell is half of each


# Dead and dormant.


def test_a_zero_layer_is_all_dead_all_dormant_and_has_no_echo():
    result = health_of(np.zeros((2, 5, 5, 8), np.float32))
    assert result.metrics() == {"dead_fraction": 1, "dormant_fraction": 1, "echo": 0, "drift": 0}
    assert result.kernel_echo.tolist() == [0] * 8 and result.kernel_change.tolist() == [0] * 8


def test_dead_means_constant_over_every_image_and_position_within_1e_6_of_1_plus_max():
    activations = np.ones((2, 4, 4, 4), np.float32)
    activations[..., 0] = 7  # constant, not zero: dead, not dormant
    activations[0, 0, 0, 1] += 5e-7  # within the tolerance
    activations[1, 2, 3, 2] += 1e-5  # beyond it
    activations[:, :, :, 3] = rng.random((2, 4, 4))
    result = health_of(activations)
    assert result.dead_fraction == 0.5  # kernels 0 and 1
    assert result.dormant_fraction == 0


@pytest.mark.parametrize("share, dormant", [(0.01, True), (0.05, False)])
def test_a_kernel_at_1_percent_of_the_mean_magnitude_is_dormant_at_5_percent_not(share, dormant):
    activations = random_layer((2, 6, 6, 8))
    activations /= np.abs(activations).mean(axis=(0, 1, 2))  # every kernel's mean |a| is 1...
    activations[..., 0] *= share  # ... but kernel 0's
    layer_mean = (7 + share) / 8
    assert (share / layer_mean <= 0.025) == dormant
    assert health_of(activations).dormant_fraction == (1 / 8 if dormant else 0)


def test_dormancy_counts_negative_activations_by_magnitude():
    activations = random_layer((2, 6, 6, 4))
    assert health_of(activations).dormant_fraction == health_of(-activations).dormant_fraction == 0
    activations[..., 0] = -1e-3
    assert health_of(activations).dormant_fraction == 0.25


# Drift.


def test_drift_is_0_at_the_baseline_and_for_a_rerun_that_differs_in_the_last_bits():
    activations = random_layer((4, 16, 16, 12))
    assert health_of(activations).drift == 0
    rerun = activations * (1 + 1e-7 * random_layer(activations.shape, seed=1))
    assert health_of(rerun, then=activations).drift == 0


def test_drift_ignores_a_global_rescale_and_a_permutation_of_kernels():
    activations = random_layer((4, 16, 16, 12))
    assert health_of(3.5 * activations, then=activations).drift == pytest.approx(0, abs=1e-5)
    assert health_of(activations[..., rng.permutation(12)], then=activations).drift == pytest.approx(0, abs=1e-5)


def test_drift_of_unrelated_activations_is_near_1_and_grows_with_the_kernels_replaced():
    before, other = random_layer((4, 16, 16, 16)), random_layer((4, 16, 16, 16), seed=1)
    drifts = []
    for replaced in (0, 4, 8, 16):
        after = before.copy()
        after[..., :replaced] = other[..., :replaced]
        drifts.append(health_of(after, then=before).drift)
    assert drifts[0] == 0 and drifts[1] < drifts[2] < drifts[3]
    assert drifts[3] > 0.9, drifts


def test_drift_of_a_constant_layer_is_0_if_constant_both_times_else_1():
    constant, varying = np.full((2, 8, 8, 3), 4.0, np.float32), random_layer((2, 8, 8, 3))
    assert health_of(constant, then=np.full_like(constant, -1)).drift == 0
    assert health_of(constant, then=varying).drift == 1
    assert health_of(varying, then=constant).drift == 1


def test_drift_compares_at_most_512_positions_the_same_ones_each_time():
    activations = random_layer((4, 128, 128, 3))  # a stride of 128 would sample one column
    sample = baseline(activations).drift_sample
    assert sample.shape == (health.MAX_DRIFT_SAMPLES, 3)
    rows = health._drift_rows(4 * 128 * 128)
    assert len(set((rows % 128).tolist())) > 100, "spread over the columns"
    np.testing.assert_array_equal(rows, health._drift_rows(4 * 128 * 128))


def test_drift_is_the_same_in_feature_and_sample_space(monkeypatch):
    before, after = random_layer((1, 10, 10, 40)), random_layer((1, 10, 10, 40), seed=1)
    after[..., :20] = before[..., :20]
    grey = np.ones((1, 10, 10), np.float32)
    assert health._in_sample_space(100, 40)
    in_sample_space = layer_health(after, grey, baseline(before)).drift
    monkeypatch.setattr(health, "_in_sample_space", lambda samples, kernels: False)
    assert layer_health(after, grey, baseline(before)).drift == pytest.approx(in_sample_space, abs=1e-5)
    assert 0.1 < in_sample_space < 0.9



@pytest.mark.parametrize("shape", [(16, 512, 16), (64, 256, 64), (64, 255, 64), (600, 3, 600), (256, 512, 128)])
def test_drifts_products_in_chunks_equal_one_product(shape):
    rows, inner, columns = shape
    a, b = random_layer((1, 1, rows, inner))[0, 0], random_layer((1, 1, inner, columns), seed=1)[0, 0]
    np.testing.assert_allclose(health._product(a, b), a @ b, rtol=1e-5, atol=1e-4)


# Change.


def test_change_is_the_relative_distance_of_each_kernels_maps_from_the_baseline():
    then = np.array([[1, 2, 2], [0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]], np.float32).T.reshape(1, 1, 3, 5)
    now = np.array([[1, 2, 4], [0, 1, 0], [0, 0, 0], [2, 2, 2], [10, 10, 10]], np.float32).T.reshape(1, 1, 3, 5)
    change = health_of(now, then=then).kernel_change
    # ||(0, 0, 2)|| / ||(1, 2, 2)||; dead at the baseline and alive now; dead both times; doubled; tenfold.
    np.testing.assert_allclose(change, [2 / 3, 1, 0, 1, 9], rtol=1e-6)
    assert change.dtype == np.float32


def test_change_is_0_at_the_baseline_and_sums_over_all_probe_images():
    activations = random_layer((3, 5, 5, 4))
    assert health_of(activations).kernel_change.tolist() == [0] * 4
    moved = activations.copy()
    moved[2, ..., 1] += 1
    expected = np.sqrt(25) / np.linalg.norm(activations[..., 1])
    assert health_of(moved, then=activations).kernel_change[1] == pytest.approx(expected, rel=1e-5)


# Inputs: non-finite values, dtypes, magnitudes, kernel subsets.


def test_non_finite_values_count_as_0():
    activations = random_layer((2, 6, 6, 5))
    activations[0, 1, 2, 0] = np.nan
    activations[1, :, :, 1] = np.inf
    activations[:, 0, 0, 2] = -np.inf
    zeroed = np.where(np.isfinite(activations), activations, 0)
    grey = rng.random((2, 12, 12), np.float32)
    grey_with_nan = grey.copy()
    grey_with_nan[0, 0, 0] = np.nan
    result = layer_health(activations, grey_with_nan, baseline(activations))
    expected = layer_health(zeroed, np.where(np.isfinite(grey_with_nan), grey_with_nan, 0), baseline(zeroed))
    assert result.metrics() == expected.metrics()
    np.testing.assert_array_equal(result.kernel_echo, expected.kernel_echo)
    np.testing.assert_array_equal(result.kernel_change, expected.kernel_change)
    assert np.isfinite(baseline(activations).maps).all()


def test_huge_magnitudes_give_the_same_health():
    grey = rng.random((2, 8, 8), np.float32)
    then = random_layer((2, 8, 8, 4)) + grey[..., None]
    now = then + 0.1 * random_layer(then.shape, seed=1)
    expected = layer_health(now, grey, baseline(then))
    result = layer_health(now * 1e20, grey * 1e20, baseline(then * 1e20))
    np.testing.assert_allclose(result.kernel_echo, expected.kernel_echo, rtol=1e-5)
    np.testing.assert_allclose(result.kernel_change, expected.kernel_change, rtol=1e-5)
    assert result.drift == pytest.approx(expected.drift, abs=1e-5)
    assert (result.dead_fraction, result.dormant_fraction) == (expected.dead_fraction, expected.dormant_fraction)


def test_tiny_magnitudes_are_constant_within_the_tolerance_but_their_change_is_measured():
    then = random_layer((2, 8, 8, 4))
    now = then + 0.1 * random_layer(then.shape, seed=1)
    expected = health_of(now, then=then)
    result = health_of(now * 1e-20, then=then * 1e-20)
    assert result.metrics() == {
        "dead_fraction": 1, "dormant_fraction": expected.dormant_fraction, "echo": 0, "drift": 0
    }
    np.testing.assert_allclose(result.kernel_change, expected.kernel_change, rtol=1e-5)


def test_integer_and_float64_activations_read_as_float32():
    activations = rng.integers(0, 255, (2, 4, 4, 3), dtype=np.uint8)
    expected = health_of(activations.astype(np.float32))
    assert health_of(activations).metrics() == expected.metrics()
    assert health_of(activations.astype(np.float64)).metrics() == expected.metrics()


def test_a_subset_of_kernels_is_measured_as_if_it_were_the_layer():
    activations = random_layer((2, 6, 6, 10))
    activations[..., 3] = 0
    then = random_layer(activations.shape, seed=1)
    grey = rng.random((2, 6, 6), np.float32)
    kernels = [1, 3, 8]
    result = layer_health(activations, grey, baseline(then, kernels), kernels)
    subset = layer_health(activations[..., kernels], grey, baseline(then[..., kernels]))
    assert result.metrics() == subset.metrics()
    assert result.dead_fraction == pytest.approx(1 / 3)
    np.testing.assert_array_equal(result.kernel_echo, subset.kernel_echo)
    np.testing.assert_array_equal(result.kernel_change, subset.kernel_change)


def test_the_baseline_is_a_read_only_copy():
    activations = random_layer((2, 4, 4, 3))
    kept = baseline(activations)
    activations += 1
    assert health_of(activations, then=kept.maps).kernel_change.max() > 0
    assert not kept.maps.flags.writeable and not kept.drift_sample.flags.writeable
    assert kept.maps.dtype == np.float32 and kept.maps.shape == (2, 4, 4, 3)


def test_grey_images_are_the_mean_of_the_channels():
    images = rng.integers(0, 255, (2, 5, 7, 3), dtype=np.uint8)
    grey = grey_images(images)
    assert grey.dtype == np.float32 and grey.shape == (2, 5, 7)
    np.testing.assert_allclose(grey, images.mean(axis=3), rtol=1e-6)
    np.testing.assert_array_equal(grey_images(grey), grey)


def test_metrics_are_the_four_layer_floats_by_name():
    metrics = health_of(random_layer((2, 4, 4, 3))).metrics()
    assert list(metrics) == ["dead_fraction", "dormant_fraction", "echo", "drift"]
    assert all(type(value) is float for value in metrics.values())


# Errors name the argument.


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda a, g, b: layer_health(a[0], g, b), "activations: expected shape"),
        (lambda a, g, b: layer_health(a[:, :, :, :0], g, b), "activations: expected shape"),
        (lambda a, g, b: layer_health(a, g[0], b), "grey: expected shape"),
        (lambda a, g, b: layer_health(a, g[:1], b), "grey: expected 2 images"),
        (lambda a, g, b: layer_health(a[:1], g[:1], b), "baseline: expected maps of shape"),
        (lambda a, g, b: layer_health(a, g, b, kernels=[0, 1]), "baseline: expected maps of shape"),
        (lambda a, g, b: layer_health(a, g, baseline(a, [0])), "baseline: expected maps of shape"),
        (lambda a, g, b: layer_health(a, g, b, kernels=[0, 1, 2, 3]), "kernels: expected"),
        (lambda a, g, b: baseline(a, kernels=[-1]), "kernels: expected"),
        (lambda a, g, b: baseline(a, kernels=[]), "kernels: expected"),
        (lambda a, g, b: baseline(a, kernels=[0.5]), "kernels: expected"),
        (lambda a, g, b: grey_images(g[0, 0]), "images: expected shape"),
        (lambda a, g, b: Baseline(b.maps, b.drift_sample[:, :1]), "drift_sample: expected shape"),
    ],
)
def test_mismatched_shapes_are_value_errors_naming_the_argument(call, match):
    activations, grey = random_layer((2, 4, 4, 3)), rng.random((2, 9, 9), np.float32)
    with pytest.raises(ValueError, match=match):
        call(activations, grey, baseline(activations))


def test_wrong_types_are_type_errors_naming_the_argument():
    activations, grey = random_layer((2, 4, 4, 3)), rng.random((2, 9, 9), np.float32)
    with pytest.raises(TypeError, match="activations: expected an integer or floating dtype"):
        baseline(activations > 0)
    with pytest.raises(TypeError, match="baseline: expected a Baseline"):
        layer_health(activations, grey, activations)


# Any input: every metric in range and finite.

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, 1.0, -1.0, 1e-40, 3e38]),
)


@st.composite
def layer_pairs(draw):
    batch, height, width, kernels = draw(st.tuples(*(st.integers(1, n) for n in (3, 7, 7, 5))))
    layer = lambda: draw(st.one_of(  # noqa: E731
        hnp.arrays(np.float32, (batch, height, width, kernels), elements=values),
        values.map(lambda v: np.full((batch, height, width, kernels), v, np.float32)),
    ))
    grey_shape = (batch, draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    return layer(), layer(), draw(hnp.arrays(np.float32, grey_shape, elements=values))


@pytest.mark.filterwarnings("error::RuntimeWarning")  # an overflow would mean a garbage metric
@settings(max_examples=200, deadline=None)
@given(layer_pairs())
def test_every_metric_is_in_range_and_finite_for_any_input(pair):
    now, then, grey = pair
    result = layer_health(now, grey, baseline(then))
    for name, value in result.metrics().items():
        assert np.isfinite(value) and 0 <= value <= 1, (name, value)
    assert np.isfinite(result.kernel_echo).all() and ((0 <= result.kernel_echo) & (result.kernel_echo <= 1)).all()
    assert np.isfinite(result.kernel_change).all() and (result.kernel_change >= 0).all()
    assert result.kernel_echo.dtype == result.kernel_change.dtype == np.float32


def test_a_grey_probe_gives_the_same_health_as_the_grey_images():
    rng = np.random.default_rng(3)
    images = rng.random((2, 37, 29, 3)).astype(np.float32)
    layer = rng.normal(size=(2, 9, 7, 5)).astype(np.float32)
    base = health.baseline(layer)
    probe = health.GreyProbe(images)
    for _ in range(2):  # the second call reads the cached resize
        cached = health.layer_health(layer, probe, base)
        direct = health.layer_health(layer, health.grey_images(images), base)
        np.testing.assert_array_equal(cached.kernel_echo, direct.kernel_echo)
