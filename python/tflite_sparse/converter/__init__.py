"""The tflite-sparse converter: pruned models to .tflite files whose 1x1
convolution weights are stored block-sparse in TFLite's own format
(SparsityParameters + DENSIFY), so they run on any stock interpreter and fast
with the tflite-sparse delegate.

Modules: sources (inputs -> .tflite bytes), flatbuffer (ModelT read/write),
layers (eligible layers), sparse_format (TFLite sparse encoding in numpy),
blocks (block-size rule), oneshot_prune, rewrite (DENSIFY insertion),
sparsify, verify, pipeline, inspection, and the two CLI subcommands.
"""

from __future__ import annotations

import os
from typing import Any

from tflite_sparse.converter.errors import ConversionError

__all__ = ["ConversionError", "convert", "convert_with_report", "inspect"]


def convert(
    model_or_path: Any,
    sparse: bool = True,
    *,
    min_sparsity: float = 0.5,
    block: str | int = "auto",
    prune: float | None = None,
    prune_classifier: bool = False,
    fully_connected: bool = False,
    verify: bool = True,
    progress=None,
    int8: bool = False,
    representative: Any = None,
    int8_io: bool = False,
) -> bytes:
    """Converts a model to .tflite bytes.

    ``model_or_path``: a tf_keras model (tfmot-wrapped or not), the path of a
    .keras/.h5 file, a SavedModel directory or a .tflite file (dense, or
    sparse from TF's converter), or .tflite bytes.

    With ``sparse`` every 1x1 CONV_2D (not the first convolution; and every
    FULLY_CONNECTED if ``fully_connected``) with at least ``min_sparsity``
    zero weights is stored block-sparse with a DENSIFY op; ``block`` is
    "auto" or 1, 2, 4 (see :mod:`tflite_sparse.converter.blocks`; an explicit
    block that does not divide a layer's output channels is an error).
    ``prune`` (a fraction in [0, 1)) first magnitude-prunes the 1x1 convs
    (not the first, not squeeze-excitation convs on a 1x1 map, not the
    classifier unless ``prune_classifier``) in blocks of ``block`` output
    channels (with "auto": 4 where it divides the channels, else 2, else 1):
    for latency studies only, the accuracy is lost until fine-tuning. ``verify`` runs the result and the dense model on
    stock TFLite and raises ConversionError if they differ by more than 1e-4
    (relative; for int8 models: exactly equal). ``progress(stage, done,
    total, what)`` is called as work goes.

    ``int8`` makes a full-integer model (int8 activations, per-channel int8
    weights, int32 bias) with TF's post-training quantization, calibrated on
    ``representative``: a .npy/.npz path or an array holding a batch of
    typical inputs (a list or {input name: array} for several inputs), or a
    callable returning an iterable of samples (each a list of arrays, one per
    input, batch 1) as TF's ``representative_dataset``. A tfmot
    quantization-aware-trained Keras model needs no ``representative``; an
    already full-integer .tflite is taken as it is (any .tflite with int8
    weights is stored sparse as int8 even without ``int8``). The model keeps
    float32 inputs and outputs unless ``int8_io``.
    """
    from tflite_sparse.converter.pipeline import convert_with_report as _convert

    return _convert(
        model_or_path, sparse, min_sparsity=min_sparsity, block=block, prune=prune,
        prune_classifier=prune_classifier, fully_connected=fully_connected,
        verify=verify, progress=progress, int8=int8, representative=representative,
        int8_io=int8_io,
    ).data


def convert_with_report(
    model_or_path: Any,
    sparse: bool = True,
    *,
    min_sparsity: float = 0.5,
    block: str | int = "auto",
    prune: float | None = None,
    prune_classifier: bool = False,
    fully_connected: bool = False,
    verify: bool = True,
    progress=None,
    int8: bool = False,
    representative: Any = None,
    int8_io: bool = False,
):
    """As :func:`convert`, returning a ConversionResult (data, per-layer
    results with the block chosen and why, dense size, verification error)."""
    from tflite_sparse.converter.pipeline import convert_with_report as _convert

    return _convert(
        model_or_path, sparse, min_sparsity=min_sparsity, block=block, prune=prune,
        prune_classifier=prune_classifier, fully_connected=fully_connected,
        verify=verify, progress=progress, int8=int8, representative=representative,
        int8_io=int8_io,
    )


def inspect(path: str | os.PathLike, delegate: bool = True) -> dict:
    """Per-op table of a .tflite file; see tflite_sparse.converter.inspection."""
    from tflite_sparse.converter.inspection import inspect as _inspect

    return _inspect(path, delegate=delegate)
