"""Serving one mosaic: the convcam routes against the stock Images plugin, same PNG, same server.

The bench logdir writes every mosaic also under `<layer>/image`, so both
plugins hold byte-identical PNGs (checked). For each loader one `tensorboard`
serves the logdir with default flags. Once every run is loaded its resident
memory is read; a second `tensorboard` keeping one convcam step per tag gives
the memory without our data, hence the cost of each kept step. Three pairs
are timed alternately (a new connection per request, like a cold browser
fetch), cycling over the steps both plugins kept:

- fetch: the PNG alone, its URL known: convcam `mosaic?<key>` (the key that
  `steps` lists for the step) vs Images `individualImage?<query>` (the query
  that `images` lists). -> route_vs_images_plugin
- frame: what the tab fetches to draw a step (`frame?<key>`: step info and
  PNG in one body) vs the PNG.
- listing_and_fetch: a run's step list, then the PNG: convcam `steps` (200
  kept steps) + `mosaic` vs Images `images` (10 kept) + `individualImage`.
"""

from __future__ import annotations

import itertools
import urllib.parse
from pathlib import Path

from bench.bench_logdir import LogdirShape
from harness.tensorboard import PLUGIN_ROUTES, Server, fetch_json, get, tensorboard, wait_loaded
from bench.timing import alternate
from tb_convcam.plugin.loader import DEFAULT_SAMPLES_PER_TAG

RUN = "run05"
LAYER = "block0/conv"  # the largest layer of the bench logdir


def serving_figures(logdir: Path, shape: LogdirShape, repeats: int, load_fast: bool) -> dict[str, float]:
    with tensorboard(logdir, load_fast=load_fast) as server:
        load_s = wait_loaded(server, shape.runs, shape.steps - 1)
        rss = server.rss_mb()
        routes = route_ratios(server, repeats)
    one_kept = rss_keeping_one_step(logdir, shape, load_fast)
    kept_default = shape.runs * shape.layers * min(shape.steps, DEFAULT_SAMPLES_PER_TAG)
    return {
        "load_s": load_s,
        "rss_mb_total": sum(rss.values()),
        "rss_mb": rss,
        "rss_mb_keeping_one_step": one_kept,
        "rss_kb_per_kept_mosaic": (sum(rss.values()) - one_kept) * 1024 / (kept_default - shape.runs * shape.layers),
        **routes,
    }


def rss_keeping_one_step(logdir: Path, shape: LogdirShape, load_fast: bool) -> float:
    """TensorBoard's MB over the same logdir with `--samples_per_plugin convcam=1`: its size without our data."""
    with tensorboard(logdir, load_fast=load_fast, extra_args=["--samples_per_plugin", "convcam=1"]) as server:
        wait_loaded(server, shape.runs, shape.steps - 1)
        return sum(server.rss_mb().values())


def route_ratios(server: Server, repeats: int) -> dict[str, float]:
    convcam = f"{server.base_url}{PLUGIN_ROUTES}"
    images = f"{server.base_url}/data/plugin/images"
    steps_url = f"{convcam}/steps?" + urllib.parse.urlencode({"run": RUN, "layer": LAYER})
    listing_url = f"{images}/images?" + urllib.parse.urlencode({"run": RUN, "tag": f"{LAYER}/image", "sample": 0})
    convcam_keys = {entry["step"]: entry["key"] for entry in fetch_json(steps_url)["steps"]}
    image_queries = {entry["step"]: entry["query"] for entry in fetch_json(listing_url)}
    common = sorted(set(convcam_keys) & set(image_queries))
    if not common:
        raise RuntimeError("the two plugins kept no step in common")
    for step in common:
        if get(f"{convcam}/mosaic?{convcam_keys[step]}") != get(f"{images}/individualImage?{image_queries[step]}"):
            raise RuntimeError(f"step {step}: the two plugins serve different PNGs")

    def cycling(fetch):
        steps = itertools.cycle(common)
        return lambda: fetch(next(steps))

    mosaic = lambda step: get(f"{convcam}/mosaic?{convcam_keys[step]}")
    image = lambda step: get(f"{images}/individualImage?{image_queries[step]}")
    frame = lambda step: get(f"{convcam}/frame?{convcam_keys[step]}")
    listed_mosaic = lambda step: (get(steps_url), mosaic(step))
    listed_image = lambda step: (get(listing_url), image(step))

    figures = {"common_steps": len(common), "png_bytes": len(image(common[0]))}
    for name, ours, theirs in (
        ("fetch", mosaic, image),
        ("frame", frame, image),
        ("listing_and_fetch", listed_mosaic, listed_image),
    ):
        convcam_s, images_s = alternate(cycling(ours), cycling(theirs), repeats)
        figures.update({f"{name}_convcam_ms": convcam_s * 1e3, f"{name}_images_ms": images_s * 1e3, f"{name}_ratio": convcam_s / images_s})
    return figures
