"""The plugin in-process: TensorBoard's own WSGI app and Python data provider, without a server.

A support module for the route tests (the real `tensorboard` process is
plugin_support.tensorboard_server).
"""

from __future__ import annotations

from pathlib import Path

from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug import test as werkzeug_test

from tb_convcam import metadata
from tb_convcam.plugin.plugin import ConvcamPlugin


def make_client(logdir: Path, samples: int = 0) -> werkzeug_test.Client:
    """A test client over TensorBoard's WSGI app with only the convcam plugin (0 = keep all steps)."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={metadata.PLUGIN_NAME: samples})
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    return client_over(multiplexer, logdir)


def client_over(multiplexer: plugin_event_multiplexer.EventMultiplexer, logdir: Path) -> werkzeug_test.Client:
    """A test client serving what `multiplexer` holds; reload it to show new events."""
    context = base_plugin.TBContext(
        data_provider=data_provider.MultiplexerDataProvider(multiplexer, str(logdir)), logdir=str(logdir)
    )
    return werkzeug_test.Client(application.TensorBoardWSGI([ConvcamPlugin(context)]))
