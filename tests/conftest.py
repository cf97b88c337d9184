"""Shared test set-up: quiet TensorFlow; reproducible property tests in CI."""

import os

from hypothesis import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Locally hypothesis explores new examples on every run; CI replays a fixed
# set, so a landing never hinges on what a random search happened to find.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
