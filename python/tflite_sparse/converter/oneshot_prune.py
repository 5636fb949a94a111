"""One-shot magnitude pruning of weights, for latency studies.

This zeroes the smallest weights without any training: the model computes
something else afterwards, and its accuracy needs fine-tuning (use
``tflite_sparse.pruning`` for gradual pruning during training). It exists so
that the speed of a sparse model can be measured without training one.
"""

from __future__ import annotations

import numpy as np

from tflite_sparse.converter.blocks import as_matrix, dividing_block

WARNING = (
    "--prune zeroes weights by magnitude without training: the converted model's "
    "accuracy is lost until it is fine-tuned (use it for latency studies only)"
)


def check_sparsity(value: float, option: str) -> float:
    """``value`` as a float in [0, 1), or a ValueError naming ``option``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{option}={value!r} is not a number; give a fraction in [0, 1)") from None
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{option}={value!r} is outside [0, 1); give a fraction such as 0.9")
    return number


def magnitude_prune(weights: np.ndarray, sparsity: float, block: int = 1) -> np.ndarray:
    """A copy of ``weights`` [O, ..., I] with the fraction ``sparsity`` of its
    blocks of ``block`` output channels (at one input channel) set to zero,
    the blocks with the smallest L1 norm first.

    If ``block`` does not divide O the largest of 4, 2, 1 that does is used.
    """
    sparsity = check_sparsity(sparsity, "sparsity")
    weights = np.asarray(weights, dtype=np.float32)
    matrix = as_matrix(weights)
    out_channels, in_channels = matrix.shape
    block = dividing_block(out_channels, block)
    norms = np.abs(matrix).reshape(out_channels // block, block, in_channels).sum(axis=1)
    count = int(round(sparsity * norms.size))
    keep = np.ones(norms.size, dtype=bool)
    if count:
        keep[np.argsort(norms, axis=None, kind="stable")[:count]] = False
    mask = np.repeat(keep.reshape(norms.shape), block, axis=0)
    return (matrix * mask).reshape(weights.shape)
