"""Shared test set-up: quiet TensorFlow, and a reader that goes through TensorBoard itself."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
