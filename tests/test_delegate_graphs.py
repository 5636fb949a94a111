"""Small graphs that exercise the delegate's edges: partitions that start or
end inside the network (layout steps), ops it must leave to TFLite, folded
padding, 5x5 and VALID windows, weights stored dense-with-zeros or sparse.
These graphs are too small to pay for a partition, so the tests that check
the plan's machinery turn the cost rule off (cost_rule=0; test_delegate_cost.py
tests the rule itself)."""

from __future__ import annotations

import numpy as np
import pytest

from delegate_helpers import claimed_nodes, compare, ops_by_name, random_input
from tflite_sparse import subjects

TOLERANCE = 1e-4


def _keras():
    import tf_keras

    tf_keras.utils.set_random_seed(0)
    return tf_keras


def _save(model, path, sparse=True, prune=0.9):
    for layer in subjects.pointwise_convs(model):
        subjects.magnitude_prune(layer, prune)
    path.write_bytes(subjects.to_tflite(model, sparse=sparse))
    return path


def _steps(report):
    return [s["kernel"] for p in report["partitions"] for s in p["steps"]]


def test_partition_with_nhwc_edges_on_both_sides(tmp_path):
    """Input straight into sparse 1x1 convs, output straight out of one: the
    plan converts NHWC->CHW on entry and back on exit."""
    keras = _keras()
    inputs = keras.Input((13, 11, 24))
    x = keras.layers.Conv2D(40, 1, activation="relu")(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = keras.layers.Conv2D(36, 1)(x)
    path = _save(keras.Model(inputs, x), tmp_path / "edges.tflite")
    for batch in (1, 3):
        error, report = compare(path, random_input((batch, 13, 11, 24)), "litert", cost_rule=0)
        assert error <= TOLERANCE
    kernels = _steps(report)
    assert kernels[0] == "nhwc_to_chw" and kernels[-1] == "chw_to_nhwc"
    assert kernels.count("spmm") == 2


def test_unsupported_op_splits_the_network(tmp_path):
    """A max pool is not claimed: the sparse runs on both sides are claimed
    separately and TFLite runs the pool between them."""
    keras = _keras()
    inputs = keras.Input((16, 16, 32))
    a = keras.layers.Conv2D(32, 1, activation="relu6")(inputs)
    b = keras.layers.DepthwiseConv2D(3, padding="same")(a)
    x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(b)
    x = keras.layers.Conv2D(48, 1, activation="relu6")(x)
    x = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    path = _save(keras.Model(inputs, x), tmp_path / "split.tflite")
    error, report = compare(path, random_input((2, 16, 16, 32)), "tf", cost_rule=0)
    assert error <= TOLERANCE
    assert len(report["partitions"]) == 2
    pool = ops_by_name(path)["MAX_POOL_2D"]
    assert not set(pool) & claimed_nodes(report)


@pytest.mark.parametrize("kernel, stride", [(5, 1), (5, 2), (3, 2)])
def test_depthwise_windows_with_explicit_and_valid_padding(tmp_path, kernel, stride):
    """ZeroPadding2D + VALID (folded PAD) and SAME, 3x3/5x5, stride 1/2, odd sizes."""
    keras = _keras()
    inputs = keras.Input((23, 17, 3))
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu6")(inputs)
    x = keras.layers.ZeroPadding2D(((1, 2), (2, 1)))(x)
    x = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding="valid", activation="relu")(x)
    x = keras.layers.Conv2D(24, 1, activation="relu6")(x)
    x = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding="same")(x)
    x = keras.layers.Conv2D(32, 1)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    path = _save(keras.Model(inputs, x), tmp_path / f"dw{kernel}s{stride}.tflite")
    error, report = compare(path, random_input((2, 23, 17, 3)), "litert", cost_rule=0)
    assert error <= TOLERANCE
    ops = ops_by_name(path)
    assert set(ops.get("PAD", [])) <= claimed_nodes(report)
    assert _steps(report).count("dwconv2d_chw") == 2


def test_dense_stored_zeros_count_as_sparse(tmp_path):
    """Converted without EXPERIMENTAL_SPARSITY, pruned weights are dense
    constants full of zeros: the delegate measures their sparsity and still
    runs them sparse."""
    model = subjects.mobilenet_v1(subjects.Subject(alpha=0.25, height=96, width=96, sparsity=0.9))
    path = tmp_path / "dense_zeros.tflite"
    path.write_bytes(subjects.to_tflite(model, sparse=False))
    error, report = compare(path, random_input((1, 96, 96, 3)), "litert")
    assert error <= TOLERANCE
    spmm = [s for p in report["partitions"] for s in p["steps"] if s["kernel"] == "spmm"]
    assert len(spmm) == 13 and all(s["sparsity"] >= 0.89 for s in spmm)
    assert "DENSIFY" not in ops_by_name(path)


def test_block_structure_is_detected_in_unstructured_storage(tmp_path):
    """Pruned in blocks of 4 output channels but stored by TF's converter as
    plain CSR: the delegate finds the blocks and uses the block-4 kernels."""
    model = subjects.mobilenet_v1(subjects.Subject(alpha=0.25, height=96, width=96, sparsity=0.9, block=4))
    path = tmp_path / "blocks.tflite"
    path.write_bytes(subjects.to_tflite(model, sparse=True))
    error, report = compare(path, random_input((1, 96, 96, 3)), "litert")
    assert error <= TOLERANCE
    blocks = [s["block"] for p in report["partitions"] for s in p["steps"] if s["kernel"] == "spmm"]
    assert blocks and all(b == 4 for b in blocks)
