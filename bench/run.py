"""python bench/run.py [--quick] [--json PATH]: run the benchmarks, print a table, write JSON.

Every figure is a ratio of two things measured alternately in one run (see
bench/timing.py), so a noisy shared machine affects both sides alike.
Targets are from the benchmark issue; BENCHMARKS.md holds the latest figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import logging_cost  # noqa: E402

TARGETS = {
    "mosaic_vs_png_floor": 1.3,
    "mosaic_vs_tf_explain": 1.0,
    "log_call_vs_limit": 1.3,
    "fit_overhead_every100": 1.02,
}


def run(quick: bool) -> dict:
    repeats = 7 if quick else 25
    shapes = logging_cost.mosaic_ratios(repeats)
    log_call = logging_cost.log_call_ratio(repeats)
    fit = logging_cost.fit_overhead(steps=200 if quick else 500, repeats=2 if quick else 4)
    figures = {
        "mosaic_vs_png_floor": max(row["vs_png_floor"] for row in shapes.values()),
        "mosaic_vs_tf_explain": max(row["vs_tf_explain"] for row in shapes.values()),
        "log_call_vs_limit": log_call["ratio"],
        "fit_overhead_every100": fit["ratio"],
        **logging_cost.bytes_per_mosaic(),
    }
    return {
        "figures": figures,
        "targets": TARGETS,
        "details": {"shapes": shapes, "log_call": log_call, "fit": fit},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "quick": quick,
    }


def print_table(result: dict) -> None:
    print(f"{'figure':28} {'value':>10} {'target':>8}  ok")
    for name, value in result["figures"].items():
        target = result["targets"].get(name)
        verdict = "" if target is None else ("yes" if value <= target else "NO")
        print(f"{name:28} {value:10.3f} {target if target is not None else '':>8}  {verdict}")
    print("\nper shape (ms):")
    for shape, row in result["details"]["shapes"].items():
        print(f"  {shape:24} convcam {row['convcam_ms']:7.2f}  png {row['png_floor_ms']:7.2f}  "
              f"tf-explain {row['tf_explain_ms']:7.2f}  -> {row['vs_png_floor']:.2f}x floor, "
              f"{row['vs_tf_explain']:.2f}x tf-explain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under 10 minutes on 2 cores)")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args()
    result = run(args.quick)
    print_table(result)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
