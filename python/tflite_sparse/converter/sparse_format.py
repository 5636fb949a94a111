"""TFLite's sparse tensor format (SparsityParameters) in numpy.

Encoding: a weight of shape [O, 1, ..., 1, I] (a 1x1 convolution [O,1,1,I] or a
fully connected [O,I]) is stored with output-channel blocks of B rows:

* B = 1: traversal_order [0..n-1], no block map; dim_metadata
  DENSE(O), DENSE(1)..., SPARSE_CSR over I.
* B > 1: traversal_order [0..n], block_map [0]; dim_metadata
  DENSE(O/B), DENSE(1)..., SPARSE_CSR over I, DENSE(B). Each stored entry
  is a block of B consecutive output channels at one input channel, so
  values hold B floats per non-zero block.

Segments and indices each use the smallest index type that holds their
largest value (uint8, uint16, else int32), which TFLite reads per vector.

Decoding implements TFLite's FormatConverter for any traversal order and
block map (the files TF's converter writes included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tflite_sparse.converter.flatbuffer import schema

DENSE = schema.DimensionType.DENSE
SPARSE_CSR = schema.DimensionType.SPARSE_CSR

_INDEX_TYPES = (  # (name, numpy dtype, union type, vector class)
    ("uint8", np.uint8, schema.SparseIndexVector.Uint8Vector, schema.Uint8VectorT),
    ("uint16", np.uint16, schema.SparseIndexVector.Uint16Vector, schema.Uint16VectorT),
    ("int32", np.int32, schema.SparseIndexVector.Int32Vector, schema.Int32VectorT),
)
_INDEX_NAMES = {union: name for name, _, union, _ in _INDEX_TYPES}


class SparseFormatError(ValueError):
    """Sparsity metadata that does not describe its tensor."""


@dataclass(frozen=True)
class EncodedTensor:
    """A weight encoded in TFLite's sparse format."""

    values: np.ndarray  # float32 or int8, in storage order
    sparsity: "schema.SparsityParametersT"
    block: int
    segments_type: str  # "uint8" | "uint16" | "int32"
    indices_type: str

    @property
    def nbytes(self) -> int:
        """Bytes of values plus the index vectors."""
        return storage_bytes(self.sparsity, self.values.size * self.values.itemsize)


def index_type_for(max_value: int) -> str:
    """The smallest TFLite index type holding values 0..max_value."""
    for name, dtype, _, _ in _INDEX_TYPES:
        if max_value <= np.iinfo(dtype).max:
            return name
    raise SparseFormatError(f"index value {max_value} does not fit in int32")


def _index_vector(values: np.ndarray, type_name: str | None = None):
    """(union type, vector object, chosen name) for an index array."""
    name = type_name or index_type_for(int(values.max()) if values.size else 0)
    for candidate, dtype, union, vector_class in _INDEX_TYPES:
        if candidate == name:
            vector = vector_class()
            vector.values = values.astype(dtype)
            return union, vector, name
    raise SparseFormatError(f"unknown index type {type_name!r}")


def _dense_level(size: int) -> "schema.DimensionMetadataT":
    level = schema.DimensionMetadataT()
    level.format = DENSE
    level.denseSize = int(size)
    return level


def encode(
    weights: np.ndarray,
    block: int,
    segments_type: str | None = None,
    indices_type: str | None = None,
) -> EncodedTensor:
    """Encodes weights [O, 1, ..., 1, I] with output-channel blocks of ``block``.

    int8 weights (full-integer models) keep their type and values; anything
    else is stored as float32.

    Every value inside a block with at least one non-zero is stored, zeros
    included, so decoding gives ``weights`` back exactly (an all-zero weight
    stores one zero block: stock DENSIFY needs a constant with data). ``block`` must
    divide O. Index types default to the smallest that fit; passing a wider
    one (for tests) is allowed.
    """
    weights = np.asarray(weights)
    dtype = np.int8 if weights.dtype == np.int8 else np.float32
    weights = weights.astype(dtype, copy=False)
    if weights.ndim < 2 or any(d != 1 for d in weights.shape[1:-1]):
        raise SparseFormatError(
            f"weights of shape {list(weights.shape)} are not [O, 1, ..., 1, I]"
        )
    out_channels, in_channels = weights.shape[0], weights.shape[-1]
    if block < 1 or out_channels % block:
        raise SparseFormatError(
            f"block {block} does not divide the {out_channels} output channels"
        )
    rows = out_channels // block
    blocks = weights.reshape(rows, block, in_channels).transpose(0, 2, 1)  # [rows, I, B]
    nonzero = np.any(blocks != 0, axis=2)  # [rows, I]
    if not nonzero.any() and nonzero.size:
        nonzero[0, 0] = True  # store one zero block: TFLite rejects a sparse tensor without data
    counts = nonzero.sum(axis=1)
    segments = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = np.nonzero(nonzero)[1].astype(np.int64)  # row-major: per row, increasing i
    values = blocks[nonzero].reshape(-1)  # [nnz_blocks * B]

    seg_union, seg_vector, seg_name = _index_vector(segments, segments_type)
    idx_union, idx_vector, idx_name = _index_vector(indices, indices_type)
    if int(segments.max()) > np.iinfo(np.dtype(seg_name)).max or (
        indices.size and int(indices.max()) > np.iinfo(np.dtype(idx_name)).max
    ):
        raise SparseFormatError(f"index types {seg_name}/{idx_name} are too narrow")
    sparse = schema.DimensionMetadataT()
    sparse.format = SPARSE_CSR
    sparse.arraySegmentsType, sparse.arraySegments = seg_union, seg_vector
    sparse.arrayIndicesType, sparse.arrayIndices = idx_union, idx_vector

    rank = weights.ndim
    levels = [_dense_level(rows)] + [_dense_level(1) for _ in range(rank - 2)] + [sparse]
    params = schema.SparsityParametersT()
    if block > 1:
        levels.append(_dense_level(block))
        params.traversalOrder = list(range(rank + 1))
        params.blockMap = [0]
    else:
        params.traversalOrder = list(range(rank))
    params.dimMetadata = levels
    return EncodedTensor(values.astype(dtype), params, block, seg_name, idx_name)


def _vector_values(vector) -> np.ndarray:
    values = getattr(vector, "values", None)
    return np.zeros(0, np.int64) if values is None else np.asarray(values, dtype=np.int64)


def index_types(sparsity: "schema.SparsityParametersT") -> tuple[str, str]:
    """(segments type, indices type) names of the first sparse level."""
    for level in sparsity.dimMetadata or []:
        if level.format == SPARSE_CSR:
            return (
                _INDEX_NAMES.get(level.arraySegmentsType, "?"),
                _INDEX_NAMES.get(level.arrayIndicesType, "?"),
            )
    return ("-", "-")


def storage_bytes(sparsity: "schema.SparsityParametersT", value_bytes: int) -> int:
    """Bytes of a sparse tensor's values plus its index vectors."""
    total = value_bytes
    for level in sparsity.dimMetadata or []:
        if level.format == SPARSE_CSR:
            for vector in (level.arraySegments, level.arrayIndices):
                values = getattr(vector, "values", None)
                if values is not None:
                    total += np.asarray(values).nbytes
    return total


def block_along_dim0(sparsity: "schema.SparsityParametersT") -> int:
    """Block size declared along dimension 0 (1 when there is none)."""
    block_map = [int(b) for b in (sparsity.blockMap if sparsity.blockMap is not None else [])]
    levels = sparsity.dimMetadata or []
    rank = len(levels) - len(block_map)
    for j, dim in enumerate(block_map):
        if dim == 0 and rank + j < len(levels):
            return int(levels[rank + j].denseSize)
    return 1


def decode(
    sparsity: "schema.SparsityParametersT", values: np.ndarray, shape: tuple[int, ...]
) -> np.ndarray:
    """Dense array of ``shape`` from sparse ``values``, as TFLite's DENSIFY does.

    Raises SparseFormatError if the metadata is inconsistent with the shape or
    the number of values.
    """
    values = np.asarray(values)
    shape = tuple(int(d) for d in shape)
    rank = len(shape)
    order = [int(t) for t in (sparsity.traversalOrder if sparsity.traversalOrder is not None else [])]
    block_map = [int(b) for b in (sparsity.blockMap if sparsity.blockMap is not None else [])]
    levels = list(sparsity.dimMetadata or [])
    expanded = rank + len(block_map)
    if sorted(order) != list(range(expanded)) or len(levels) != expanded:
        raise SparseFormatError("traversal order or dim metadata does not match the shape")
    if any(order[i] >= rank for i in range(rank)):
        raise SparseFormatError("block dimensions must come last in the traversal order")
    block_sizes = [int(levels[rank + j].denseSize) for j in range(len(block_map))]
    for j, dim in enumerate(block_map):
        if not 0 <= dim < rank or block_sizes[j] < 1 or shape[dim] % block_sizes[j]:
            raise SparseFormatError(f"block {block_sizes[j]} does not divide dimension {dim}")

    positions = np.zeros(1, dtype=np.int64)
    coordinates: list[np.ndarray] = []
    for level in levels:
        if level.format == DENSE:
            size = int(level.denseSize)
            count = positions.size
            positions = (positions[:, None] * size + np.arange(size)[None, :]).reshape(-1)
            coordinates = [np.repeat(c, size) for c in coordinates]
            coordinates.append(np.tile(np.arange(size, dtype=np.int64), count))
        else:
            segments = _vector_values(level.arraySegments)
            indices = _vector_values(level.arrayIndices)
            if positions.size and (positions.max() + 1 >= segments.size):
                raise SparseFormatError("segments are shorter than the dimension they index")
            starts, ends = segments[positions], segments[positions + 1]
            lengths = ends - starts
            if np.any(lengths < 0) or (ends.size and ends.max() > indices.size):
                raise SparseFormatError("segments decrease or run past the indices")
            total = int(lengths.sum())
            first = np.repeat(np.cumsum(lengths) - lengths, lengths)
            positions = np.repeat(starts, lengths) + np.arange(total, dtype=np.int64) - first
            coordinates = [np.repeat(c, lengths) for c in coordinates]
            coordinates.append(indices[positions])
    if positions.size != values.size:
        raise SparseFormatError(
            f"the metadata addresses {positions.size} values but the tensor stores {values.size}"
        )
    original = [None] * rank
    for level_index in range(rank):
        original[order[level_index]] = coordinates[level_index]
    for level_index in range(rank, expanded):
        j = order[level_index] - rank
        dim = block_map[j]
        original[dim] = original[dim] * block_sizes[j] + coordinates[level_index]
    flat = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=values.dtype)
    for dim, coordinate in enumerate(original):
        if coordinate.size and (coordinate.min() < 0 or coordinate.max() >= shape[dim]):
            raise SparseFormatError(f"an index is out of range for dimension {dim}")
    flat[np.ravel_multi_index(tuple(original), shape)] = values
    return flat.reshape(shape)
