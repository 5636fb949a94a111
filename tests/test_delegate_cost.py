"""The delegate never makes a model slower by construction: it declines a
partition whose estimated saving (sparse 1x1 work) does not pay for its edge
transposes (delegate/cost.h), and it never leaves a DENSIFY that would decode
weights at every invoke."""

from __future__ import annotations

import pytest

from delegate_helpers import claimed_nodes, compare, ops_by_name, random_input
from tflite_sparse import subjects

TOLERANCE = 1e-4


def _sandwich(path, channels: int, size: int):
    """conv -> MAX_POOL -> sparse 1x1 (x2) -> MAX_POOL -> conv: the sparse
    part can only run as a partition with a transpose on each side."""
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((size, size, channels))
    x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(inputs)
    x = keras.layers.Conv2D(channels, 1, activation="relu")(x)
    x = keras.layers.Conv2D(channels, 1, activation="relu")(x)
    x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
    model = keras.Model(inputs, x)
    for layer in subjects.pointwise_convs(model):
        subjects.magnitude_prune(layer, 0.9)
    path.write_bytes(subjects.to_tflite(model, sparse=True))
    return path


def test_declines_a_partition_whose_transposes_cost_more_than_it_saves(tmp_path):
    """24 channels: two tiny sparse convs save less than transposing their
    input and output. The rule declines them; forced, they still compute right."""
    path = _sandwich(tmp_path / "thin.tflite", 24, 28)
    x = random_input((1, 28, 28, 24))
    error, report = compare(path, x, "litert")
    assert report["partitions"] == []
    assert error <= TOLERANCE
    error, forced = compare(path, x, "litert", cost_rule=0)
    assert len(forced["partitions"]) == 1 and error <= TOLERANCE


def test_keeps_a_partition_that_pays_for_its_transposes(tmp_path):
    """512 channels at 90%: the saving is ~10x the transposes."""
    path = _sandwich(tmp_path / "wide.tflite", 512, 14)
    error, report = compare(path, random_input((1, 14, 14, 512)), "litert")
    assert error <= TOLERANCE
    assert len(report["partitions"]) == 1
    kernels = [s["kernel"] for s in report["partitions"][0]["steps"]]
    assert kernels == ["nhwc_to_chw", "spmm", "spmm", "chw_to_nhwc"]


@pytest.mark.parametrize("cost_rule", [0, 1])
def test_densify_never_runs_per_invoke(tmp_path, cost_rule):
    """TF's converter puts every DENSIFY first in the execution plan, so
    TFLite's partitioner groups the second conv's DENSIFY with the first
    partition, away from its reader. The delegate must leave such a DENSIFY to
    TFLite (which decodes it once) instead of copying it out at every invoke."""
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((14, 14, 256))
    x = keras.layers.Conv2D(512, 1, activation="relu")(inputs)
    x = keras.layers.Conv2D(512, 1, activation="relu")(x)
    x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
    x = keras.layers.Conv2D(512, 1, activation="relu")(x)
    x = keras.layers.Conv2D(256, 1)(x)
    model = keras.Model(inputs, x)
    for layer in subjects.pointwise_convs(model):
        subjects.magnitude_prune(layer, 0.9)
    path = tmp_path / "split_densify.tflite"
    path.write_bytes(subjects.to_tflite(model, sparse=True))
    error, report = compare(path, random_input((2, 14, 14, 256)), "litert", cost_rule=cost_rule)
    assert error <= TOLERANCE
    assert len(report["partitions"]) == 2
    kernels = [s["kernel"] for p in report["partitions"] for s in p["steps"]]
    assert "densify" not in kernels
    assert kernels.count("spmm") == 4
    # Every DENSIFY the delegate kept sits in the partition of its reader.
    densify = set(ops_by_name(path)["DENSIFY"])
    for partition in report["partitions"]:
        assert len(densify & set(partition["nodes"])) in (0, 2)
    assert len(densify & claimed_nodes(report)) < len(densify)
