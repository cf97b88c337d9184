"""The Convcam tab: a TensorBoard plugin that serves convcam mosaics to the browser.

`loader.ConvcamLoader` is the `tensorboard_plugins` entry point. Nothing here
imports TensorFlow: TensorBoard runs without it and starts faster without it.
"""
