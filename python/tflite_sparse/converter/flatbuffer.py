"""Reading and writing .tflite flatbuffers as mutable ``ModelT`` objects.

Uses the TFLite schema module shipped with ai_edge_litert (no TensorFlow
import); falls back to TensorFlow's copy. Buffers are written 16-byte aligned,
as TFLite's own writer does, so float weights can be read in place.
"""

from __future__ import annotations

from typing import Iterable

import flatbuffers
import numpy as np

try:  # ai_edge_litert ships the generated schema; TensorFlow has the same module
    from ai_edge_litert import schema_py_generated as schema
except ImportError:  # pragma: no cover - depends on the installed runtimes
    from tensorflow.lite.python import schema_py_generated as schema  # type: ignore

FILE_IDENTIFIER = b"TFL3"
_BUFFER_ALIGNMENT = 16

# builtin operator code -> name, e.g. 3 -> "CONV_2D"
OP_NAMES = {
    value: name
    for name, value in vars(schema.BuiltinOperator).items()
    if not name.startswith("_") and isinstance(value, int)
}
# TensorType code -> numpy dtype, for the types weights come in
TENSOR_DTYPES = {
    schema.TensorType.FLOAT32: np.float32,
    schema.TensorType.FLOAT16: np.float16,
    schema.TensorType.INT32: np.int32,
    schema.TensorType.INT8: np.int8,
    schema.TensorType.UINT8: np.uint8,
    schema.TensorType.INT16: np.int16,
    schema.TensorType.INT64: np.int64,
    schema.TensorType.BOOL: np.bool_,
}


class ModelFormatError(ValueError):
    """The bytes are not a readable TFLite model."""


def looks_like_tflite(data: bytes) -> bool:
    """Whether ``data`` carries the TFLite file identifier ("TFL3")."""
    return len(data) >= 8 and data[4:8] == FILE_IDENTIFIER


def read_model(data: bytes, name: str = "model") -> "schema.ModelT":
    """Parses .tflite bytes into a mutable ModelT.

    Raises ModelFormatError naming ``name`` if the bytes are not a complete
    TFLite flatbuffer (wrong identifier, truncated, or inconsistent).
    """
    if not looks_like_tflite(data):
        raise ModelFormatError(f"{name} is not a TFLite flatbuffer (no 'TFL3' identifier)")
    try:
        model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    except Exception:  # the generated reader raises anything on bad offsets
        raise ModelFormatError(
            f"{name} is truncated or corrupt ({len(data)} bytes): the TFLite flatbuffer "
            "cannot be parsed; write or copy the file again"
        ) from None
    _check_consistent(model, name, len(data))
    return model


def _check_consistent(model: "schema.ModelT", name: str, size: int) -> None:
    """Checks the references a truncated or corrupt file would break."""
    buffers = model.buffers or []
    if not model.subgraphs:
        raise ModelFormatError(f"{name} has no subgraph: it is not a usable TFLite model")
    for buffer in buffers:
        if buffer.offset > 1:
            raise ModelFormatError(
                f"{name} stores buffers outside the flatbuffer (models over 2 GB); "
                "this is not supported"
            )
    codes = model.operatorCodes or []
    for graph in model.subgraphs:
        tensors = graph.tensors or []
        for tensor in tensors:
            if not 0 <= tensor.buffer < max(len(buffers), 1):
                raise ModelFormatError(f"{name} is corrupt: a tensor names a missing buffer")
        for op in graph.operators or []:
            if not 0 <= op.opcodeIndex < len(codes):
                raise ModelFormatError(f"{name} is corrupt: an operator names a missing op code")
            for index in list(index_list(op.inputs)) + list(index_list(op.outputs)):
                if not -1 <= index < len(tensors):
                    raise ModelFormatError(f"{name} is corrupt: an operator names a missing tensor")


def index_list(values) -> list[int]:
    """An index vector of the object API (None, list or numpy array) as a list."""
    if values is None:
        return []
    return [int(v) for v in values]


def _pack_buffer(builder: flatbuffers.Builder, buffer: "schema.BufferT") -> int:
    """Packs one Buffer with its data aligned to 16 bytes."""
    data_offset = None
    if buffer.data is not None and len(buffer.data) > 0:
        payload = np.asarray(buffer.data, dtype=np.uint8).tobytes()
        builder.StartVector(1, len(payload), _BUFFER_ALIGNMENT)
        builder.head -= len(payload)
        builder.Bytes[builder.head : builder.head + len(payload)] = payload
        data_offset = builder.EndVector()
    schema.BufferStart(builder)
    if data_offset is not None:
        schema.BufferAddData(builder, data_offset)
    schema.BufferAddOffset(builder, buffer.offset)
    schema.BufferAddSize(builder, buffer.size)
    return schema.BufferEnd(builder)


class _AlignedBufferT(schema.BufferT):
    """BufferT whose Pack aligns the data (the generated one aligns to 1)."""

    def Pack(self, builder):  # noqa: N802 - the generated API's name
        return _pack_buffer(builder, self)


def write_model(model: "schema.ModelT") -> bytes:
    """Serialises a ModelT to .tflite bytes (buffers 16-byte aligned)."""
    originals = list(model.buffers or [])
    aligned = []
    for buffer in originals:
        copy = _AlignedBufferT()
        copy.data, copy.offset, copy.size = buffer.data, buffer.offset, buffer.size
        aligned.append(copy)
    model.buffers = aligned
    try:
        size = sum(len(b.data) for b in aligned if b.data is not None)
        builder = flatbuffers.Builder(size + 1024 * 1024)
        builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
        return bytes(builder.Output())
    finally:
        model.buffers = originals


def op_name(model: "schema.ModelT", op: "schema.OperatorT") -> str:
    """Builtin name of an operator ("CONV_2D"), or "CUSTOM:<code>"."""
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
        return f"CUSTOM:{custom}"
    return OP_NAMES.get(builtin, f"BUILTIN_{builtin}")


def opcode_index(model: "schema.ModelT", builtin: int, version: int = 1) -> int:
    """Index of the operator code for ``builtin``, added if the model lacks it."""
    for index, code in enumerate(model.operatorCodes or []):
        if max(int(code.builtinCode), int(code.deprecatedBuiltinCode)) == builtin:
            return index
    code = schema.OperatorCodeT()
    code.builtinCode = builtin
    code.deprecatedBuiltinCode = min(builtin, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
    code.version = version
    model.operatorCodes = list(model.operatorCodes or []) + [code]
    return len(model.operatorCodes) - 1


def buffer_bytes(model: "schema.ModelT", tensor: "schema.TensorT") -> bytes:
    """Raw bytes of a tensor's buffer (b"" if it has none)."""
    buffers = model.buffers or []
    if tensor.buffer <= 0 or tensor.buffer >= len(buffers):
        return b""
    data = buffers[tensor.buffer].data
    return b"" if data is None else np.asarray(data, dtype=np.uint8).tobytes()


def tensor_name(tensor: "schema.TensorT") -> str:
    """A tensor's name as str."""
    name = tensor.name
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name or "")


def tensor_shape(tensor: "schema.TensorT") -> tuple[int, ...]:
    """A tensor's static shape as a tuple."""
    return tuple(index_list(tensor.shape))


def constant_array(model: "schema.ModelT", tensor: "schema.TensorT") -> np.ndarray | None:
    """A dense constant tensor's value as a numpy array, or None if the tensor
    has no data, is sparse, or has a type we do not read."""
    dtype = TENSOR_DTYPES.get(tensor.type)
    data = buffer_bytes(model, tensor)
    if dtype is None or not data or tensor.sparsity is not None:
        return None
    array = np.frombuffer(data, dtype=dtype)
    shape = tensor_shape(tensor)
    if array.size != int(np.prod(shape, dtype=np.int64)):
        return None
    return array.reshape(shape).copy()


def add_buffer(model: "schema.ModelT", data: bytes | None) -> int:
    """Appends a buffer holding ``data``; returns its index."""
    buffer = schema.BufferT()
    buffer.data = None if not data else np.frombuffer(data, dtype=np.uint8).copy()
    model.buffers = list(model.buffers or []) + [buffer]
    return len(model.buffers) - 1


def set_buffer(model: "schema.ModelT", index: int, data: bytes | None) -> None:
    """Replaces the data of buffer ``index``."""
    model.buffers[index].data = None if not data else np.frombuffer(data, dtype=np.uint8).copy()


def empty_buffer(model: "schema.ModelT") -> int:
    """Index of an empty buffer (TFLite's convention is buffer 0)."""
    buffers = model.buffers or []
    if buffers and (buffers[0].data is None or len(buffers[0].data) == 0):
        return 0
    return add_buffer(model, None)


def consumers(graph: "schema.SubGraphT", tensor: int) -> list[int]:
    """Indices of the operators that read ``tensor``, in execution order."""
    return [i for i, op in enumerate(graph.operators or []) if tensor in index_list(op.inputs)]


def producer(graph: "schema.SubGraphT", tensor: int) -> int | None:
    """Index of the operator that writes ``tensor``, or None."""
    for i, op in enumerate(graph.operators or []):
        if tensor in index_list(op.outputs):
            return i
    return None


def compact(model: "schema.ModelT") -> None:
    """Drops tensors no operator, graph input/output or signature uses, and
    buffers no tensor or metadata uses, renumbering the references."""
    used_buffers = {0}
    used_buffers.update(m.buffer for m in model.metadata or [])
    for graph_index, graph in enumerate(model.subgraphs):
        used = set(index_list(graph.inputs)) | set(index_list(graph.outputs))
        for op in graph.operators or []:
            for field in (op.inputs, op.outputs, op.intermediates):
                used.update(i for i in index_list(field) if i >= 0)
        for signature in model.signatureDefs or []:
            if signature.subgraphIndex == graph_index:
                used.update(t.tensorIndex for t in _signature_tensors(signature))
        old_tensors = graph.tensors or []
        remap = {}
        kept = []
        for old, tensor in enumerate(old_tensors):
            if old in used:
                remap[old] = len(kept)
                kept.append(tensor)
        graph.tensors = kept
        _renumber_graph(model, graph, graph_index, remap)
        used_buffers.update(t.buffer for t in kept)
    buffer_remap = {}
    kept_buffers = []
    for old, buffer in enumerate(model.buffers or []):
        if old in used_buffers:
            buffer_remap[old] = len(kept_buffers)
            kept_buffers.append(buffer)
    model.buffers = kept_buffers
    for graph in model.subgraphs:
        for tensor in graph.tensors:
            tensor.buffer = buffer_remap[tensor.buffer]
    for metadata in model.metadata or []:
        metadata.buffer = buffer_remap[metadata.buffer]


def _signature_tensors(signature) -> Iterable:
    return list(signature.inputs or []) + list(signature.outputs or [])


def _renumber_graph(model, graph, graph_index: int, remap: dict[int, int]) -> None:
    def renumber(values):
        if values is None:
            return None
        return [remap[i] if i >= 0 else i for i in index_list(values)]

    graph.inputs = renumber(graph.inputs)
    graph.outputs = renumber(graph.outputs)
    for op in graph.operators or []:
        op.inputs = renumber(op.inputs)
        op.outputs = renumber(op.outputs)
        op.intermediates = renumber(op.intermediates)
    for signature in model.signatureDefs or []:
        if signature.subgraphIndex == graph_index:
            for tensor_map in _signature_tensors(signature):
                tensor_map.tensorIndex = remap[tensor_map.tensorIndex]
