"""Small graphs for the element-wise ops the model families need, each
checked against stock TFLite: Rescaling stems left to TFLite in front of the
first conv, swish and hard swish (fused into the producing conv), squeeze-
excitation (MEAN keepdims, 1x1 convs on one pixel, hard sigmoid, per-channel
MUL), residual ADD with a fused ReLU, EfficientNet's dynamic RESHAPE. The
graphs are too small to pay for a partition, so the cost rule is off."""

from __future__ import annotations

import pytest

from delegate_helpers import claimed_nodes, compare, ops_by_name, random_input
from tflite_sparse import subjects

TOLERANCE = 1e-4


def _keras():
    import tf_keras

    tf_keras.utils.set_random_seed(0)
    return tf_keras


def _save(model, path):
    for layer in subjects.spatial_pointwise_convs(model):
        subjects.magnitude_prune(layer, 0.8)
    path.write_bytes(subjects.to_tflite(model, sparse=True))
    return path


def _kernels(report):
    return [s["kernel"] for p in report["partitions"] for s in p["steps"]]


def _hard_sigmoid(keras, x):
    return keras.layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


@pytest.mark.parametrize("offset", [0.0, -1.0])
def test_rescaling_stem_stays_with_tflite(tmp_path, offset):
    """MUL (and ADD) by constants, then a folded PAD, then the first conv:
    the stem runs in TFLite and the first conv still reads NHWC directly."""
    keras = _keras()
    inputs = keras.Input((33, 29, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=offset)(inputs)
    x = keras.layers.ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = keras.layers.Conv2D(16, 3, strides=2, padding="valid", activation="relu")(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(32, 1, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    path = _save(keras.Model(inputs, x), tmp_path / "stem.tflite")
    error, report = compare(path, random_input((2, 33, 29, 3)), "litert", cost_rule=0)
    assert error <= TOLERANCE
    ops = ops_by_name(path)
    assert len(report["partitions"]) == 1
    assert not set(ops["MUL"]) & claimed_nodes(report)
    assert _kernels(report)[0] == "conv_hwc2chw_3x3s2c3"


def _se_block(keras, x, channels, hard):
    se = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    se = keras.layers.Conv2D(max(8, channels // 4), 1, activation="relu")(se)
    se = keras.layers.Conv2D(channels, 1)(se)
    se = _hard_sigmoid(keras, se) if hard else keras.layers.Activation("sigmoid")(se)
    return keras.layers.Multiply()([x, se])


@pytest.mark.parametrize("hard", [False, True])
def test_swish_se_and_residual_block(tmp_path, hard):
    """An inverted bottleneck with (hard) swish, squeeze-excitation and a
    residual ADD with a fused ReLU: one partition, activations fused."""
    keras = _keras()
    inputs = keras.Input((28, 23, 24))
    x = keras.layers.Conv2D(72, 1)(inputs)
    x = x * _hard_sigmoid(keras, x) if hard else keras.layers.Activation("swish")(x)
    x = keras.layers.DepthwiseConv2D(5, padding="same")(x)
    x = x * _hard_sigmoid(keras, x) if hard else keras.layers.Activation("swish")(x)
    x = _se_block(keras, x, 72, hard)
    x = keras.layers.Conv2D(24, 1)(x)
    x = keras.layers.ReLU()(keras.layers.Add()([inputs, x]))
    x = keras.layers.Conv2D(40, 1, activation="relu6")(x)
    path = _save(keras.Model(inputs, x), tmp_path / f"block_{hard}.tflite")
    for shape in [(1, 28, 23, 24), (2, 17, 31, 24)]:
        error, report = compare(path, random_input(shape, seed=shape[0]), "litert", cost_rule=0)
        assert error <= TOLERANCE, f"{shape}: {error}"
    assert len(report["partitions"]) == 1
    ops = ops_by_name(path)
    expected = set(ops["CONV_2D"]) | set(ops["MUL"]) | set(ops.get("ADD", [])) | set(ops["MEAN"])
    assert expected <= claimed_nodes(report)
    steps = report["partitions"][0]["steps"]
    post = "vhswish" if hard else "vswish"
    assert [s.get("post") for s in steps if s.get("post")] == [post, post]
    assert "vmulc_chw" in _kernels(report) and "vadd" in _kernels(report)


def test_dynamic_reshape_of_the_squeeze(tmp_path):
    """Keras' Reshape after a MEAN without keepdims (EfficientNet's SE) is
    converted to SHAPE/STRIDED_SLICE/PACK/RESHAPE: claimed, no cut."""
    keras = _keras()
    inputs = keras.Input((14, 14, 32))
    x = keras.layers.Conv2D(64, 1, activation="relu")(inputs)
    se = keras.layers.GlobalAveragePooling2D()(x)
    se = keras.layers.Reshape((1, 1, 64))(se)
    se = keras.layers.Conv2D(16, 1, activation="swish")(se)
    se = keras.layers.Conv2D(64, 1, activation="sigmoid")(se)
    x = keras.layers.Multiply()([x, se])
    x = keras.layers.Conv2D(32, 1)(x)
    path = _save(keras.Model(inputs, x), tmp_path / "reshape.tflite")
    error, report = compare(path, random_input((2, 14, 14, 32)), "tf", cost_rule=0)
    assert error <= TOLERANCE
    assert len(report["partitions"]) == 1
    ops = ops_by_name(path)
    assert set(ops["RESHAPE"]) <= claimed_nodes(report)
    assert "copy" in _kernels(report)
