"""Pruning under tf.distribute.MirroredStrategy on two logical CPU devices.

Logical devices must be configured before TensorFlow initializes its
runtime, so the training runs in a fresh subprocess.
"""

import json
import subprocess
import sys
import textwrap

from child_env import child_env

_SCRIPT = textwrap.dedent(
    """
    import json, os
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import tf_keras
    from tflite_sparse import models, pruning

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
        pruned = pruning.prune(model, 0.8, begin_step=0, end_step=8, frequency=2, block=4)
        pruned.compile(optimizer=tf_keras.optimizers.Adam(1e-3),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12 * 16, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 10, 12 * 16)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    history = pruned.fit(data, epochs=1, verbose=0, callbacks=pruning.callbacks())
    stripped = pruning.strip(pruned)
    rows = pruning.report(pruned)
    kernel = stripped.get_layer("conv_pw_7").get_weights()[0]
    blocks = pruning.output_channel_blocks(kernel == 0, 4)
    print("RESULT " + json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "loss": history.history["loss"][-1],
        "sparsity": {r.name: r.sparsity for r in rows if r.wrapped},
        "block4_zeros_whole": bool((blocks == blocks.all(-1, keepdims=True)).all()),
    }))
    """
)


def test_mirrored_strategy_two_cpu_replicas(tmp_path):
    env = child_env(TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=300,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-4000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["replicas"] == 2
    assert result["loss"] == result["loss"]  # finite, not NaN
    assert len(result["sparsity"]) == 13
    for name, sparsity in result["sparsity"].items():
        assert abs(sparsity - 0.8) < 0.02, (name, sparsity)
    assert result["block4_zeros_whole"]
