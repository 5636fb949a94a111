"""One-shot `--prune` leaves squeeze-excitation convolutions (1x1 convs on a
1x1 map) dense, as the paper's §3.1 does, and still prunes the 1x1 convs
around them (issue 9)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import test_converter_helpers as helpers
from tflite_sparse.converter import convert_with_report
from tflite_sparse.converter import flatbuffer as fb, layers

SE_CONVS = ("se_reduce", "se_expand")
POINTWISE = ("pw_in", "pw_out")


@functools.lru_cache(maxsize=None)
def se_model():
    """conv 3x3 -> 1x1 -> squeeze-excitation (mean, 1x1 reduce, 1x1 expand,
    sigmoid, multiply) -> 1x1 -> pool -> Dense, random weights."""
    import tf_keras as keras

    keras.utils.set_random_seed(4)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="first")(inputs)
    x = keras.layers.Conv2D(16, 1, activation="relu", name="pw_in")(x)
    s = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = keras.layers.Conv2D(4, 1, activation="relu", name="se_reduce")(s)
    s = keras.layers.Conv2D(16, 1, activation="sigmoid", name="se_expand")(s)
    x = keras.layers.Multiply()([x, s])
    x = keras.layers.Conv2D(32, 1, activation="relu", name="pw_out")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10, name="classifier")(x), name="se")


@pytest.fixture(scope="module")
def se_dense_tflite():
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(se_model()).convert()


def _weights_by_layer(data: bytes) -> dict[str, np.ndarray]:
    """Keras layer name -> its 1x1 conv weight, decoded from the file."""
    from tflite_sparse.converter import rewrite

    model = fb.read_model(data)
    rewrite.densify_weights(model)
    found = {}
    for layer in layers.weighted_ops(model):
        for name in SE_CONVS + POINTWISE:
            if f"/{name}/" in layer.name:
                found[name] = fb.constant_array(model, model.subgraphs[0].tensors[layer.tensor])
    assert sorted(found) == sorted(SE_CONVS + POINTWISE), found
    return found


def test_se_convs_are_recognised_in_the_tflite_graph(se_dense_tflite):
    model = fb.read_model(se_dense_tflite)
    roles = {
        name: layer.role
        for layer in layers.weighted_ops(model)
        for name in SE_CONVS + POINTWISE
        if f"/{name}/" in layer.name
    }
    assert roles == {"se_reduce": "squeeze_excitation", "se_expand": "squeeze_excitation",
                     "pw_in": "pointwise", "pw_out": "pointwise"}


def test_prune_leaves_se_convs_dense_and_prunes_the_rest(se_dense_tflite):
    result = convert_with_report(se_dense_tflite, prune=0.9)  # verified on stock TFLite
    before = _weights_by_layer(se_dense_tflite)
    after = _weights_by_layer(result.data)
    for name in SE_CONVS:
        np.testing.assert_array_equal(after[name], before[name])  # untouched
    for name in POINTWISE:
        assert abs(np.mean(after[name] == 0) - 0.9) < 0.02, name
    by_name = {next(n for n in SE_CONVS + POINTWISE if f"/{n}/" in r.name): r for r in result.layers}
    for name in SE_CONVS:
        assert not by_name[name].encoded and not by_name[name].pruned
        assert by_name[name].reason.startswith("squeeze-excitation conv (1x1 map): not pruned")
    assert all(by_name[name].encoded and by_name[name].pruned for name in POINTWISE)
    x = helpers.random_input((1, 16, 16, 3))
    reference = convert_with_report(se_dense_tflite, sparse=False, prune=0.9).data
    for runtime in ("tf", "litert"):
        got = helpers.run_model(runtime, result.data, x)
        assert helpers.relative_error(got, helpers.run_model(runtime, reference, x)) <= 1e-4
