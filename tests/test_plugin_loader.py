"""Loading the plugin: entry point, sampling default, and no TensorFlow."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

from tensorboard import program
from tensorboard.plugins.core import core_plugin

from tb_convcam.plugin.loader import DEFAULT_SAMPLES_PER_TAG, ConvcamLoader


def configured_flags(*args: str):
    board = program.TensorBoard(plugins=[core_plugin.CorePluginLoader(), ConvcamLoader()])
    board.configure(argv=["tensorboard", "--logdir", "/tmp/unused", *args])
    return board.flags


def test_the_package_registers_the_loader_as_a_tensorboard_plugin():
    entry_points = importlib.metadata.entry_points(group="tensorboard_plugins")

    assert [ep.load() for ep in entry_points if ep.name == "convcam"] == [ConvcamLoader]


def test_convcam_keeps_more_steps_than_tensorboards_default_for_unknown_plugins():
    samples = configured_flags().samples_per_plugin

    assert samples["convcam"] == DEFAULT_SAMPLES_PER_TAG > 10
    assert set(samples) == {"convcam"}  # other plugins keep their defaults


def test_an_explicit_samples_per_plugin_for_convcam_wins():
    assert configured_flags("--samples_per_plugin", "images=3,convcam=7").samples_per_plugin == {
        "images": 3,
        "convcam": 7,
    }
    assert configured_flags("--samples_per_plugin", "convcam=0").samples_per_plugin == {"convcam": 0}


def test_importing_and_loading_the_plugin_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from tensorboard.plugins import base_plugin\n"
        "from tb_convcam.plugin.loader import ConvcamLoader\n"
        "plugin = ConvcamLoader().load(base_plugin.TBContext(data_provider=None))\n"
        "plugin.get_plugin_apps()\n"
        "assert 'tensorflow' not in sys.modules, sorted(m for m in sys.modules if m.startswith('tensorflow'))\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
