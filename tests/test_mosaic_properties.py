"""Properties of tiling that must hold for any shape within the budgets."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tb_convcam import metadata, tile

# Overflow or invalid-value warnings would mean garbage pixels: fail on them.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

shapes = st.tuples(
    st.integers(1, 3),  # batch
    st.integers(1, 12),  # height
    st.integers(1, 12),  # width
    st.integers(1, 300),  # kernels
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, 1.0, -1.0]),
)


@st.composite
def activations(draw):
    shape = draw(shapes)
    fill = draw(values)
    array = np.full(shape, fill, np.float32)
    noise = draw(hnp.arrays(np.float32, shape, elements=values))
    use_noise = draw(st.booleans())
    return noise if use_noise else array


options = st.fixed_dictionaries(
    {},
    optional={
        "normalize": st.sampled_from(["kernel", "layer", (-1.0, 1.0)]),
        "padding": st.integers(0, 3),
        "aspect": st.floats(0.25, 4.0),
        "max_pixels": st.integers(1, 20_000),
        "max_kernels": st.integers(1, 400),
    },
)


@settings(max_examples=150, deadline=None)
@given(activations(), options)
def test_every_pixel_is_finite_uint8_and_maps_back_to_its_kernel(data, opts):
    mosaic, layout = tile(data, **opts)
    assert mosaic.dtype == np.uint8 and mosaic.shape == (layout.height, layout.width)
    assert layout.rows * layout.cols >= len(layout.kernels) > (layout.rows - 1) * layout.cols
    for kernel in layout.kernels:
        y0, x0, y1, x1 = layout.tile_box(kernel)
        assert 0 <= y0 < y1 <= layout.height and 0 <= x0 < x1 <= layout.width
        assert layout.kernel_at(y0, x0) == kernel and layout.kernel_at(y1 - 1, x1 - 1) == kernel
    stats = layout.sources[0].stats
    assert all(np.isfinite(getattr(stats, key)).all() for key in ("min", "max", "mean", "zero_fraction"))


@settings(max_examples=100, deadline=None)
@given(activations(), activations(), options)
def test_step_info_of_any_mosaic_is_json_that_parses(a, b, opts):
    _, layout = tile([a, b], **opts)
    blob = metadata.encode_step_info(layout)
    json.loads(blob)  # strict JSON: no NaN or Infinity tokens
    info = metadata.parse_step_info(blob)
    assert len(info["kernels"]) == len(layout.kernels)
    for source in info["sources"]:
        assert len(source["stats"]["min"]) == len(
            [k for k in layout.kernels if k < source["kernel_count"]]
        )
