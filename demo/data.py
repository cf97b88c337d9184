"""Synthetic labelled images made on the fly: no downloads.

Four classes of coloured shapes on a noisy background (disc, square outline,
stripes, cross) at random positions, sizes and colours: easy enough to learn
in a minute on a CPU, structured enough that learned features show up in the
mosaics as edges, blobs and stripes.
"""

from __future__ import annotations

import numpy as np

CLASSES = ("disc", "square", "stripes", "cross")


def make_images(count: int, size: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` float32 images `[count, size, size, 3]` in 0..1 and int labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CLASSES), count)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = rng.uniform(0.3, 0.7, (count, 2)) * size
    radius = rng.uniform(0.12, 0.25, count) * size
    dy = yy[None] - centre[:, 0, None, None]
    dx = xx[None] - centre[:, 1, None, None]
    r = radius[:, None, None]
    period = rng.uniform(5, 9, count)[:, None, None]
    masks = {
        0: dy**2 + dx**2 <= r**2,
        1: (np.maximum(abs(dy), abs(dx)) <= r) & (np.maximum(abs(dy), abs(dx)) >= 0.7 * r),
        2: (np.sin((yy[None] + xx[None]) * 2 * np.pi / period) > 0.3) & (dy**2 + dx**2 <= (1.5 * r) ** 2),
        3: ((abs(dy) <= 0.2 * r) | (abs(dx) <= 0.2 * r)) & (np.maximum(abs(dy), abs(dx)) <= r),
    }
    shape = np.zeros((count, size, size), bool)
    for label, mask in masks.items():
        shape[labels == label] = mask[labels == label]
    colour = rng.uniform(0.5, 1.0, (count, 1, 1, 3)).astype(np.float32)
    background = rng.uniform(0.0, 0.25, (count, 1, 1, 3)).astype(np.float32)
    noise = rng.normal(0, 0.05, (count, size, size, 3)).astype(np.float32)
    images = np.where(shape[..., None], colour, background) + noise
    return np.clip(images, 0, 1).astype(np.float32), labels.astype(np.int32)
