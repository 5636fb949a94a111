"""Int8 ADD in the delegate: MobileNet v2's residual connections run in the
int8 CHW partition, and outputs equal stock TFLite's builtin kernels
exactly (TFLite's int8 ADD rounds its last flat_size % 16 elements another
way than the rest: see delegate/kernels/vbinary/qs8_vadd.h)."""

from __future__ import annotations

import functools
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tflite_sparse  # noqa: E402
import test_converter_helpers as helpers  # noqa: E402
from test_delegate_int8 import (  # noqa: E402
    RUNTIMES, _claimed_ops, _input, _mobilenet_int8, _ours, _steps, _stock, pytestmark)
from tflite_sparse.converter import convert  # noqa: E402

__all__ = ["pytestmark"]


def _add_steps(report) -> list[dict]:
    return [s for s in _steps(report) if s["op"] == "ADD"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_int8_mobilenet_v2_adds_run_in_the_delegate_and_equal_stock(runtime):
    data = _mobilenet_int8("mobilenet_v2", 0.85, 1, 96)
    ours = _ours(data, runtime, cost_rule=0)
    for batch in (1, 2):
        x = _input(data, batch=batch, seed=batch)
        got = helpers.run(ours, x)
        np.testing.assert_array_equal(got, helpers.run(_stock(data, runtime), x))
    report = tflite_sparse.delegate_report(ours)
    adds = _add_steps(report)
    # MobileNet v2 has 10 residual connections (blocks 2, 4, 5, 7, 8, 9, 11, 12, 14, 15)
    assert len(adds) == 10, _claimed_ops(report)
    assert all(s.get("dtype") == "int8" for s in adds), adds
    partitions = report.get("partitions", [])
    assert len(partitions) == 1, [p["nodes"] for p in partitions]
    inner = [s["op"] for s in partitions[0]["steps"][1:-1]]
    assert "LAYOUT" not in inner, inner


@functools.lru_cache(maxsize=None)
def _small_add_net(channels: int, size: int) -> bytes:
    """Two branches of convs added with a fused RELU (Keras' Add + ReLU
    converts to one ADD), H*W*C not a multiple of 16."""
    import tf_keras as keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(channels, 3, strides=2, padding="same")(inputs)
    left = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    right = keras.layers.Conv2D(channels, 1, name="pw_a")(x)
    y = keras.layers.ReLU()(keras.layers.Add()([left, right]))
    y = keras.layers.Conv2D(channels + 3, 1, name="pw_b")(y)
    z = keras.layers.Add()([keras.layers.DepthwiseConv2D(3, padding="same")(y), y])
    outputs = keras.layers.Conv2D(8, 1, name="pw_c")(z)
    model = keras.Model(inputs, outputs)
    for name in ("pw_a", "pw_b", "pw_c"):  # sparse 1x1 convs: what the delegate claims
        helpers.prune_keras_layer(model.get_layer(name), 0.8, 1)
    rep = np.random.default_rng(4).uniform(-1, 1, (16, size, size, 3)).astype(np.float32)
    return convert(model, sparse=True, int8=True, representative=rep, int8_io=True)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("channels,size", [(13, 18), (7, 10), (16, 14)])
def test_int8_add_with_relu_and_awkward_sizes_equals_stock(runtime, channels, size):
    data = _small_add_net(channels, size)
    ours = _ours(data, runtime, cost_rule=0)
    for batch in (1, 2, 3):
        x = _input(data, batch=batch, seed=10 + batch)
        np.testing.assert_array_equal(helpers.run(ours, x), helpers.run(_stock(data, runtime), x))
    adds = _add_steps(tflite_sparse.delegate_report(ours))
    assert len(adds) == 2 and all(s.get("dtype") == "int8" for s in adds), adds


@pytest.mark.parametrize("threads", [2, 3])
def test_int8_add_results_do_not_depend_on_threads(threads):
    data = _small_add_net(13, 18)
    x = _input(data, batch=2, seed=7)
    got = helpers.run(_ours(data, "litert", cost_rule=0, num_threads=threads), x)
    np.testing.assert_array_equal(got, helpers.run(_stock(data, "litert"), x))
