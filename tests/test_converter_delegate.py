"""The tflite-sparse delegate claims the 1x1 convolutions the converter
stored block-sparse and runs them with the blocked SpMM kernels.

Skipped only when the delegate library is not built (delegate_path() raises
FileNotFoundError); build it with `pip install --no-build-isolation -e .`.
"""

from __future__ import annotations

import numpy as np
import pytest

import test_converter_helpers as helpers
import tflite_sparse
from tflite_sparse.converter import convert_with_report
from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter.inspection import inspect


def _delegate_built() -> bool:
    try:
        tflite_sparse.delegate_path()
    except FileNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _delegate_built(), reason="the delegate library is not built")


def _sparse_convs(data: bytes) -> dict[int, int]:
    """Node index of every op reading a DENSIFY output -> the stored block."""
    from tflite_sparse.converter import sparse_format

    model = fb.read_model(data)
    graph = model.subgraphs[0]
    blocks = {}
    for op in graph.operators:
        if fb.op_name(model, op) == "DENSIFY":
            tensor = graph.tensors[fb.index_list(op.inputs)[0]]
            blocks[fb.index_list(op.outputs)[0]] = sparse_format.block_along_dim0(tensor.sparsity)
    return {
        index: blocks[weight]
        for index, op in enumerate(graph.operators)
        for weight in fb.index_list(op.inputs)[1:2]
        if weight in blocks
    }


@pytest.mark.parametrize("block", (1, 2, 4))
@pytest.mark.parametrize("runtime", ("tf", "litert"))
def test_delegate_claims_converted_convs_with_blocked_kernels(block, runtime, tmp_path):
    result = convert_with_report(helpers.mobilenet_small_tflite(), prune=0.9, block=block)
    path = helpers.write(tmp_path, f"mbv1_b{block}.tflite", result.data)
    convs = _sparse_convs(result.data)
    assert len(convs) == 13 and set(convs.values()) == {block}

    interpreter = tflite_sparse.Interpreter(path, runtime=runtime)
    x = helpers.random_input((1, 96, 96, 3), seed=5)
    got = helpers_run(interpreter, x)
    report = tflite_sparse.delegate_report(interpreter)
    claimed = {n for p in report["partitions"] for n in p["nodes"]}
    steps = {s["node"]: s for p in report["partitions"] for s in p["steps"] if "node" in s}
    for node, stored_block in convs.items():
        assert node in claimed, f"node {node} not claimed"
        assert steps[node]["kernel"] == "spmm"
        assert steps[node]["block"] == stored_block

    want = helpers.run_model(runtime, result.data, x)
    assert helpers.relative_error(got, want) <= 1e-4


def helpers_run(interpreter, x: np.ndarray) -> np.ndarray:
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()


def test_inspect_shows_the_delegate_claims(tmp_path):
    result = convert_with_report(helpers.mobilenet_small_tflite(), prune=0.9, block=4)
    path = helpers.write(tmp_path, "mbv1_b4.tflite", result.data)
    inspection = inspect(path)
    assert inspection["delegate"]["available"], inspection["delegate"]["error"]
    rows = {row["index"]: row for row in inspection["ops"]}
    for node in _sparse_convs(result.data):
        assert rows[node]["claimed"] is True
        assert rows[node]["kernel"] == "spmm" and rows[node]["kernel_block"] == 4
