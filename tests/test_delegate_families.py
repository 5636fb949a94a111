"""End to end on the model families beyond MobileNet v1: Keras MobileNet v2,
EfficientNet B0/B1, MobileNet v3 Small/Large and ResNet50, 1x1 convs pruned,
run with the delegate vs stock TFLite (the oracle, relative error <= 1e-4).

For every family with a depthwise body the report must show the body as ONE
partition from the first conv to the global pool, with no layout step inside
and no DENSIFY run per invoke. Models are converted once per session (TF's
EXPERIMENTAL_SPARSITY, unstructured storage; and `tflite convert --sparse`,
blocks stored in the file); the odd size resizes the 224 model. The default
run covers one configuration per family; `pytest -m sweep` runs the matrix."""

from __future__ import annotations

import pytest

import tflite_sparse
from delegate_helpers import RUNTIMES, claimed_nodes, compare, cpu_has_isa, ops_by_name, random_input
from tflite_sparse import subjects
from tflite_sparse.subjects import FamilySubject

TOLERANCE = 1e-4
ODD = (193, 161)

# name -> (subject, block for `tflite convert --sparse`)
FAMILIES = {
    "mobilenet_v2": FamilySubject("mobilenet_v2", 1.0, 224, 0.85, 2, 21),
    "mobilenet_v2_0.35": FamilySubject("mobilenet_v2", 0.35, 224, 0.8),
    "efficientnet_b0": FamilySubject("efficientnet_b0", 1.0, 224, 0.85, prune_classifier=True),
    "efficientnet_b1": FamilySubject("efficientnet_b1", 1.0, 224, 0.85, prune_classifier=True),
    "mobilenet_v3_small": FamilySubject("mobilenet_v3_small", 1.0, 224, 0.85),
    "mobilenet_v3_large": FamilySubject("mobilenet_v3_large", 1.0, 224, 0.9, 4),
}


@pytest.fixture(scope="session")
def family_model(model_dir):
    """(name, fmt) -> .tflite path, converted once per session. fmt "tf" is
    TF's converter (unstructured CSR), "blocked" our converter (block_map)."""
    cache: dict = {}
    keras_cache: dict = {}

    def get(name: str, fmt: str = "tf"):
        if (name, fmt) not in cache:
            if name not in keras_cache:
                keras_cache[name] = subjects.family_model(FAMILIES[name])
            model = keras_cache[name]
            path = model_dir / f"{name}_{fmt}.tflite"
            if fmt == "tf":
                path.write_bytes(subjects.to_tflite(model, sparse=True))
            else:
                path.write_bytes(tflite_sparse.convert(model, sparse=True, verify=False))
            cache[(name, fmt)] = path
        return cache[(name, fmt)]

    return get


def assert_one_body_partition(path, report):
    """One partition holding every node from the first conv to the last
    MEAN (the global pool), no transpose inside, no DENSIFY copied per invoke."""
    ops = ops_by_name(path)
    code_of = {i: name for name, indices in ops.items() for i in indices}
    first = min(ops["CONV_2D"])
    pool = max(ops["MEAN"])
    body = {i for i, name in code_of.items() if first <= i <= pool and name != "DENSIFY"}
    assert len(report["partitions"]) == 1, [p["nodes"] for p in report["partitions"]]
    claimed = claimed_nodes(report)
    missing = sorted((i, code_of[i]) for i in body - claimed)
    assert not missing, f"body nodes left to TFLite: {missing[:10]}"
    kernels = [s["kernel"] for s in report["partitions"][0]["steps"]]
    assert kernels[0] == "conv_hwc2chw_3x3s2c3"  # reads the NHWC input directly
    assert "nhwc_to_chw" not in kernels
    assert "densify" not in kernels
    assert kernels.count("spmm") >= 10


def _check(path, shape, runtime, seed=0):
    error, report = compare(path, random_input(shape, seed=seed), runtime)
    assert error <= TOLERANCE, f"{shape}: relative error {error}"
    assert_one_body_partition(path, report)
    return report


DEFAULT = [
    ("mobilenet_v2", "tf", "litert"),
    ("mobilenet_v2", "blocked", "tf"),
    ("efficientnet_b0", "tf", "tf"),
    ("mobilenet_v3_small", "tf", "litert"),
    ("mobilenet_v3_large", "blocked", "litert"),
]


@pytest.mark.parametrize("name, fmt, runtime", DEFAULT)
def test_family_is_one_partition_and_matches(family_model, name, fmt, runtime):
    path = family_model(name, fmt)
    for batch in (1, 2):
        report = _check(path, (batch, 224, 224, 3), runtime, seed=batch)
    _check(path, (1, *ODD, 3), runtime, seed=5)
    if name.startswith("efficientnet"):  # squeeze-excitation: per-channel scale
        kernels = [s["kernel"] for s in report["partitions"][0]["steps"]]
        steps = report["partitions"][0]["steps"]
        swish = sum(1 for s in steps if s["kernel"] == "vswish" or s.get("post") == "vswish")
        assert kernels.count("vmulc_chw") == 16 and swish >= 33
    if fmt == "blocked":
        blocks = {s["block"] for s in report["partitions"][0]["steps"] if s["kernel"] == "spmm"}
        assert blocks - {1}, "the blocks stored in the file are used"


@pytest.mark.sweep
@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("fmt", ["tf", "blocked"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_matrix(family_model, name, fmt, runtime):
    path = family_model(name, fmt)
    for batch in (1, 2):
        _check(path, (batch, 224, 224, 3), runtime, seed=batch)
        _check(path, (batch, *ODD, 3), runtime, seed=10 + batch)


@pytest.mark.sweep
@pytest.mark.parametrize("builder", ["mobilenet_v2", "cache_aware_mobilenet_v2", "efficientnet", "efficientnet_head2560"])
def test_package_builders_are_one_partition(model_dir, builder):
    """The package's own model builders (tflite_sparse.models)."""
    import tf_keras

    from tflite_sparse import models

    tf_keras.utils.set_random_seed(0)
    if builder == "efficientnet_head2560":
        model = models.efficientnet(1, (224, 224, 3), head_filters=2560, classifier_activation=None)
    elif builder == "efficientnet":
        model = models.efficientnet(0, (224, 224, 3), classifier_activation=None)
    else:
        model = getattr(models, builder)(1.0, (224, 224, 3), classifier_activation=None)
    import numpy as np

    subjects.calibrate_batchnorm(model, np.random.default_rng(0).uniform(-1, 1, (4, 224, 224, 3)).astype("float32"))
    for layer in subjects.spatial_pointwise_convs(model):
        subjects.magnitude_prune(layer, 0.85)
    path = model_dir / f"builder_{builder}.tflite"
    path.write_bytes(subjects.to_tflite(model, sparse=True))
    for batch in (1, 2):
        _check(path, (batch, 224, 224, 3), "litert", seed=batch)


@pytest.mark.sweep
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_resnet50_matches(model_dir, runtime):
    """ResNet50: 1x1 convs between 3x3 convs the delegate does not run. It
    claims only what the cost rule says pays (often nothing); results match."""
    path = model_dir / "resnet50.tflite"
    if not path.exists():
        model = subjects.family_model(FamilySubject("resnet50", sparsity=0.9))
        path.write_bytes(subjects.to_tflite(model, sparse=True))
    for batch in (1, 2):
        error, report = compare(path, random_input((batch, 224, 224, 3), seed=batch), runtime)
        assert error <= TOLERANCE
        kernels = [s["kernel"] for p in report["partitions"] for s in p["steps"]]
        assert "densify" not in kernels


@pytest.mark.parametrize("isa", ["scalar", "avx2", "avx512"])
def test_every_isa_matches_with_banding(family_model, isa):
    """MobileNet v2 0.35 at 224: its 112x112 expand convs are banded into the
    depthwise convs (the expanded tensor never goes through memory)."""
    if not cpu_has_isa(isa):
        pytest.skip(f"this CPU has no {isa}")
    path = family_model("mobilenet_v2_0.35")
    error, report = compare(path, random_input((2, 224, 224, 3), seed=7), "litert", isa=isa)
    assert report["isa"] == isa and error <= TOLERANCE
    assert_one_body_partition(path, report)
    steps = report["partitions"][0]["steps"]
    banded = [s for s in steps if s.get("banded_rows")]
    assert banded and all(s["banded_rows"] < s["output"][1] for s in banded[:1])


