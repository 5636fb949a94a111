"""Graph rewrites on a ModelT: dense weights in, sparse weights + DENSIFY out.

* :func:`densify_weights` turns every sparse float32 constant (e.g. TF's
  EXPERIMENTAL_SPARSITY output) back into a dense constant and removes the
  DENSIFY ops that fed on them, so every input starts from one dense form.
* :func:`store_sparse` stores one weight tensor sparse: a new constant tensor
  with SparsityParameters holds the values, a DENSIFY op (placed before the
  first consumer) writes the original tensor, whose dense buffer is dropped.
"""

from __future__ import annotations

import numpy as np

from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter import sparse_format
from tflite_sparse.converter.flatbuffer import schema


def densify_weights(model: "schema.ModelT") -> int:
    """Replaces sparse float32 constants with dense ones and drops the DENSIFY
    ops they fed. Returns how many tensors were densified."""
    count = 0
    for graph_index, graph in enumerate(model.subgraphs):
        for tensor in graph.tensors or []:
            if tensor.sparsity is None or tensor.type != schema.TensorType.FLOAT32:
                continue
            values = np.frombuffer(fb.buffer_bytes(model, tensor), dtype=np.float32)
            try:
                dense = sparse_format.decode(tensor.sparsity, values, fb.tensor_shape(tensor))
            except sparse_format.SparseFormatError as error:
                raise sparse_format.SparseFormatError(
                    f"sparse tensor '{fb.tensor_name(tensor)}' is invalid: {error}"
                ) from None
            tensor.buffer = fb.add_buffer(model, dense.astype(np.float32).tobytes())
            tensor.sparsity = None
            count += 1
        _drop_constant_densify(model, graph)
    if count:
        fb.compact(model)
    return count


def _drop_constant_densify(model: "schema.ModelT", graph: "schema.SubGraphT") -> None:
    """Removes DENSIFY ops whose input is a dense constant: the output tensor
    takes the constant's data."""
    kept = []
    graph_outputs = set(fb.index_list(graph.outputs))
    for op in graph.operators or []:
        inputs, outputs = fb.index_list(op.inputs), fb.index_list(op.outputs)
        if fb.op_name(model, op) == "DENSIFY" and len(inputs) == 1 and len(outputs) == 1:
            source, target = graph.tensors[inputs[0]], graph.tensors[outputs[0]]
            data = fb.buffer_bytes(model, source)
            if source.sparsity is None and data and outputs[0] not in graph_outputs:
                target.buffer = fb.add_buffer(model, data)
                continue
        kept.append(op)
    graph.operators = kept


def set_weight(model: "schema.ModelT", tensor_index: int, weights: np.ndarray) -> None:
    """Replaces a dense constant's data with ``weights`` (same shape/type)."""
    tensor = model.subgraphs[0].tensors[tensor_index]
    tensor.buffer = fb.add_buffer(model, np.ascontiguousarray(weights, np.float32).tobytes())


def store_sparse(
    model: "schema.ModelT", tensor_index: int, encoded: sparse_format.EncodedTensor
) -> None:
    """Stores weight tensor ``tensor_index`` of subgraph 0 as ``encoded`` plus a
    DENSIFY op. Call :func:`tflite_sparse.converter.flatbuffer.compact`
    afterwards to drop the dense buffers no longer used."""
    graph = model.subgraphs[0]
    dense = graph.tensors[tensor_index]
    sparse = schema.TensorT()
    sparse.shape = list(fb.tensor_shape(dense))
    sparse.type = schema.TensorType.FLOAT32
    sparse.name = (fb.tensor_name(dense) + "/sparse").encode()
    sparse.buffer = fb.add_buffer(model, encoded.values.tobytes())
    sparse.sparsity = encoded.sparsity
    graph.tensors = list(graph.tensors) + [sparse]
    dense.buffer = fb.add_buffer(model, None)  # the DENSIFY output: no data

    densify = schema.OperatorT()
    densify.opcodeIndex = fb.opcode_index(model, schema.BuiltinOperator.DENSIFY)
    densify.inputs = [len(graph.tensors) - 1]
    densify.outputs = [tensor_index]
    first = min(fb.consumers(graph, tensor_index))
    operators = list(graph.operators)
    operators.insert(first, densify)
    graph.operators = operators
