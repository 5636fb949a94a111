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


def _weights(model: "schema.ModelT", layer: layers.WeightedOp) -> np.ndarray:
    tensor = model.subgraphs[0].tensors[layer.tensor]
    array = fb.constant_array(model, tensor)
    if array is None:
        raise ValueError(f"weight tensor '{layer.name}' has no readable float32 data")
    return array


def prune(
    model: "schema.ModelT",
    sparsity: float,
    block: int = 1,
    fully_connected: bool = False,
    classifier: bool = False,
) -> list[str]:
    """Magnitude-prunes every prunable layer in place; returns their names."""
    names = []
    for layer in layers.weighted_ops(model):
        if layers.prunable(layer, fully_connected, classifier):
            pruned = magnitude_prune(_weights(model, layer), sparsity, block)
            rewrite.set_weight(model, layer.tensor, pruned)
            names.append(layer.name)
    fb.compact(model)
    return names


def encode_layers(
    model: "schema.ModelT",
    min_sparsity: float = 0.5,
    block: str | int = "auto",
    fully_connected: bool = False,
    progress: Progress | None = None,
) -> list[LayerResult]:
    """Stores every encodable layer with at least ``min_sparsity`` zeros
    block-sparse (block per :mod:`blocks`) with a DENSIFY op; returns one
    result per encodable layer, in graph order."""
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
            results.append(LayerResult(layer.op, layer.name, layer.shape, sparsity, False, dense_bytes=dense_bytes))
            continue
        chosen = blocks.choose_block(weights, block)
        if block != "auto" and chosen != int(block):
            _log.warning(
                "%s: block %s does not divide its %d output channels; using block %d",
                layer.name, block, weights.shape[0], chosen,
            )
        encoded = sparse_format.encode(weights, chosen)
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
            )
        )
    fb.compact(model)
    return results
