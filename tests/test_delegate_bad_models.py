"""A model whose sparsity metadata is inconsistent fails when the delegate is
applied, with a message naming the tensor: never a crash or a wrong read.
Each case runs in a subprocess so a crash would show as a signal."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

import pytest

from delegate_helpers import RUNTIMES

schema = pytest.importorskip("ai_edge_litert.schema_py_generated")

import sparse_models  # noqa: E402 - needs the schema module checked above


@pytest.fixture(scope="module")
def sparse_model(model_dir):
    """The tiny first-conv / depthwise / sparse 1x1 / mean network converted
    with EXPERIMENTAL_SPARSITY; returns (path, ModelT, name of the sparse tensor)."""
    path = sparse_models.tf_sparse_model(model_dir / "tiny_sparse.tflite")
    tree = sparse_models.read_tree(path)
    return path, tree, sparse_models.sparse_tensor(tree).name.decode()


def index_out_of_range(tensor):
    level = sparse_models.csr_level(tensor)
    level.arrayIndices.values[3] = tensor.shape[3] + 5


def segments_not_monotonic(tensor):
    values = sparse_models.csr_level(tensor).arraySegments.values
    values[5], values[6] = values[6] + 1, values[5]


def dense_size_mismatch(tensor):
    tensor.sparsity.dimMetadata[0].denseSize += 1


def block_map_out_of_range(tensor):
    sp = tensor.sparsity
    sp.blockMap = [7]
    sp.traversalOrder = list(sp.traversalOrder) + [4]
    extra = schema.DimensionMetadataT()
    extra.format = 0
    extra.denseSize = 1
    sp.dimMetadata = list(sp.dimMetadata) + [extra]


def block_does_not_divide(tensor):
    sp = tensor.sparsity
    sp.blockMap = [0]
    sp.traversalOrder = list(sp.traversalOrder) + [4]
    extra = schema.DimensionMetadataT()
    extra.format = 0
    extra.denseSize = 3  # 64 output channels are not blocks of 3
    sp.dimMetadata = list(sp.dimMetadata) + [extra]


def segments_end_past_indices(tensor):
    values = sparse_models.csr_level(tensor).arraySegments.values
    values[-1] = values[-1] + 4


def dims_wrap_size_arithmetic(tensor):
    """Issue 8.1: dims whose product wraps a 64-bit byte count to a small
    number; before the overflow checks, decoding wrote where the file chose."""
    tensor.shape = [65536, 65536, 65536, 16384]
    for level, size in zip(tensor.sparsity.dimMetadata, tensor.shape):
        if level.format == 0:
            level.denseSize = size


def more_levels_than_the_decoder_holds(tensor):
    """Issue 8.3: blocked dimensions past 2 x rank levels overflowed stack
    arrays during validation itself."""
    sp = tensor.sparsity
    sp.blockMap = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    sp.traversalOrder = list(range(4 + len(sp.blockMap)))
    dense = []
    for _ in sp.blockMap:
        extra = schema.DimensionMetadataT()
        extra.format = 0
        extra.denseSize = 1
        dense.append(extra)
    sp.dimMetadata = list(sp.dimMetadata) + dense


CORRUPTIONS = [
    index_out_of_range,
    segments_not_monotonic,
    dense_size_mismatch,
    block_map_out_of_range,
    block_does_not_divide,
    segments_end_past_indices,
    dims_wrap_size_arithmetic,
    more_levels_than_the_decoder_holds,
]

_PROBE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tflite_sparse
    path, runtime = sys.argv[1], sys.argv[2]
    try:
        interpreter = tflite_sparse.Interpreter(path, runtime=runtime)
        interpreter.allocate_tensors()
        interpreter.invoke()
    except Exception as error:  # the delegate must refuse the model
        print(json.dumps({"error": str(error)}))
        sys.exit(0)
    print(json.dumps({"error": None}))
    """
)


def _probe(path, runtime):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), runtime],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"probe crashed ({result.returncode}): {result.stderr[-2000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])["error"]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_corrupt_sparsity_is_refused_naming_the_tensor(sparse_model, tmp_path, corrupt, runtime):
    _, tree, name = sparse_model
    broken = copy.deepcopy(tree)
    corrupt(sparse_models.sparse_tensor(broken))
    path = tmp_path / f"{corrupt.__name__}.tflite"
    sparse_models.write_tree(broken, path)
    error = _probe(path, runtime)
    assert error, "the corrupt model was accepted"
    assert name in error, f"message does not name the tensor: {error}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_intact_model_is_accepted(sparse_model, tmp_path, runtime):
    """The rewrite itself is lossless: the untouched tree runs and is claimed."""
    _, tree, _ = sparse_model
    path = tmp_path / "intact.tflite"
    sparse_models.write_tree(copy.deepcopy(tree), path)
    assert _probe(path, runtime) is None


def _densify_output(tree):
    """The tensor DENSIFY writes: the 1x1 conv's weights."""
    graph = tree.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in tree.operatorCodes]
    densify = next(op for op in graph.operators
                   if codes[op.opcodeIndex] == schema.BuiltinOperator.DENSIFY)
    return graph.tensors[densify.outputs[0]]


@pytest.mark.parametrize("input_channels", [8, 32], ids=["smaller", "larger"])
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sparse_tensor_other_than_the_weights_it_stands_for(sparse_model, tmp_path, runtime,
                                                            input_channels):
    """Issue 8.2: a DENSIFY output (the conv's weight shape) that disagrees with
    the sparse tensor decoded into it gave a heap over-read when smaller and
    wrong answers when larger. Now refused, naming the sparse tensor."""
    _, tree, name = sparse_model
    broken = copy.deepcopy(tree)
    weights = _densify_output(broken)
    weights.shape = [weights.shape[0], 1, 1, input_channels]
    path = tmp_path / f"densify_output_{input_channels}.tflite"
    sparse_models.write_tree(broken, path)
    error = _probe(path, runtime)
    assert error, "the model was accepted"
    assert name in error or weights.name.decode() in error, error
