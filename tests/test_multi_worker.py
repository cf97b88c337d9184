"""MultiWorkerMirroredStrategy with two real worker processes on 127.0.0.1: only the chief writes."""

import json
import os
import subprocess
import sys

from event_files import written_steps

from harness.tensorboard import free_ports

TESTS = os.path.dirname(__file__)

# Keras 3's model.fit fails under MultiWorkerMirroredStrategy before any callback runs
# (keras-team/keras#20585), so the workers train in a custom loop that drives the
# callback through keras.callbacks.CallbackList, as custom loops do.
WORKER = """
import sys
sys.path.insert(0, {tests!r})
import keras
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()
from keras_models import dual_model, training_data
from tb_convcam import ConvcamCallback

with strategy.scope():
    model = dual_model()
    model.optimizer.build(model.trainable_variables)
images, labels = training_data(32)
batches = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensor_slices((images, labels)).batch(4, drop_remainder=True))
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")

@tf.function
def train_step(batch):
    def replica_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True)) / 8.0
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    strategy.run(replica_step, args=batch)

convcam = ConvcamCallback({log_dir!r}, {{"dual": ("xa/conv1", "xb/conv1")}}, probe=images[:1], every_n_steps=2)
callbacks = keras.callbacks.CallbackList([convcam], model=model)
callbacks.on_train_begin()
for index, batch in enumerate(batches):
    train_step(batch)
    callbacks.on_train_batch_end(index)
callbacks.on_train_end()
print("worker done at step", int(model.optimizer.iterations.numpy()))
"""


def test_only_the_chief_writes_each_logged_step_once(tmp_path):
    log_dir = tmp_path / "run"
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=TESTS, log_dir=str(log_dir)))
    workers = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        workers.append(subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]
        assert "worker done at step 8" in output
    event_files = [name for name in os.listdir(log_dir) if "tfevents" in name]
    assert len(event_files) == 1, f"one writer (the chief), got {event_files}"
    assert written_steps(log_dir, "dual") == [0, 2, 4, 6, 8]
