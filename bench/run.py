"""python bench/run.py [--quick] [--json PATH] [--only GROUP ...]: run the benchmarks, print a table, write JSON.

Every timed figure is a ratio of two things measured alternately in one run
(see bench/timing.py), or of a part of some work to the whole (the fit time
spent inside the callback), so a noisy shared machine affects both sides alike;
the tab's two absolute times (the issue defines them so) come with a ratio
to TensorBoard's own Images pages measured alongside. Groups: logging (what
logging costs, on Keras' TensorFlow backend; the log call also on JAX and
PyTorch, each in a subprocess; the PyTorch ConvcamLogger in a plain loop), serving (routes vs the Images plugin,
TensorBoard's memory, bytes on disk), tab (headless Chromium, on the bench
logdir and on a sweep of 150 one-kernel runs). Targets are
from the benchmark issue; BENCHMARKS.md holds the latest figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The in-process logging figures (and tf-explain) are TensorFlow's; other backends get a subprocess each.
os.environ["KERAS_BACKEND"] = "tensorflow"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import bench_logdir  # noqa: E402

GROUPS = ("logging", "serving", "tab")
LOADERS = {"python": False, "load_fast": True}  # name -> --load_fast
OTHER_BACKENDS = ("jax", "torch")  # Keras backends whose log call is also measured (no target; recorded)

TARGETS = {
    "mosaic_vs_png_floor": 1.3,
    "mosaic_vs_tf_explain": 1.0,
    "log_call_vs_limit": 1.3,
    "fit_overhead_every100": 1.02,
    "torch_log_call_vs_limit": 1.3,
    "torch_fit_overhead_every100": 1.02,
    "route_vs_images_plugin": 1.1,
    "tab_first_paint_ms": 1500,
    "scrub_p50_ms": 50,
}


def logging_group(quick: bool) -> tuple[dict, dict]:
    from bench import logging_cost, torch_cost

    repeats = 7 if quick else 25
    log_repeats = 40 if quick else 100  # calls of 20-40 ms (PyTorch's up to 0.4 s): more of them, steadier medians
    shapes = logging_cost.mosaic_ratios(repeats)
    log_call = logging_cost.log_call_ratio(log_repeats)
    other_backends = {backend: logging_cost.log_call_in_subprocess(backend, log_repeats) for backend in OTHER_BACKENDS}
    fit = logging_cost.fit_overhead(steps=200 if quick else 250, repeats=2 if quick else 10)
    in_callback = 1 + fit["inside_share"]
    demo_bytes = logging_cost.bytes_per_mosaic()
    torch_log_call = torch_cost.log_call_ratio(log_repeats)
    torch_fit = torch_cost.fit_overhead(steps=200 if quick else 250, repeats=2 if quick else 10)
    torch_in_step = 1 + torch_fit["inside_share"]
    figures = {
        "mosaic_vs_png_floor": max(row["vs_png_floor"] for row in shapes.values()),
        "mosaic_vs_tf_explain": max(row["vs_tf_explain"] for row in shapes.values()),
        "log_call_vs_limit": log_call["ratio"],
        "log_call_cpu_vs_limit": log_call["cpu_ratio"],  # recorded: the CPU the spare cores hide
        **{f"log_call_vs_limit_{backend}": row["ratio"] for backend, row in other_backends.items()},
        # Held against the target: two pairs of fits (--quick) cannot resolve 2 % of fit-to-fit
        # noise, the share of the same fits spent in the callback can; ten pairs' median can.
        "fit_overhead_every100": in_callback if quick else fit["ratio"],
        "fit_overhead_paired": fit["ratio"],
        "fit_overhead_in_callback": in_callback,
        "demo_bytes_per_mosaic": demo_bytes["bytes_per_mosaic"],
        # The PyTorch ConvcamLogger in a plain loop (demo.torch's model), held the same way.
        "torch_log_call_vs_limit": torch_log_call["ratio"],
        "torch_log_call_cpu_vs_limit": torch_log_call["cpu_ratio"],
        "torch_fit_overhead_every100": torch_in_step if quick else torch_fit["ratio"],
        "torch_fit_overhead_paired": torch_fit["ratio"],
        "torch_fit_overhead_in_step": torch_in_step,
    }
    details = {"shapes": shapes, "log_call": log_call, "fit": fit, "demo_tags": demo_bytes["tags"],
               "torch_log_call": {"backend": "ConvcamLogger (PyTorch)", **torch_log_call}, "torch_fit": torch_fit}
    details.update({f"log_call_{backend}": row for backend, row in other_backends.items()})
    return figures, details


def serving_group(quick: bool, logdir: Path, shape: bench_logdir.LogdirShape) -> tuple[dict, dict]:
    from bench import serving

    details = {name: serving.serving_figures(logdir, shape, 30 if quick else 100, load_fast) for name, load_fast in LOADERS.items()}
    figures = {
        "route_vs_images_plugin": max(loader["fetch_ratio"] for loader in details.values()),
        "tb_rss_mb": details["python"]["rss_mb_total"],
        "tb_rss_mb_load_fast": details["load_fast"]["rss_mb_total"],
        "tb_rss_kb_per_kept_mosaic": details["python"]["rss_kb_per_kept_mosaic"],
        "tb_rss_kb_per_kept_mosaic_load_fast": details["load_fast"]["rss_kb_per_kept_mosaic"],
        **bench_logdir.bytes_per_mosaic(logdir),
    }
    return figures, details


def tab_group(quick: bool, logdir: Path, shape: bench_logdir.LogdirShape) -> tuple[dict, dict]:
    """The tab on the bench logdir, then on a sweep of 150 one-kernel runs (bench/sweep_logdir.py) as it opens there."""
    from bench import sweep_logdir, tab_speed
    from harness.tensorboard import tensorboard, wait_loaded

    loads, moves = (3, 25) if quick else (7, 100)
    with tensorboard(logdir, load_fast=False) as server:
        wait_loaded(server, shape.runs, shape.steps - 1)
        details = tab_speed.tab_figures(server, loads=loads, moves=moves)
    with tempfile.TemporaryDirectory(prefix="tb_convcam_bench_sweep_") as folder:
        sweep_root = sweep_logdir.write_sweep_logdir(Path(folder))
        with tensorboard(sweep_root, load_fast=False) as server:
            wait_loaded(server, sweep_logdir.RUN_COUNT, sweep_logdir.SWEEP_STEPS - 1)
            # More than 40 runs: TensorBoard ticks none, so the Images page gets the tab's four ticked.
            sweep = tab_speed.tab_figures(server, loads=loads, moves=moves, tick_runs=sweep_logdir.run_names()[:4])
    figures = {
        "tab_first_paint_ms": details["open_convcam_first_ms"],
        "tab_first_paint_vs_images": details["open_convcam_vs_images"],
        "scrub_p50_ms": details["scrub_jump_p50_ms"],
        "scrub_vs_plain_fetch": details["scrub_jump_vs_plain_fetch"],
        "sweep_tab_first_paint_ms": sweep["open_convcam_first_ms"],
        "sweep_tab_first_paint_vs_images": sweep["open_convcam_vs_images"],
        "sweep_scrub_p50_ms": sweep["scrub_jump_p50_ms"],
        "sweep_scrub_vs_plain_fetch": sweep["scrub_jump_vs_plain_fetch"],
    }
    return figures, {**details, **{f"sweep_{name}": value for name, value in sweep.items()}}


def run(quick: bool, groups: list[str], logdir_root: Path, json_path: str | None = None) -> dict:
    """Run `groups`; print each group's figures as it ends and, with `json_path`, write the result so far."""
    figures, details = {}, {}
    shape = bench_logdir.LogdirShape()
    # Settled before any group runs, so a logdir that is not ours stops the bench before minutes of work.
    logdir = bench_logdir.ensure_logdir(shape, logdir_root) if set(groups) - {"logging"} else None
    for group in groups:
        started = time.monotonic()
        if group == "logging":
            group_figures, details[group] = logging_group(quick)
        else:
            make = serving_group if group == "serving" else tab_group
            group_figures, details[group] = make(quick, logdir, shape)
        figures.update(group_figures)
        print(f"\n== {group} done in {time.monotonic() - started:.0f} s ==", flush=True)
        print_table(result_of(figures=group_figures, details={group: details[group]}, quick=quick, groups=[group]))
        if json_path:  # the groups done so far survive a later failure; the final write replaces it
            write_json(json_path, {**result_of(figures, details, quick, groups), "groups_done": list(details)})
        print(flush=True)
    return result_of(figures, details, quick, groups)


def result_of(figures: dict, details: dict, quick: bool, groups: list[str]) -> dict:
    return {
        "figures": figures,
        "targets": {name: target for name, target in TARGETS.items() if name in figures},
        "details": details,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "quick": quick,
        "groups": groups,
    }


def write_json(path: str, result: dict) -> None:
    with open(path, "w") as out:
        json.dump(result, out, indent=2)


def print_table(result: dict) -> None:
    print(f"{'figure':36} {'value':>10} {'target':>8}  ok")
    for name, value in result["figures"].items():
        target = result["targets"].get(name)
        verdict = "" if target is None else ("yes" if value <= target else "NO")
        print(f"{name:36} {value:10.3f} {target if target is not None else '':>8}  {verdict}")
    if "logging" in result["details"]:
        print("\nper shape (ms):")
        for shape, row in result["details"]["logging"]["shapes"].items():
            print(f"  {shape:24} convcam {row['convcam_ms']:7.2f}  png {row['png_floor_ms']:7.2f}  "
                  f"tf-explain {row['tf_explain_ms']:7.2f}  -> {row['vs_png_floor']:.2f}x floor, "
                  f"{row['vs_tf_explain']:.2f}x tf-explain")
        print("\nlog call (ms, call / limit):")
        for name, row in result["details"]["logging"].items():
            if name.startswith(("log_call", "torch_log_call")):
                print(f"  {row['backend']:24} {row['log_call_ms']:7.2f} / {row['limit_ms']:7.2f} = {row['ratio']:.3f}")
        fit = result["details"]["logging"]["fit"]
        print(f"\nfit (s, with / without the callback): {fit['with_s']:.2f} / {fit['without_s']:.2f}; pair ratios "
              + ", ".join(f"{ratio:.3f}" for ratio in fit["pair_ratios"])
              + f"; {fit['inside_s']:.3f} s inside the callback's hooks in all fits with it")
        fit = result["details"]["logging"]["torch_fit"]
        print(f"PyTorch loop (s, with / without the logger): {fit['with_s']:.2f} / {fit['without_s']:.2f}; "
              "pair ratios " + ", ".join(f"{ratio:.3f}" for ratio in fit["pair_ratios"])
              + f"; {fit['inside_s']:.3f} s inside step() in all loops with it")
    for loader, row in result["details"].get("serving", {}).items():
        print(f"\nserving, {loader} loader (ms, convcam / images = ratio; loaded in {row['load_s']:.0f} s):")
        for pair in ("fetch", "frame", "listing_and_fetch"):
            print(f"  {pair:18} {row[pair + '_convcam_ms']:7.2f} / {row[pair + '_images_ms']:7.2f} = {row[pair + '_ratio']:.2f}")
        print("  rss MB: " + ", ".join(f"{name} {mb:.0f}" for name, mb in row["rss_mb"].items())
              + f"; {row['rss_mb_keeping_one_step']:.0f} keeping one step per tag"
              + f"; {row['rss_kb_per_kept_mosaic']:.1f} KB per kept mosaic")
    if "tab" in result["details"]:
        print("\ntab (ms):")
        for name, value in result["details"]["tab"].items():
            print(f"  {name:36} {value:9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under 10 minutes on 2 cores)")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS), help="run only these groups")
    parser.add_argument("--logdir", type=Path, default=bench_logdir.DEFAULT_CACHE,
                        help="where the 10 runs x 6 layers x 500 steps logdir is cached (written if missing or stale; see bench/bench_logdir.py for when it is reused)")
    args = parser.parse_args()
    try:
        result = run(args.quick, [group for group in GROUPS if group in args.only], args.logdir, args.json)
    except bench_logdir.NotOurLogdir as error:
        sys.exit(f"bench/run.py: {error}")
    print("== all groups ==")
    print_table(result)
    if args.json:
        write_json(args.json, result)


if __name__ == "__main__":
    main()
