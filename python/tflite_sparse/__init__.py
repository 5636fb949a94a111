"""tflite-sparse: fast sparse convolutional inference for TensorFlow Lite.

The delegate (a C library shipped inside this package) runs the body of a
pruned CNN in CHW layout with sparse-matrix x dense-matrix kernels; the
converter stores pruned 1x1 convolution weights block-sparse in the .tflite.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from tflite_sparse.delegate import (
    DelegateOptionError,
    Interpreter,
    delegate_path,
    delegate_report,
    load_delegate,
)

__all__ = [
    "DelegateOptionError",
    "Interpreter",
    "convert",
    "delegate_path",
    "delegate_report",
    "inspect",
    "load_delegate",
]

__version__ = "0.1.0"


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
    progress: Callable[[str, int, int, str], None] | None = None,
    int8: bool = False,
    representative: Any = None,
    int8_io: bool = False,
) -> bytes:
    """Converts a model to .tflite bytes, the 1x1 convolution weights stored
    block-sparse (TFLite's SparsityParameters + DENSIFY: any interpreter runs
    the file, the tflite-sparse delegate runs it fast).

    Args:
      model_or_path: a tf_keras model (tfmot pruning wrappers are stripped),
        the path of a .keras/.h5 file, a SavedModel directory or a .tflite
        file, or .tflite bytes.
      sparse: store the sparse layers sparse (False: a dense .tflite, after
        ``prune`` if given).
      min_sparsity: a layer is stored sparse from this fraction of zero weights.
      block: output-channel block, "auto" or 1, 2, 4. "auto" stores each layer
        with the largest block whose all-zero blocks hold >= 98% of its zeros,
        and with ``prune`` prunes in blocks of 4 (the delegate's fastest) where
        4 divides the output channels, else 2, else 1. An explicit block that
        does not divide a layer's output channels raises ConversionError.
      prune: a fraction in [0, 1): first magnitude-prune the 1x1 convolutions
        to it, in one shot (not the first convolution, not squeeze-excitation
        convolutions on a 1x1 map, not the classifier unless
        ``prune_classifier``). For latency studies: accuracy needs fine-tuning.
      prune_classifier: with ``prune``, prune the final classifier too.
      fully_connected: also store (and prune) FULLY_CONNECTED weights.
      verify: run the result and the dense model on stock TFLite with the same
        random input; raise ConversionError if any output or sparse layer
        differs by more than 1e-4 (relative).
      progress: called as ``progress(stage, done, total, what)`` while working.
      int8: a full-integer model (int8 activations, per-channel int8 weights,
        int32 bias) by TF's post-training quantization, the pruned int8 1x1
        weights stored sparse; verified for exact equality with the dense
        int8 model. A tfmot quantization-aware model needs no
        ``representative``; an int8 .tflite is taken as it is. Runs on stock
        TFLite (the delegate has no int8 kernels).
      representative: with ``int8``, calibration inputs: a .npy/.npz path or
        an array with a batch of samples along dim 0 (a list or {input name:
        array} for several inputs), or a callable returning an iterable of
        samples (lists of arrays, batch 1) as TF's representative_dataset.
      int8_io: with ``int8``, int8 inputs and outputs (default float32, with
        QUANTIZE / DEQUANTIZE at the edges).

    Returns:
      The .tflite file's bytes. ``tflite_sparse.converter.convert_with_report``
      takes the same arguments and also returns what was done per layer.

    Raises:
      ConversionError (a ValueError) naming the input, layer or option.
    """
    from tflite_sparse.converter import convert as _convert

    return _convert(
        model_or_path, sparse, min_sparsity=min_sparsity, block=block, prune=prune,
        prune_classifier=prune_classifier, fully_connected=fully_connected, verify=verify,
        progress=progress, int8=int8, representative=representative, int8_io=int8_io,
    )


def inspect(path: str | os.PathLike, delegate: bool = True) -> dict:
    """Per-op table of a .tflite file (shape, sparsity, block, index type,
    bytes, and whether the delegate claims it unless ``delegate`` is False).
    See tflite_sparse.converter.inspection."""
    from tflite_sparse.converter import inspect as _inspect

    return _inspect(path, delegate=delegate)
