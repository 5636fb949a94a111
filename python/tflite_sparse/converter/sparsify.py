"""Pruning and sparse encoding of the eligible layers of a dense ModelT."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tflite_sparse.converter import blocks, flatbuffer as fb, layers, rewrite, sparse_format
from tflite_sparse.converter.flatbuffer import schema
from tflite_sparse.converter.oneshot_prune import magnitude_prune

_log = logging.getLogger(__name__)

# progress(stage, done, total, what)
Progress = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class LayerResult:
    """What the converter did with one encodable layer."""

    op: str
    name: str  # weight tensor name
    shape: tuple[int, ...]
    sparsity: float  # fraction of zero weights
    encoded: bool
    block: int = 0  # output-channel block (0 when left dense)
    segments_type: str = "-"
    indices_type: str = "-"
    dense_bytes: int = 0
    sparse_bytes: int = 0
    pruned: bool = False
    role: str = "pointwise"  # see tflite_sparse.converter.layers
    reason: str = ""  # why this block (or why dense), as the CLI prints it


def _weights(model: "schema.ModelT", layer: layers.WeightedOp) -> np.ndarray:
    tensor = model.subgraphs[0].tensors[layer.tensor]
    array = fb.constant_array(model, tensor)
    if array is None:
        raise ValueError(f"weight tensor '{layer.name}' has no readable float32 or int8 data")
    return array


def prune(
    model: "schema.ModelT",
    sparsity: float,
    block: str | int = "auto",
    fully_connected: bool = False,
    classifier: bool = False,
) -> dict[str, blocks.BlockChoice]:
    """Magnitude-prunes every prunable layer in place, each in blocks of
    :func:`blocks.pruning_block`; returns {weight name: block choice}.

    An explicit ``block`` that does not divide a layer's output channels
    raises a ConversionError naming the layer, before anything is changed.
    """
    targets = [l for l in layers.weighted_ops(model) if layers.prunable(l, fully_connected, classifier)]
    choices = {l.name: blocks.pruning_block(l.shape[0], block, l.name) for l in targets}
    for layer in targets:
        pruned = magnitude_prune(_weights(model, layer), sparsity, choices[layer.name].block)
        rewrite.set_weight(model, layer.tensor, pruned)
    fb.compact(model)
    return choices


def encode_layers(
    model: "schema.ModelT",
    min_sparsity: float = 0.5,
    block: str | int = "auto",
    fully_connected: bool = False,
    progress: Progress | None = None,
    pruned_blocks: dict[str, blocks.BlockChoice] | None = None,
) -> list[LayerResult]:
    """Stores every encodable layer with at least ``min_sparsity`` zeros
    block-sparse (block per :mod:`blocks`) with a DENSIFY op; returns one
    result per encodable layer, in graph order. A layer in ``pruned_blocks``
    (weight name -> how one-shot pruning zeroed it) is stored with the block
    it was pruned in, even where zeros it already had lie outside whole
    blocks (they are stored explicitly)."""
    candidates = [l for l in layers.weighted_ops(model) if layers.encodable(l, fully_connected)]
    results = []
    seen_tensors: set[int] = set()
    for count, layer in enumerate(candidates, start=1):
        if progress:
            progress("encode", count, len(candidates), layer.name)
        if layer.tensor in seen_tensors:  # a weight shared by several ops: stored once
            continue
        seen_tensors.add(layer.tensor)
        weights = _weights(model, layer)
        sparsity = float(np.count_nonzero(weights == 0)) / weights.size
        dense_bytes = weights.nbytes
        if sparsity < min_sparsity or weights.size == 0:
            _log.info("%s: %.1f%% zeros, below --min-sparsity; left dense", layer.name, 100 * sparsity)
            results.append(LayerResult(
                layer.op, layer.name, layer.shape, sparsity, False, dense_bytes=dense_bytes,
                role=layer.role, reason=f"fewer zeros than --min-sparsity {min_sparsity:g}",
            ))
            continue
        pruned_with = (pruned_blocks or {}).get(layer.name)
        choice = pruned_with or blocks.choose(weights, block, layer.name)
        chosen = choice.block
        encoded = sparse_format.encode(weights, chosen)
        if weights.dtype == np.int8 and encoded.nbytes >= dense_bytes:
            # int8 values are 1 byte, as small as their indices: below ~50-60%
            # zeros the sparse form is larger, and stock TFLite densifies it
            # at prepare anyway (the delegate does not run int8): keep it dense
            _log.info("%s: int8 sparse storage %d >= %d dense bytes; left dense",
                      layer.name, encoded.nbytes, dense_bytes)
            results.append(LayerResult(
                layer.op, layer.name, layer.shape, sparsity, False, dense_bytes=dense_bytes,
                role=layer.role,
                reason=f"int8: stored sparse it would take {encoded.nbytes} bytes, dense {dense_bytes}",
            ))
            continue
        rewrite.store_sparse(model, layer.tensor, encoded)
        _log.info(
            "%s %s: %.1f%% zeros, block %d, %s/%s indices, %d -> %d bytes",
            layer.name, list(layer.shape), 100 * sparsity, chosen,
            encoded.segments_type, encoded.indices_type, dense_bytes, encoded.nbytes,
        )
        results.append(
            LayerResult(
                layer.op, layer.name, layer.shape, sparsity, True, chosen,
                encoded.segments_type, encoded.indices_type, dense_bytes, encoded.nbytes,
                role=layer.role, reason=choice.reason,
            )
        )
    fb.compact(model)
    return results
