"""The delegate on full-integer (int8) models: the sparse body of a pruned,
quantized MobileNet runs in the delegate's int8 CHW kernels and computes the
same integers as stock TFLite.

Oracle: the same .tflite on the runtime's builtin kernels (XNNPACK off); our
delegate runs beside those same builtin kernels (``default_delegates=False``)
so every node it does not claim is computed identically. TFLite's int8
kernels requantize with integer arithmetic only, and ours reproduce it bit
for bit (the kernel tests check each kernel against a reference written from
TFLite's formulas), so outputs must be *equal*, not close. Beside XNNPACK
(``default_delegates=True``) they may differ by XNNPACK's own rounding (up to
2 LSB, see tests/test_converter_int8.py), so that case checks closeness only.
"""

from __future__ import annotations

import functools
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tflite_sparse  # noqa: E402
import test_converter_helpers as helpers  # noqa: E402
import test_converter_int8 as int8net  # noqa: E402
from tflite_sparse import subjects  # noqa: E402
from tflite_sparse.converter import convert  # noqa: E402

RUNTIMES = ("tf", "litert")


def _delegate_built() -> bool:
    try:
        tflite_sparse.delegate_path()
    except FileNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _delegate_built(), reason="the delegate library is not built")


def _ours(data: bytes, runtime: str, **options):
    return tflite_sparse.Interpreter(model_content=data, runtime=runtime, default_delegates=False,
                                     **options)


def _stock(data: bytes, runtime: str):
    return helpers.stock_interpreter(runtime, model_content=data, delegates=False)


def _input(data: bytes, batch: int = 1, seed: int = 1) -> np.ndarray:
    detail = _stock(data, "litert").get_input_details()[0]
    shape = (batch,) + tuple(int(d) for d in detail["shape"][1:])
    rng = np.random.default_rng(seed)
    if detail["dtype"] == np.int8:
        return rng.integers(-128, 128, shape).astype(np.int8)
    return rng.uniform(-1, 1, shape).astype(np.float32)


def _steps(report) -> list[dict]:
    return [s for p in report.get("partitions", []) for s in p["steps"]]


def _claimed_ops(report) -> list[str]:
    return [s["op"] for s in _steps(report) if s["op"] != "LAYOUT"]


def _body_is_one_int8_partition(report) -> None:
    """One partition, int8 kernels for every conv, layout steps only at its edges."""
    partitions = report.get("partitions", [])
    assert len(partitions) == 1, [p["nodes"] for p in partitions]
    steps = partitions[0]["steps"]
    inner = [s["op"] for s in steps[1:-1]]
    assert "LAYOUT" not in inner, [s["op"] for s in steps]
    for s in steps:
        if s["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            assert s.get("dtype") == "int8", s
    # DENSIFY runs nothing per invoke: the conv packed its sparse weights.
    assert not [s for s in steps if s["op"] == "DENSIFY"], steps


# ------------------------------------------------------ the small int8 net


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("int8_io", [False, True])
def test_int8_body_runs_in_the_delegate_and_equals_stock(runtime, int8_io):
    data = int8net.sparse_result(int8_io).data
    x = _input(data)
    ours = _ours(data, runtime, cost_rule=0)  # the 16x16 net is too small to pay on its own
    got = helpers.run(ours, x)
    report = tflite_sparse.delegate_report(ours)
    _body_is_one_int8_partition(report)
    ops = _claimed_ops(report)
    # the first conv, three depthwise + pointwise pairs and the global pool
    assert ops.count("DEPTHWISE_CONV_2D") == 3 and ops.count("CONV_2D") == 4, ops
    assert ops.count("MEAN") == 1, ops
    np.testing.assert_array_equal(got, helpers.run(_stock(data, runtime), x))


@functools.lru_cache(maxsize=None)
def _linear_net() -> bytes:
    """Convs with no activation: their negative outputs are not clamped
    away, so the requantization's rounding of negative ties shows (TFLite's
    CONV_2D rounds them up through ruy, its depthwise away from zero)."""
    import tensorflow as tf
    import tf_keras as keras

    keras.utils.set_random_seed(5)
    inputs = keras.Input((20, 20, 3))
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same")(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = keras.layers.BatchNormalization(beta_initializer="random_normal")(x)
    x = keras.layers.Conv2D(48, 1, name="pw_a")(x)
    x = keras.layers.DepthwiseConv2D(5, strides=2, padding="same")(x)
    x = keras.layers.Conv2D(24, 1, name="pw_b")(x)
    model = keras.Model(inputs, x)
    for name in ("pw_a", "pw_b"):
        helpers.prune_keras_layer(model.get_layer(name), 0.8, 1)
    rep = np.random.default_rng(2).uniform(-1, 1, (16, 20, 20, 3)).astype(np.float32)
    del tf
    return convert(model, sparse=True, int8=True, representative=rep, int8_io=True)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_int8_convs_without_activation_round_ties_as_stock(runtime):
    data = _linear_net()
    x = _input(data, batch=2)
    ours = _ours(data, runtime, cost_rule=0)
    got = helpers.run(ours, x)
    ops = _claimed_ops(tflite_sparse.delegate_report(ours))
    assert ops.count("DEPTHWISE_CONV_2D") == 2 and ops.count("CONV_2D") == 3, ops
    np.testing.assert_array_equal(got, helpers.run(_stock(data, runtime), x))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_int8_results_do_not_depend_on_threads(threads):
    data = int8net.sparse_result(True).data
    x = _input(data, batch=2)
    got = helpers.run(_ours(data, "litert", cost_rule=0, num_threads=threads), x)
    np.testing.assert_array_equal(got, helpers.run(_stock(data, "litert"), x))


def test_int8_beside_xnnpack_is_close_to_stock_xnnpack():
    data = int8net.sparse_result(True).data
    x = _input(data)
    ours = tflite_sparse.Interpreter(model_content=data, runtime="litert", cost_rule=0)
    got = helpers.run(ours, x).astype(np.int32)
    want = helpers.run(helpers.stock_interpreter("litert", model_content=data), x).astype(np.int32)
    assert _claimed_ops(tflite_sparse.delegate_report(ours))
    assert np.max(np.abs(got - want)) <= 3


def test_the_cost_rule_declines_a_body_too_small_to_pay():
    """The 16x16 net's three sparse convs save less than a partition costs
    (cost.h's int8 constants): with the rule on, TFLite keeps everything."""
    data = int8net.sparse_result().data
    ours = _ours(data, "litert")
    x = _input(data)
    got = helpers.run(ours, x)
    assert not _claimed_ops(tflite_sparse.delegate_report(ours))
    np.testing.assert_array_equal(got, helpers.run(_stock(data, "litert"), x))


# ------------------------------------------------------------- MobileNets


@functools.lru_cache(maxsize=None)
def _mobilenet_int8(family: str, sparsity: float, block: int, size: int) -> bytes:
    if family == "mobilenet_v1":
        model = subjects.mobilenet_v1(
            subjects.Subject(alpha=0.25, height=size, width=size, sparsity=sparsity, block=block))
    else:
        model = subjects.family_model(
            subjects.FamilySubject(family=family, alpha=0.35, size=size, sparsity=sparsity, block=block))
    rep = np.random.default_rng(0).uniform(-1, 1, (8, size, size, 3)).astype(np.float32)
    return convert(model, sparse=True, block=block, int8=True, representative=rep)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("sparsity,block,size", [(0.7, 1, 96), (0.9, 4, 96), (0.95, 2, 75)])
def test_int8_mobilenet_v1_body_is_one_partition_and_equals_stock(runtime, sparsity, block, size):
    data = _mobilenet_int8("mobilenet_v1", sparsity, block, size)
    ours = _ours(data, runtime, cost_rule=0)
    for batch in (1, 2):
        x = _input(data, batch=batch, seed=batch)
        got = helpers.run(ours, x)
        np.testing.assert_array_equal(got, helpers.run(_stock(data, runtime), x))
    report = tflite_sparse.delegate_report(ours)
    _body_is_one_int8_partition(report)
    ops = _claimed_ops(report)
    assert ops.count("DEPTHWISE_CONV_2D") == 13 and ops.count("CONV_2D") == 14, ops
    assert ops.count("MEAN") == 1, ops
    spmm = [s for s in _steps(report) if s.get("kernel") == "qs8_spmm"]
    assert {s["block"] for s in spmm} == {block}, spmm


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_int8_mobilenet_v2_equals_stock(runtime):
    """The int8 MobileNet v2 with the default cost rule equals stock (its
    residual ADDs run in the delegate too: tests/test_delegate_int8_add.py)."""
    data = _mobilenet_int8("mobilenet_v2", 0.85, 1, 96)
    x = _input(data)
    ours = _ours(data, runtime)
    got = helpers.run(ours, x)
    assert _claimed_ops(tflite_sparse.delegate_report(ours))
    np.testing.assert_array_equal(got, helpers.run(_stock(data, runtime), x))


# ----------------------------------------------- hostile quantization


def test_bad_quantization_never_crashes_or_disagrees(tmp_path, monkeypatch):
    """The converter's bad-quantization mutants (zero, negative, NaN, inf
    scales; wrong scale or zero-point counts; a zero point out of range; a bad
    quantized_dimension; no scale), on the dense int8 net and on its sparse
    twin, through the mutant oracle's child processes: the delegate (which
    reads every tensor's quantization while choosing nodes) must refuse them
    cleanly or match TFLite's reference kernels, and never crash."""
    pytest.importorskip("ai_edge_litert.schema_py_generated")
    import mutant_child
    import mutant_oracle
    from tflite_sparse.converter import flatbuffer as fb

    mutants = []
    for mutant, (change, _) in sorted(int8net.MUTANTS.items()):
        dense = tmp_path / f"{mutant}-dense.tflite"
        dense.write_bytes(int8net._mutant(change))
        mutants.append({"id": f"dense:{mutant}", "path": str(dense)})
        # the same change on the sparse file's pw_b weight (the DENSIFY output)
        model = fb.read_model(int8net.sparse_result().data)
        graph = model.subgraphs[0]
        hits = [t for t in graph.tensors if "pw_b" in fb.tensor_name(t) and t.quantization is not None
                and t.quantization.scale is not None and len(t.quantization.scale) == 48]
        assert hits, "the sparse file has no 48-channel pw_b weight"
        for tensor in hits:
            change(tensor)
        sparse = tmp_path / f"{mutant}-sparse.tflite"
        sparse.write_bytes(fb.write_model(model))
        mutants.append({"id": f"sparse:{mutant}", "path": str(sparse)})
    intact = tmp_path / "intact.tflite"
    intact.write_bytes(int8net.sparse_result().data)
    mutants.append({"id": "sparse:intact", "path": str(intact)})
    # cost_rule=0: the 16x16 net is claimed, so the delegate builds its plans
    monkeypatch.setenv(mutant_child.OPTIONS_ENV, '{"cost_rule": 0}')
    outcome = mutant_oracle.run_mutants(mutants)
    verdicts = {m["id"]: mutant_oracle.judge(m["id"], outcome.records) for m in mutants}
    failures = [f"{i}: {v.detail}" for i, v in verdicts.items() if v.kind == "failure"]
    assert not failures, failures
    assert verdicts["sparse:intact"].kind == "ok"
    assert "output" in outcome.records[("sparse:intact", "ours-litert")]
    ran = [m["id"] for m in mutants if "output" in outcome.records.get((m["id"], "ours-litert"), {})]
    print(f"\n{len(mutants)} int8 mutants: ours ran {len(ran)}: {ran}")
