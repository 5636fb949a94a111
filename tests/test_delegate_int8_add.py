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



TIE_SCALES = (float.fromhex("0x1.b8e39p-10"), 2.0 ** -8, 2.0 ** -8)  # a, b, output
TIE_ZERO_POINTS = (0, 0, 6)


@functools.lru_cache(maxsize=None)
def _two_input_add_net(shape: tuple, scales: tuple, zero_points: tuple) -> tuple[bytes, tuple]:
    """ADD of the two int8 graph inputs, its sum a graph output and the input
    of a sparse 1x1 conv (so the delegate has a partition to take), with the
    ADD's scales and zero points then set to the ones given. Returns the
    model and the names of the ADD's tensors (a, b, sum)."""
    import tf_keras as keras
    from tflite_sparse.converter import flatbuffer as fb
    from tflite_sparse.converter.flatbuffer import schema

    keras.utils.set_random_seed(6)
    a, b = keras.Input(shape[1:]), keras.Input(shape[1:])
    total = keras.layers.Add()([a, b])
    # the converter keeps the first conv dense (a stem): a second one is sparse
    convs = keras.layers.Conv2D(24, 1, name="pw")(keras.layers.Conv2D(16, 1, name="pw0")(total))
    model = keras.Model([a, b], [total, convs])
    for name in ("pw0", "pw"):
        helpers.prune_keras_layer(model.get_layer(name), 0.8, 1)
    rng = np.random.default_rng(8)
    rep = [rng.uniform(-1, 1, (8,) + shape[1:]).astype(np.float32) for _ in range(2)]
    data = convert(model, sparse=True, int8=True, representative=rep, int8_io=True)
    m = fb.read_model(data)
    graph = m.subgraphs[0]
    adds = [op for op in graph.operators
            if m.operatorCodes[op.opcodeIndex].builtinCode == schema.BuiltinOperator.ADD]
    assert len(adds) == 1
    tensors = [graph.tensors[i] for i in list(adds[0].inputs) + list(adds[0].outputs)]
    for t, scale, zero_point in zip(tensors, scales, zero_points):
        t.quantization.scale, t.quantization.zeroPoint = [float(scale)], [int(zero_point)]
    return fb.write_model(m), tuple(fb.tensor_name(t) for t in tensors)


def _run_all(interpreter, inputs: dict) -> dict:
    details = interpreter.get_input_details()
    for detail in details:
        interpreter.resize_tensor_input(detail["index"], inputs[detail["name"]].shape)
    interpreter.allocate_tensors()
    for detail in details:
        interpreter.set_tensor(detail["index"], inputs[detail["name"]])
    interpreter.invoke()
    return {d["name"]: interpreter.get_tensor(d["index"]).copy()
            for d in interpreter.get_output_details()}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("batch,height,width,channels", [(2, 3, 3, 5), (1, 3, 3, 7), (3, 4, 5, 3),
                                                         (1, 9, 9, 16)])
def test_int8_add_rounds_its_tail_as_stock(runtime, batch, height, width, channels):
    """Scales where TFLite's two forms part for a = -108, b = 47: its vector
    loop gives 7, its scalar tail (the last flat % 16 elements, NHWC order
    across the batch) 6. Our CHW plan must put each where TFLite does."""
    shape = (batch, height, width, channels)
    data, (a_name, b_name, sum_name) = _two_input_add_net(shape, TIE_SCALES, TIE_ZERO_POINTS)
    inputs = {a_name: np.full(shape, -108, np.int8), b_name: np.full(shape, 47, np.int8)}
    want = _run_all(_stock(data, runtime), inputs)
    flat = want[sum_name].reshape(-1)
    head = flat.size - flat.size % 16
    assert (flat[:head] == 7).all() and (flat[head:] == 6).all(), flat
    ours = _ours(data, runtime, cost_rule=0)
    got = _run_all(ours, inputs)
    assert len(_add_steps(tflite_sparse.delegate_report(ours))) == 1
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    rng = np.random.default_rng(batch * height * width * channels)
    inputs = {name: rng.integers(-128, 128, shape).astype(np.int8) for name in (a_name, b_name)}
    got, want = _run_all(ours, inputs), _run_all(_stock(data, runtime), inputs)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
