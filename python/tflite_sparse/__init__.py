"""tflite-sparse: fast sparse convolutional inference for TensorFlow Lite.

The delegate (a C library shipped inside this package) runs the body of a
pruned CNN in CHW layout with sparse-matrix x dense-matrix kernels; the
converter stores pruned 1x1 convolution weights block-sparse in the .tflite.
"""

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


def convert(model_or_path, sparse: bool = True, **kwargs) -> bytes:
    """Converts a Keras model, SavedModel or .tflite to .tflite bytes.

    See tflite_sparse.converter.convert for the options.
    """
    from tflite_sparse.converter import convert as _convert

    return _convert(model_or_path, sparse=sparse, **kwargs)


def inspect(path):
    """Per-op table of a .tflite file. See tflite_sparse.converter.inspect."""
    from tflite_sparse.converter import inspect as _inspect

    return _inspect(path)
