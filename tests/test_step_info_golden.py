"""The step-info format, pinned by one golden file that Python and the browser both check.

tests/golden/step_info.json holds a few layouts (padding, a shrunk kernel subset, two
merged sources, "kernels": null, per-kernel health): each one's step info exactly as
`metadata.encode_step_info` writes it, and what `tb_convcam.mosaic.Layout` says about that
mosaic: the kernels shown, each tile's box (`Layout.tile_box`), the kernel at every pixel
(`Layout.kernel_at`), the per-kernel stats and health (echo, change; null in version-1 cases). This test checks that the file is what the Python code produces now and
that `metadata.parse_step_info` reads it back; tests/js/stepinfo.test.mjs checks that the
browser's reader (tb_convcam/plugin/static/stepinfo.js: `decodeInfo`, `tileBox`, `slotAt`)
gives the same. After a deliberate change to the format or the geometry, rewrite the file with

    .venv/bin/python tests/test_step_info_golden.py

and check that both tests pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import tb_convcam
from tb_convcam import metadata

GOLDEN = Path(__file__).with_name("golden") / "step_info.json"
ABOUT = (
    "Written by tests/test_step_info_golden.py from tb_convcam.tile and metadata.encode_step_info; "
    "do not edit by hand. Per case: step_info, the JSON exactly as logged; kernels, the kernels shown "
    "in tile order; tiles, per slot [kernel, y0, x0, y1, x1] (Layout.tile_box, end exclusive); "
    "kernel_at, per pixel row y the kernel at each x (Layout.kernel_at, null on separators and empty "
    "cells); outside, [y, x] probes just off the mosaic (kernel_at is null); stats, per source the "
    "decoded per-kernel stats; health, per source the decoded per-kernel echo and change, or null."
)


def _integers(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Whole-number activations: their stats are exact sums, the same on every machine."""
    return rng.integers(-3, 10, size=shape).astype(np.float32)


Health = list[dict[str, np.ndarray]]


def golden_layouts() -> list[tuple[str, tb_convcam.mosaic.Layout, Health | None]]:
    rng = np.random.default_rng(11)
    subset = _integers(rng, (1, 5, 7, 10))
    batch = _integers(rng, (2, 4, 6, 5))
    first = _integers(rng, (1, 6, 5, 7))
    first[0, 0, 0, 2] = np.nan  # one non-finite value, left out of that kernel's stats
    second = _integers(rng, (1, 3, 4, 4))
    cases = [
        # 7 of 10 kernels (so "kernels" is a list), 1-pixel separators, tiles shrunk 2x.
        ("subset_padded_downscaled", tb_convcam.tile(subset, padding=1, max_kernels=7, max_pixels=84)),
        # Every kernel ("kernels": null), no separators, an empty cell, the second batch item.
        ("all_kernels_unpadded", tb_convcam.tile(batch, padding=0, normalize="layer", batch_index=1)),
        # Two merged sources of different sizes and kernel counts, 2-pixel separators.
        (
            "merged_two_sources",
            tb_convcam.tile([first, second], padding=2, normalize=(-1.0, 4.0), source_names=["xa/conv3", "xb/conv3"]),
        ),
    ]
    result: list[tuple[str, tb_convcam.mosaic.Layout, Health | None]] = [
        (name, layout, None) for name, (_, layout) in cases
    ]
    # Version 2: per-kernel health of two merged sources, 5 of 9 kernels shown, the second
    # source short of the last shown kernels (its arrays are as short as its stats).
    _, merged = tb_convcam.tile([_integers(rng, (1, 4, 4, 9)), _integers(rng, (1, 4, 4, 3))], max_kernels=5,
                                source_names=["xa/conv4", "xb/conv4"])
    health = [_shown_health(merged, source.kernel_count, seed) for seed, source in enumerate(merged.sources)]
    result.append(("merged_with_health", merged, health))
    return result


def _shown_health(layout: tb_convcam.mosaic.Layout, kernel_count: int, seed: int) -> dict[str, np.ndarray]:
    """Echo and change of the shown kernels a source has: eighths and quarters, exact in float32."""
    kernels = [kernel for kernel in layout.kernels if kernel < kernel_count]
    return {
        "echo": np.array([(kernel + seed) % 9 / 8 for kernel in kernels], np.float32),
        "change": np.array([(kernel * 3 + seed) % 7 / 4 for kernel in kernels], np.float32),
    }


def golden_case(name: str, layout: tb_convcam.mosaic.Layout, health: Health | None) -> dict[str, Any]:
    height, width = layout.height, layout.width
    outside = [[-1, 0], [0, -1], [height, 0], [0, width], [height - 1, width], [height, width - 1], [-1, -1]]
    return {
        "name": name,
        "step_info": metadata.encode_step_info(layout, health).decode("utf-8"),
        "kernels": list(layout.kernels),
        "tiles": [[kernel, *layout.tile_box(kernel)] for kernel in layout.kernels],
        "kernel_at": [[layout.kernel_at(y, x) for x in range(width)] for y in range(height)],
        "outside": outside,
        "stats": [
            {
                "name": source.name,
                **{key: [_number(v) for v in getattr(source.stats, key)] for key in metadata.STAT_DTYPES},
            }
            for source in layout.sources
        ],
        "health": [
            None if health is None else {key: [_number(v) for v in health[index][key]] for key in metadata.HEALTH_DTYPES}
            for index in range(len(layout.sources))
        ],
    }


def _number(value: Any) -> float | int:
    """A stat as JSON: float32 values widen exactly to float, counts stay ints."""
    return int(value) if np.issubdtype(type(value), np.integer) else float(np.float32(value))


def golden_text() -> str:
    golden = {"about": ABOUT, "cases": [golden_case(*case) for case in golden_layouts()]}
    return _dump(golden) + "\n"


def _dump(value: Any, indent: str = "") -> str:
    """JSON with one line per list of plain values (a pixel row, a tile), so diffs stay readable."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(key)}: {_dump(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return "[\n" + ",\n".join(inner + _dump(item, inner) for item in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False)


def _cases() -> list[dict[str, Any]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]


def test_the_golden_file_is_what_the_writer_and_layout_produce_now():
    assert GOLDEN.read_text(encoding="utf-8") == golden_text(), (
        "the step-info format or the mosaic geometry changed: rewrite the golden file with "
        "`.venv/bin/python tests/test_step_info_golden.py`, then make tests/js (the tab's reader) pass"
    )


def test_the_golden_file_covers_padding_subsets_null_kernels_merged_sources_and_health():
    infos = [json.loads(case["step_info"]) for case in _cases()]

    assert any(info["padding"] > 0 for info in infos)
    assert any(info["padding"] == 0 for info in infos)
    assert any(isinstance(info["kernels"], list) and len(info["kernels"]) < info["kernel_count"] for info in infos)
    assert any(info["kernels"] is None for info in infos)
    assert any(len(info["sources"]) == 2 for info in infos)
    assert any(info["downscale"] > 1 for info in infos)
    assert any(info["rows"] * info["cols"] > len(case["kernels"]) for info, case in zip(infos, _cases()))
    assert any("health" not in info["sources"][0] for info in infos)
    assert any(all("health" in source for source in info["sources"]) and len(info["sources"]) == 2 for info in infos)


def test_parse_step_info_reads_the_golden_step_info():
    for case in _cases():
        info = metadata.parse_step_info(case["step_info"].encode("utf-8"))

        assert info["kernels"] == case["kernels"] == metadata.shown_kernels(json.loads(case["step_info"])), case["name"]
        assert [source["name"] for source in info["sources"]] == [source["name"] for source in case["stats"]]
        for source, expected in zip(info["sources"], case["stats"]):
            for key, dtype in metadata.STAT_DTYPES.items():
                assert source["stats"][key].dtype == np.dtype(dtype)
                np.testing.assert_array_equal(source["stats"][key], np.array(expected[key], dtype=dtype))
        for source, expected in zip(info["sources"], case["health"]):
            if expected is None:
                assert "health" not in source
                continue
            for key, dtype in metadata.HEALTH_DTYPES.items():
                assert source["health"][key].dtype == np.dtype(dtype)
                np.testing.assert_array_equal(source["health"][key], np.array(expected[key], dtype=dtype))


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(golden_text(), encoding="utf-8")
    print(f"wrote {GOLDEN}")
