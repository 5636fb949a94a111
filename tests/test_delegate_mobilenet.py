"""End to end: Keras MobileNet v1, 1x1 convs pruned, converted with TF's own
EXPERIMENTAL_SPARSITY, run with the delegate vs stock TFLite (the oracle)."""

from __future__ import annotations

import functools

import pytest

from delegate_helpers import RUNTIMES, claimed_nodes, compare, cpu_has_isa, ops_by_name, random_input
from tflite_sparse import subjects

ALPHAS = (0.5, 1.0, 1.4)
SPARSITIES = (0.7, 0.9, 0.95)
TOLERANCE = 1e-4


@functools.lru_cache(maxsize=None)
def _keras_model(alpha: float, height: int, width: int):
    """A dense model and its weights (restored before each pruning)."""
    model = subjects.mobilenet_v1(subjects.Subject(alpha=alpha, height=height, width=width, sparsity=0.0))
    return model, model.get_weights()


@pytest.fixture(scope="module")
def pruned_models(model_dir):
    """(alpha, sparsity) -> .tflite path. Each width is built once; each
    sparsity prunes a fresh copy of its dense weights."""
    cache = {}

    def get(alpha: float, sparsity: float, height: int = 224, width: int = 224):
        key = (alpha, sparsity, height, width)
        if key not in cache:
            model, dense_weights = _keras_model(alpha, height, width)
            model.set_weights(dense_weights)
            for layer in subjects.pointwise_convs(model, skip=("conv_preds",)):
                subjects.magnitude_prune(layer, sparsity)
            path = model_dir / f"mbv1_{alpha}_{int(sparsity * 100)}_{height}x{width}.tflite"
            path.write_bytes(subjects.to_tflite(model, sparse=True))
            cache[key] = path
        return cache[key]

    return get


def _assert_body_claimed(path, report):
    ops = ops_by_name(path)
    body = set(ops["DEPTHWISE_CONV_2D"]) | set(ops["DENSIFY"]) | set(ops["MEAN"])
    body |= set(ops.get("PAD", []))  # folded into the convolution that reads it
    body |= set(ops["CONV_2D"][:-1])  # every conv but the classifier
    assert len(report["partitions"]) == 1
    assert claimed_nodes(report) == body
    kernels = [s["kernel"] for s in report["partitions"][0]["steps"]]
    assert kernels[0] == "conv_hwc2chw_3x3s2c3"
    assert kernels.count("spmm") == 13 and kernels.count("dwconv2d_chw") == 13
    assert "nhwc_to_chw" not in kernels  # no transpose inside the network


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("sparsity", SPARSITIES)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_matches_stock_tflite_224(pruned_models, alpha, sparsity, runtime):
    path = pruned_models(alpha, sparsity)
    for batch in (1, 2):
        error, report = compare(path, random_input((batch, 224, 224, 3), seed=batch), runtime)
        assert error <= TOLERANCE, f"batch {batch}: relative error {error}"
        _assert_body_claimed(path, report)
        for step in report["partitions"][0]["steps"]:
            if step["kernel"] == "spmm":
                assert step["sparsity"] >= sparsity - 0.01


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("alpha", ALPHAS)
def test_matches_stock_tflite_after_resize_to_odd_size(pruned_models, alpha, runtime):
    """The 224 model resized to 193x161: TF SAME padding is asymmetric at every
    stride-2 layer, and the delegate re-plans on resize."""
    path = pruned_models(alpha, 0.9)
    for batch in (1, 2):
        error, report = compare(path, random_input((batch, 193, 161, 3), seed=3), runtime)
        assert error <= TOLERANCE, f"batch {batch}: relative error {error}"
        _assert_body_claimed(path, report)
        assert report["partitions"][0]["steps"][-2]["input"] == [batch, 7, 6, int(1024 * alpha)]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_matches_stock_tflite_built_at_odd_size(pruned_models, runtime):
    path = pruned_models(1.0, 0.9, 193, 161)
    for batch in (1, 2):
        error, report = compare(path, random_input((batch, 193, 161, 3), seed=4), runtime)
        assert error <= TOLERANCE, f"batch {batch}: relative error {error}"
        _assert_body_claimed(path, report)


@pytest.mark.parametrize("isa", ["scalar", "avx2", "avx512"])
def test_every_isa_matches(pruned_models, isa):
    if not cpu_has_isa(isa):
        pytest.skip(f"this CPU has no {isa}")
    path = pruned_models(0.5, 0.9)
    error, report = compare(path, random_input((1, 224, 224, 3)), "litert", isa=isa)
    assert report["isa"] == isa
    assert error <= TOLERANCE


def test_dense_partition_is_left_to_tflite(pruned_models):
    """With a threshold above the model's sparsity nothing is sparse, so the
    delegate claims nothing (dense belongs to XNNPACK) and results still match."""
    path = pruned_models(0.5, 0.7)
    error, report = compare(path, random_input((1, 224, 224, 3)), "litert", min_sparsity=0.8)
    assert report["partitions"] == []
    assert error <= TOLERANCE
