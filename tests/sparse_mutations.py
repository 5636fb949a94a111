"""Seeded mutants of a sparse .tflite model, in the spirit of a fuzzer: byte
edits inside the sparse tensor's metadata region, and structured edits of the
sparsity metadata, shapes, buffer and op wiring around the DENSIFY node.

A mutant is a pure function of (base model, seed), so a failing seed is
reproduced with ``mutant(base, seed)`` alone.
"""

from __future__ import annotations

import copy
import random
import struct
from dataclasses import dataclass

import numpy as np
from ai_edge_litert import schema_py_generated as schema

import sparse_models

INT32 = (-(2**31), 2**31 - 1)
_VECTOR_TYPES = {  # SparseIndexVector union tag -> (object class, value dtype)
    schema.SparseIndexVector.Int32Vector: (schema.Int32VectorT, np.int32),
    schema.SparseIndexVector.Uint16Vector: (schema.Uint16VectorT, np.uint16),
    schema.SparseIndexVector.Uint8Vector: (schema.Uint8VectorT, np.uint8),
}


@dataclass
class Base:
    """One model to mutate: its tree, its bytes and where its sparse metadata lies."""

    name: str
    tree: "schema.ModelT"
    data: bytes
    metadata_region: list[tuple[int, int]]  # [start, end) byte ranges


def load_base(name: str, path) -> Base:
    data = path.read_bytes()
    return Base(name, sparse_models.read_tree(path), data, metadata_region(data))


# ------------------------------------------------------------ byte region ---
def _table_ranges(tab) -> list[tuple[int, int]]:
    """The table's inline fields and its vtable."""
    buf, pos = tab.Bytes, tab.Pos
    vtable = pos - struct.unpack_from("<i", buf, pos)[0]
    vt_size, obj_size = struct.unpack_from("<HH", buf, vtable)
    return [(vtable, vtable + vt_size), (pos, pos + obj_size)]


def _vector_range(tab, slot: int, item: int) -> list[tuple[int, int]]:
    offset = tab.Offset(slot)
    if not offset:
        return []
    start = tab.Vector(offset)
    return [(start - 4, start + item * tab.VectorLen(offset))]  # with its length prefix


def metadata_region(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the sparse tensor's SparsityParameters (tables, vtables,
    traversal order, block map, every dim metadata and its index vectors) and
    of its shape vector: what a corrupt file would most plausibly damage."""
    model = schema.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)
    tensor = next(graph.Tensors(i) for i in range(graph.TensorsLength())
                  if graph.Tensors(i).Sparsity() is not None)
    ranges = _vector_range(tensor._tab, 4, 4)  # Tensor.shape
    sp = tensor.Sparsity()
    ranges += _table_ranges(sp._tab) + _vector_range(sp._tab, 4, 4) + _vector_range(sp._tab, 6, 4)
    for level in range(sp.DimMetadataLength()):
        md = sp.DimMetadata(level)
        ranges += _table_ranges(md._tab)
        for union, tag in ((md.ArraySegments(), md.ArraySegmentsType()),
                           (md.ArrayIndices(), md.ArrayIndicesType())):
            if union is None or tag not in _VECTOR_TYPES:
                continue
            item = np.dtype(_VECTOR_TYPES[tag][1]).itemsize
            ranges += _table_ranges(union) + _vector_range(union, 4, item)
    return sorted(ranges)


def _byte_mutant(base: Base, rng: random.Random) -> tuple[bytes, list[str]]:
    data = bytearray(base.data)
    positions = sorted({p for start, end in base.metadata_region for p in range(start, end)})
    edits = []
    for _ in range(rng.randint(1, 4)):
        p = rng.choice(positions)
        kind = rng.randrange(4)
        if kind == 0:
            bit = rng.randrange(8)
            data[p] ^= 1 << bit
            edits.append(f"flip bit {bit} of byte {p}")
        elif kind == 1:
            data[p] = rng.randrange(256)
            edits.append(f"byte {p} = {data[p]}")
        elif kind == 2:
            data[p] = rng.choice((0, 0xFF, 0x7F, 0x80))
            edits.append(f"byte {p} = {data[p]}")
        else:
            p -= p % 4
            value = rng.choice((0, 1, -1, 2**31 - 1, -(2**31), 0x10000, rng.randrange(-64, 256)))
            struct.pack_into("<i", data, p, value)
            edits.append(f"int32 at {p} = {value}")
    return bytes(data), edits


# ------------------------------------------------------- structured edits ---
def _interesting(rng: random.Random, value: int) -> int:
    """A value near an edge: of the old value, of the index types, of int32."""
    value = int(value)
    pick = rng.choice((0, 1, -1, value + 1, value - 1, 2 * value, value // 2, 255, 256,
                       65535, 65536, INT32[1], INT32[0], rng.randrange(0, 2 * abs(value) + 3)))
    return max(INT32[0], min(INT32[1], pick))


def _as_list(values) -> list[int]:
    return [] if values is None else [int(v) for v in values]


def _set_vector(md, which: str, values: list[int], tag: int | None = None) -> None:
    """Stores index values, widening the vector type when they do not fit."""
    tag = getattr(md, which + "Type") if tag is None else tag
    cls, dtype = _VECTOR_TYPES.get(tag, _VECTOR_TYPES[schema.SparseIndexVector.Int32Vector])
    info = np.iinfo(dtype)
    if any(v < info.min or v > info.max for v in values):
        tag = schema.SparseIndexVector.Int32Vector
        cls, dtype = _VECTOR_TYPES[tag]
    vector = cls()
    vector.values = np.asarray(values, dtype=np.int64).astype(dtype)
    setattr(md, which, vector)
    setattr(md, which + "Type", tag)


def _levels_with(sp, which: str):
    return [md for md in sp.dimMetadata or [] if getattr(md, which) is not None]


def _pick_index_level(ctx, rng):
    """(array name, level holding it) for a random index array, or None."""
    which = rng.choice(("arraySegments", "arrayIndices"))
    levels = _levels_with(ctx.tensor.sparsity, which)
    return (which, rng.choice(levels)) if levels else None


class _Context:
    """The mutant's graph: the sparse tensor and the ops around it."""

    def __init__(self, tree):
        self.tree = tree
        self.graph = tree.subgraphs[0]
        self.tensor = sparse_models.sparse_tensor(tree)
        self.sparse_index = self.graph.tensors.index(self.tensor)
        code = {i: c.builtinCode for i, c in enumerate(tree.operatorCodes)}
        self.densify = next(op for op in self.graph.operators
                            if code[op.opcodeIndex] == schema.BuiltinOperator.DENSIFY)
        self.dense_index = int(self.densify.outputs[0])
        self.conv = next(op for op in self.graph.operators if self.dense_index in _as_list(op.inputs))


def edit_dense_size(ctx, rng):
    md = rng.choice(ctx.tensor.sparsity.dimMetadata)
    old = md.denseSize
    md.denseSize = _interesting(rng, old)
    return f"denseSize {old} -> {md.denseSize}"


def edit_index_value(ctx, rng):
    picked = _pick_index_level(ctx, rng)
    if picked is None:
        return None
    which, md = picked
    values = _as_list(getattr(md, which).values)
    if not values:
        return None
    i = rng.randrange(len(values))
    old, values[i] = values[i], _interesting(rng, values[i])
    _set_vector(md, which, values)
    return f"{which}[{i}] {old} -> {values[i]}"


def edit_index_length(ctx, rng):
    picked = _pick_index_level(ctx, rng)
    if picked is None:
        return None
    which, md = picked
    values = _as_list(getattr(md, which).values)
    action = rng.choice(("drop last", "append", "drop one", "empty"))
    if action == "drop last":
        values = values[:-1]
    elif action == "append":
        values.append(_interesting(rng, values[-1] if values else 0))
    elif action == "drop one" and values:
        del values[rng.randrange(len(values))]
    else:
        values = []
    _set_vector(md, which, values)
    return f"{which} {action} (now {len(values)})"


def edit_index_type(ctx, rng):
    picked = _pick_index_level(ctx, rng)
    if picked is None:
        return None
    which, md = picked
    tag = rng.choice(list(_VECTOR_TYPES))
    values = _as_list(getattr(md, which).values)
    cls, dtype = _VECTOR_TYPES[tag]
    vector = cls()
    vector.values = np.asarray(values, dtype=np.int64).astype(dtype)  # wraps, like a bad writer
    setattr(md, which, vector)
    setattr(md, which + "Type", tag)
    return f"{which} stored as type {tag}"


def edit_traversal_order(ctx, rng):
    sp = ctx.tensor.sparsity
    order = _as_list(sp.traversalOrder)
    action = rng.choice(("swap", "set", "append", "drop"))
    if action == "swap" and len(order) > 1:
        i, j = rng.sample(range(len(order)), 2)
        order[i], order[j] = order[j], order[i]
    elif action == "set" and order:
        order[rng.randrange(len(order))] = _interesting(rng, len(order))
    elif action == "append":
        order.append(rng.choice((len(order), 0, -1)))
    else:
        order = order[:-1]
    sp.traversalOrder = order
    return f"traversalOrder {action} -> {order}"


def edit_block_map(ctx, rng):
    sp = ctx.tensor.sparsity
    blocks = _as_list(sp.blockMap)
    action = rng.choice(("set", "append", "clear", "append with level"))
    if action == "set" and blocks:
        blocks[rng.randrange(len(blocks))] = rng.choice((0, 1, 3, 4, -1, 7))
    elif action == "clear":
        blocks = []
    else:
        blocks.append(rng.choice((0, 1, 2, 3, -1, 4)))
        if action == "append with level":  # keeps traversal order and levels in step
            sp.traversalOrder = _as_list(sp.traversalOrder) + [len(_as_list(sp.traversalOrder))]
            extra = schema.DimensionMetadataT()
            extra.format = schema.DimensionType.DENSE
            extra.denseSize = rng.choice((1, 2, 3, 4, 0))
            sp.dimMetadata = list(sp.dimMetadata) + [extra]
    sp.blockMap = blocks
    return f"blockMap {action} -> {blocks}"


def edit_level_format(ctx, rng):
    md = rng.choice(ctx.tensor.sparsity.dimMetadata)
    md.format = rng.choice((1 - md.format, 2, -1)) if md.format in (0, 1) else 0
    return f"a level's format -> {md.format}"


def edit_level_count(ctx, rng):
    sp = ctx.tensor.sparsity
    levels = list(sp.dimMetadata)
    i = rng.randrange(len(levels))
    if rng.random() < 0.5:
        del levels[i]
        action = f"drop level {i}"
    else:
        levels.insert(i, copy.deepcopy(levels[i]))
        action = f"duplicate level {i}"
    sp.dimMetadata = levels
    return action


def _edit_shape(rng, tensor, what: str) -> str:
    shape = _as_list(tensor.shape)
    action = rng.choice(("set", "set", "drop", "append", "swap"))
    if action == "set":
        i = rng.randrange(len(shape))
        shape[i] = _interesting(rng, shape[i])
    elif action == "drop":
        shape = shape[:-1]
    elif action == "append":
        shape.append(rng.choice((1, 2, 0)))
    elif len(shape) > 1:
        i, j = rng.sample(range(len(shape)), 2)
        shape[i], shape[j] = shape[j], shape[i]
    tensor.shape = np.asarray(shape, dtype=np.int32)
    return f"{what} shape {action} -> {shape}"


def edit_sparse_shape(ctx, rng):
    return _edit_shape(rng, ctx.tensor, "sparse tensor")


def edit_dense_shape(ctx, rng):
    return _edit_shape(rng, ctx.graph.tensors[ctx.dense_index], "DENSIFY output")


def edit_buffer(ctx, rng):
    buffer = ctx.tree.buffers[ctx.tensor.buffer]
    # An earlier edit may have emptied this buffer or pointed the tensor at
    # an empty one (buffer 0): treat that as zero bytes.
    data = np.asarray(buffer.data if buffer.data is not None else [], dtype=np.uint8)
    action = rng.choice(("truncate", "extend", "unaligned", "other buffer", "empty"))
    if action == "truncate":
        buffer.data = data[: len(data) - 4 * rng.randint(1, 8)]
    elif action == "extend":
        buffer.data = np.concatenate([data, np.zeros(4 * rng.randint(1, 8), np.uint8)])
    elif action == "unaligned":
        buffer.data = data[: len(data) - rng.randint(1, 3)]
    elif action == "other buffer":
        ctx.tensor.buffer = rng.randrange(len(ctx.tree.buffers))
    else:
        buffer.data = None
    return f"sparse buffer {action}"


def edit_op_inputs(ctx, rng):
    n = len(ctx.graph.tensors)
    op, what = rng.choice(((ctx.densify, "DENSIFY"), (ctx.conv, "1x1 conv")))
    inputs = _as_list(op.inputs)
    i = rng.randrange(len(inputs))
    choices = [rng.randrange(n), -1, n, ctx.sparse_index, ctx.dense_index]
    if what == "DENSIFY" and rng.random() < 0.3:
        inputs.append(rng.choice(choices))
        action = "extra input"
    else:
        inputs[i] = rng.choice(choices)
        action = f"input {i} -> {inputs[i]}"
    op.inputs = np.asarray(inputs, dtype=np.int32)
    return f"{what} {action}"


def edit_tensor_type(ctx, rng):
    ctx.tensor.type = rng.choice((schema.TensorType.FLOAT16, schema.TensorType.INT8,
                                  schema.TensorType.INT32))
    return f"sparse tensor type -> {ctx.tensor.type}"


EDITS = [edit_dense_size, edit_index_value, edit_index_value, edit_index_length, edit_index_type,
         edit_traversal_order, edit_block_map, edit_level_format, edit_level_count,
         edit_sparse_shape, edit_dense_shape, edit_dense_shape, edit_buffer, edit_op_inputs,
         edit_tensor_type]


def _structured_mutant(base: Base, rng: random.Random) -> tuple[bytes, list[str]]:
    tree = copy.deepcopy(base.tree)
    ctx = _Context(tree)
    edits = []
    while not edits or (len(edits) < 3 and rng.random() < 0.4):
        done = rng.choice(EDITS)(ctx, rng)
        if done:
            edits.append(done)
    return sparse_models.tree_bytes(tree), edits


def mutant(base: Base, seed: int) -> tuple[bytes, list[str]]:
    """The mutant of ``base`` for ``seed``: its bytes and what was edited."""
    rng = random.Random(f"{base.name}:{seed}")
    if rng.random() < 0.3:
        return _byte_mutant(base, rng)
    return _structured_mutant(base, rng)
