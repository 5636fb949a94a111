"""Graph rewrites on a ModelT: dense weights in, sparse weights + DENSIFY out.

* :func:`densify_weights` turns every sparse float32 constant (e.g. TF's
  EXPERIMENTAL_SPARSITY output) back into a dense constant and removes the
  DENSIFY ops that fed on them, so every input starts from one dense form.
* :func:`store_sparse` stores one weight tensor sparse: a new constant tensor
  with SparsityParameters holds the values, a DENSIFY op (placed before the
  first consumer) writes the original tensor, whose dense buffer is dropped.
"""

from __future__ import annotations

import copy

import numpy as np

from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter import sparse_format
from tflite_sparse.converter.flatbuffer import schema


# the weight types the converter stores sparse (and so reads back)
_SPARSE_DTYPES = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT8: np.int8}


def densify_weights(model: "schema.ModelT") -> int:
    """Replaces sparse float32 and int8 constants with dense ones and drops the
    DENSIFY ops they fed. Returns how many tensors were densified."""
    count = 0
    for graph_index, graph in enumerate(model.subgraphs):
        for tensor in graph.tensors or []:
            dtype = _SPARSE_DTYPES.get(tensor.type)
            if tensor.sparsity is None or dtype is None:
                continue
            values = np.frombuffer(fb.buffer_bytes(model, tensor), dtype=dtype)
            try:
                dense = sparse_format.decode(tensor.sparsity, values, fb.tensor_shape(tensor))
            except sparse_format.SparseFormatError as error:
                raise sparse_format.SparseFormatError(
                    f"sparse tensor '{fb.tensor_name(tensor)}' is invalid: {error}"
                ) from None
            tensor.buffer = fb.add_buffer(model, dense.astype(dtype).tobytes())
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
    """Replaces a dense constant's data with ``weights`` (same shape; stored
    in the tensor's own type, float32 or int8)."""
    tensor = model.subgraphs[0].tensors[tensor_index]
    dtype = _SPARSE_DTYPES.get(tensor.type, np.float32)
    tensor.buffer = fb.add_buffer(model, np.ascontiguousarray(weights).astype(dtype).tobytes())


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
    sparse.type = dense.type  # float32, or int8 in a full-integer model
    # An int8 weight keeps its per-channel scales and zero points on both the
    # sparse constant and the DENSIFY output, as TF's converter writes them:
    # the int8 CONV_2D reads them from its (densified) filter tensor.
    sparse.quantization = copy.deepcopy(dense.quantization)
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
