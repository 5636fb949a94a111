"""Choosing the output-channel block size of a sparse weight, and saying why.

Storing (rule for a weight that already has its zeros): a block size B is
*usable* for a weight with O output channels when

1. B divides O (TFLite's sparse format has no partial blocks: a block map
   whose block does not divide the dimension makes DENSIFY write out of
   bounds), and
2. the all-zero blocks of B consecutive output channels (at one input
   channel) hold at least ``RETENTION`` (98%) of the weight's zeros, i.e.
   storing whole blocks adds explicit zeros for at most 2% of the zeros.

``auto`` stores with the largest usable B among 4, 2, 1 (1 is always usable).

Pruning (``--prune`` with ``auto``): the delegate's kernels for blocks of 4
output channels are its fastest, so one-shot pruning zeroes blocks of 4 where
4 divides O, else of 2, else single weights.

A block the user asks for explicitly (1, 2 or 4) that does not divide O is an
error naming the layer: silently using another block would measure something
else than what was asked. Storing blocks never changes the weights: zeros
inside a block with a non-zero are stored explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tflite_sparse.converter.errors import ConversionError

BLOCK_SIZES = (4, 2, 1)
RETENTION = 0.98


@dataclass(frozen=True)
class BlockChoice:
    """A block size and the reason it was chosen, as the CLI prints it."""

    block: int
    reason: str


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


def parse_block(requested: str | int) -> str | int:
    """``requested`` as "auto" or an int in BLOCK_SIZES, or a ConversionError."""
    if str(requested) == "auto":
        return "auto"
    if isinstance(requested, bool) or str(requested) not in {str(b) for b in BLOCK_SIZES}:
        raise ConversionError(f"--block={requested!r} is not one of auto, 1, 2, 4")
    return int(requested)


def check_divides(out_channels: int, block: int, layer: str) -> None:
    """Raises a ConversionError naming ``layer`` if an explicitly requested
    ``block`` does not divide its output channels."""
    if out_channels % block == 0:
        return
    fits = dividing_block(out_channels, block)
    raise ConversionError(
        f"--block {block}: layer '{layer}' has {out_channels} output channels, not a multiple "
        f"of {block}; use --block auto (it takes blocks of {fits} for this layer and says so) "
        f"or --block {fits}"
    )


def pruning_block(out_channels: int, requested: str | int, layer: str) -> BlockChoice:
    """The block one-shot pruning zeroes for a layer with ``out_channels``
    outputs: ``auto`` takes the delegate's fastest block that fits."""
    requested = parse_block(requested)
    if requested != "auto":
        check_divides(out_channels, requested, layer)
        return BlockChoice(requested, f"pruned in blocks of {requested} (--block {requested})")
    block = dividing_block(out_channels, 4)
    if block == 4:
        return BlockChoice(4, "pruned in blocks of 4 (auto: the delegate's fastest kernels)")
    return BlockChoice(
        block,
        f"pruned in blocks of {block} (auto: {out_channels} output channels are not a multiple of 4)",
    )


def choose(weights: np.ndarray, requested: str | int = "auto", layer: str = "the weight") -> BlockChoice:
    """The block to store ``weights`` [O, ..., I] with, and why.

    ``requested`` is "auto" or 1, 2, 4; an explicit block that does not divide
    O raises a ConversionError naming ``layer``.
    """
    requested = parse_block(requested)
    out_channels = as_matrix(weights).shape[0]
    if requested != "auto":
        check_divides(out_channels, requested, layer)
        return BlockChoice(requested, f"--block {requested}")
    rejected = []
    for block in BLOCK_SIZES[:-1]:
        if out_channels % block:
            rejected.append(f"{out_channels} channels are not a multiple of {block}")
            continue
        kept = zeros_kept(weights, block)
        if kept >= RETENTION:
            why = rejected + [f"all-zero blocks of {block} hold {kept:.0%} of its zeros"]
            return BlockChoice(block, "auto: " + "; ".join(why))
        rejected.append(f"blocks of {block} hold only {kept:.0%} of its zeros")
    return BlockChoice(1, "auto: " + "; ".join(rejected) + f" (need {RETENTION:.0%})")


def choose_block(weights: np.ndarray, requested: str | int = "auto") -> int:
    """Block size for ``weights`` [O, ..., I]: ``requested`` is "auto" or 1, 2, 4."""
    return choose(weights, requested).block
