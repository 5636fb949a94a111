"""Choosing the output-channel block size of a sparse weight.

The rule: a block size B is *usable* for a weight with O output channels when

1. B divides O (TFLite's sparse format has no partial blocks: a block map
   whose block does not divide the dimension makes DENSIFY write out of
   bounds), and
2. the all-zero blocks of B consecutive output channels (at one input
   channel) hold at least ``RETENTION`` (98%) of the weight's zeros, i.e.
   storing whole blocks adds explicit zeros for at most 2% of the zeros.

``auto`` picks the largest usable B among 4, 2, 1 (1 is always usable). A
requested B that does not divide O falls back to the largest of 4, 2, 1 that
is not larger than it and divides O. Storing blocks never changes the
weights: zeros inside a block with a non-zero are stored explicitly.
"""

from __future__ import annotations

import numpy as np

BLOCK_SIZES = (4, 2, 1)
RETENTION = 0.98


def as_matrix(weights: np.ndarray) -> np.ndarray:
    """The weight as an [O, I] matrix (dims between the first and last are 1)."""
    weights = np.asarray(weights)
    return weights.reshape(weights.shape[0], -1)


def zeros_kept(weights: np.ndarray, block: int) -> float:
    """Fraction of the weight's zeros that lie in all-zero blocks of ``block``
    output channels (1.0 if the weight has no zeros). ``block`` must divide O."""
    matrix = as_matrix(weights)
    out_channels = matrix.shape[0]
    if out_channels % block:
        raise ValueError(f"block {block} does not divide {out_channels} output channels")
    zeros = int(np.count_nonzero(matrix == 0))
    if zeros == 0:
        return 1.0
    blocks = matrix.reshape(out_channels // block, block, -1)
    empty = int(np.count_nonzero(~np.any(blocks != 0, axis=1)))
    return empty * block / zeros


def dividing_block(out_channels: int, largest: int) -> int:
    """The largest of 4, 2, 1 that is at most ``largest`` and divides O."""
    for block in BLOCK_SIZES:
        if block <= largest and out_channels % block == 0:
            return block
    return 1


def choose_block(weights: np.ndarray, requested: str | int = "auto") -> int:
    """Block size for ``weights`` [O, ..., I]: ``requested`` is "auto" or 1, 2, 4."""
    out_channels = as_matrix(weights).shape[0]
    if requested != "auto":
        block = int(requested)
        if block not in BLOCK_SIZES:
            raise ValueError(f"block {requested!r} is not one of auto, 1, 2, 4")
        return dividing_block(out_channels, block)
    for block in BLOCK_SIZES:
        if out_channels % block == 0 and zeros_kept(weights, block) >= RETENTION:
            return block
    return 1
