"""`python health_run.py LOG_DIR` with KERAS_BACKEND set: fit keras_models.known_health_model for
4 steps with a ConvcamCallback logging its three layers every 2 steps, on that Keras backend."""

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS)

import keras  # noqa: E402
from keras_models import known_health_model, training_data  # noqa: E402

from tb_convcam import ConvcamCallback  # noqa: E402

keras.utils.set_random_seed(0)
images, labels = training_data(8)
model = known_health_model()
convcam = ConvcamCallback(sys.argv[1], ["grey", "zero", "learn"], probe=images[:2], every_n_steps=2)
model.fit(images, labels, batch_size=2, epochs=1, verbose=0, callbacks=[convcam])
assert convcam.skipped_steps == [], convcam.skipped_steps
