"""Finding the weighted layers of a TFLite graph and their roles.

Roles (subgraph 0, in execution order):

* ``first_conv``: the first CONV_2D; it stays dense (the paper keeps it dense
  and the delegate runs it with a dense HWC->CHW kernel).
* ``classifier``: the last CONV_2D or FULLY_CONNECTED of the graph.
* ``squeeze_excitation``: a 1x1 CONV_2D (not the classifier) on a 1x1
  spatial map, as in squeeze-excitation blocks; one-shot pruning leaves it
  dense (the paper's §3.1 keeps SE convolutions dense).
* ``pointwise``: the other CONV_2Ds whose weights are [O, 1, 1, I].
* ``fully_connected``, ``conv``, ``depthwise``: the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter.flatbuffer import schema

_WEIGHTED = {"CONV_2D": 1, "FULLY_CONNECTED": 1, "DEPTHWISE_CONV_2D": 1}  # op -> weight input


@dataclass(frozen=True)
class WeightedOp:
    """One operator with a constant float32 (or full-integer int8) weight tensor."""

    op_index: int
    op: str
    tensor: int  # index of the weight tensor in subgraph 0
    name: str  # the weight tensor's name
    shape: tuple[int, ...]
    role: str  # first_conv | classifier | squeeze_excitation | pointwise | fully_connected | conv | depthwise

    @property
    def is_matrix(self) -> bool:
        """Whether the weight is [O, 1, ..., 1, I] (a 1x1 conv or an FC)."""
        return len(self.shape) >= 2 and all(d == 1 for d in self.shape[1:-1])


def weighted_ops(model: "schema.ModelT") -> list[WeightedOp]:
    """Every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED of subgraph 0 whose
    weight is a dense float32 constant, or an int8 constant of a full-integer
    op (int8 activation input), with its role."""
    graph = model.subgraphs[0]
    found: list[tuple[int, str, int]] = []
    for index, op in enumerate(graph.operators or []):
        name = fb.op_name(model, op)
        inputs = fb.index_list(op.inputs)
        if name not in _WEIGHTED or len(inputs) <= _WEIGHTED[name]:
            continue
        tensor_index = inputs[_WEIGHTED[name]]
        if tensor_index < 0:
            continue
        tensor = graph.tensors[tensor_index]
        if not _stored_type(graph, inputs, tensor) or not fb.buffer_bytes(model, tensor):
            continue
        found.append((index, name, tensor_index))
    convs = [i for i, name, _ in found if name == "CONV_2D"]
    heads = [i for i, name, _ in found if name in ("CONV_2D", "FULLY_CONNECTED")]
    first_conv = convs[0] if convs else None
    classifier = heads[-1] if heads and heads[-1] != first_conv else None
    result = []
    for index, name, tensor_index in found:
        tensor = graph.tensors[tensor_index]
        shape = fb.tensor_shape(tensor)
        if index == first_conv:
            role = "first_conv"
        elif index == classifier:
            role = "classifier"
        elif name == "DEPTHWISE_CONV_2D":
            role = "depthwise"
        elif name == "FULLY_CONNECTED":
            role = "fully_connected"
        elif len(shape) == 4 and shape[1] == 1 and shape[2] == 1:
            role = "squeeze_excitation" if _on_single_pixel(graph, graph.operators[index]) else "pointwise"
        else:
            role = "conv"
        result.append(WeightedOp(index, name, tensor_index, fb.tensor_name(tensor), shape, role))
    return result


def _stored_type(graph: "schema.SubGraphT", inputs: list[int], weight: "schema.TensorT") -> bool:
    """Whether a weight has a type the converter stores sparse: float32, or
    int8 read by an op whose activation input is int8 too (full-integer).
    Hybrid ops (float activations, int8 weights) are left alone."""
    if weight.type == schema.TensorType.FLOAT32:
        return True
    if weight.type != schema.TensorType.INT8 or inputs[0] < 0:
        return False
    return graph.tensors[inputs[0]].type == schema.TensorType.INT8


def _on_single_pixel(graph: "schema.SubGraphT", op: "schema.OperatorT") -> bool:
    """Whether an op's activation input is NHWC with H = W = 1."""
    inputs = fb.index_list(op.inputs)
    if not inputs or inputs[0] < 0:
        return False
    shape = fb.tensor_shape(graph.tensors[inputs[0]])
    return len(shape) == 4 and shape[1] == 1 and shape[2] == 1


def encodable(layer: WeightedOp, fully_connected: bool) -> bool:
    """Whether a layer may be stored sparse: a 1x1 CONV_2D other than the
    first conv (the classifier included), or an FC when ``fully_connected``."""
    if layer.role in ("first_conv", "depthwise", "conv") or not layer.is_matrix:
        return False
    if layer.op == "FULLY_CONNECTED":
        return fully_connected and len(layer.shape) == 2
    return len(layer.shape) == 4


def prunable(layer: WeightedOp, fully_connected: bool, classifier: bool) -> bool:
    """Whether one-shot pruning touches a layer (the paper's choice): encodable
    layers, minus squeeze-excitation convolutions and the final classifier
    unless ``classifier``."""
    if layer.role == "squeeze_excitation" or (layer.role == "classifier" and not classifier):
        return False
    return encodable(layer, fully_connected)
