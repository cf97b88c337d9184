"""Entry point: registers the Convcam tab and raises its sampling default."""

from __future__ import annotations

import argparse

from tensorboard.plugins import base_plugin

from tb_convcam import metadata

# Steps kept per run and layer when the user does not say otherwise.
# TensorBoard keeps 10 for plugins it does not know: too few to scrub through
# training. Measured (docs/PLUGIN.md): TensorBoard's memory grows by about
# 1.0x (RustBoard) to 1.3x (Python loader) the PNG bytes it keeps, so 200
# steps of a typical 150 KB mosaic cost 30-40 MB per run and layer.
DEFAULT_SAMPLES_PER_TAG = 200


class ConvcamLoader(base_plugin.TBLoader):
    """Loads `ConvcamPlugin`; keeps a user's `--samples_per_plugin convcam=N`."""

    def fix_flags(self, flags: argparse.Namespace) -> None:
        samples = getattr(flags, "samples_per_plugin", None)
        if isinstance(samples, dict):
            samples.setdefault(metadata.PLUGIN_NAME, DEFAULT_SAMPLES_PER_TAG)

    def load(self, context: base_plugin.TBContext) -> base_plugin.TBPlugin:
        from tb_convcam.plugin.plugin import ConvcamPlugin

        return ConvcamPlugin(context)
