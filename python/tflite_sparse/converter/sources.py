"""Loading the converter's inputs into .tflite bytes.

Accepted: a tf_keras model object, a Keras file (.keras, .h5), a SavedModel
directory, or a .tflite file. Models wrapped by tfmot's prune_low_magnitude
are stripped first. Keras models and SavedModels are converted dense with
TF's converter; TensorFlow is imported only for those.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tflite_sparse.converter.errors import ConversionError, first_line
from tflite_sparse.converter.flatbuffer import looks_like_tflite

_log = logging.getLogger(__name__)
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_PRUNE_WRAPPER = "PruneLowMagnitude"


@dataclass(frozen=True)
class Source:
    """A model ready for the flatbuffer rewrite."""

    tflite: bytes  # dense, or sparse as TF's converter writes it
    name: str  # how messages name the input
    kind: str  # keras | keras-file | savedmodel | tflite
    keras: Any = None  # the (loaded) tf_keras model, for quantization
    saved_model: str | None = None  # the SavedModel directory, for quantization


def load(model_or_path: Any, float_keras: bool = True) -> Source:
    """Loads a Keras model object or a path (Keras file, SavedModel, .tflite).

    With ``float_keras`` False a Keras model is not converted to a float
    .tflite (``tflite`` is b""): the int8 path quantizes it directly.
    """
    if isinstance(model_or_path, (bytes, bytearray)):
        return Source(bytes(model_or_path), "the model bytes", "tflite")
    if isinstance(model_or_path, (str, os.PathLike)):
        return _load_path(Path(model_or_path), float_keras)
    if hasattr(model_or_path, "layers") and hasattr(model_or_path, "predict"):
        name = f"Keras model '{getattr(model_or_path, 'name', 'model')}'"
        data = _keras_to_tflite(model_or_path, name) if float_keras else b""
        return Source(data, name, "keras", keras=model_or_path)
    raise ConversionError(
        f"cannot convert a {type(model_or_path).__name__}: pass a tf_keras model or the path "
        "of a .tflite, .keras, .h5 file or SavedModel directory"
    )


def _load_path(path: Path, float_keras: bool = True) -> Source:
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        if not any((path / name).is_file() for name in ("saved_model.pb", "saved_model.pbtxt")):
            raise ConversionError(
                f"{path} is a directory but not a SavedModel (no saved_model.pb in it)"
            )
        return _saved_model_source(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if looks_like_tflite(head):
        return Source(path.read_bytes(), str(path), "tflite")
    if head.startswith(_HDF5_MAGIC) or head.startswith(_ZIP_MAGIC):
        model = _load_keras_file(path)
        data = _keras_to_tflite(model, str(path)) if float_keras else b""
        return Source(data, str(path), "keras-file", keras=model)
    if path.suffix == ".tflite":
        raise ConversionError(f"{path} is not a TFLite flatbuffer (no 'TFL3' identifier)")
    raise ConversionError(
        f"{path} is not a TFLite, Keras (.keras, .h5) or SavedModel file"
    )


def load_keras(path: str | os.PathLike) -> Any:
    """The tf_keras model in a .keras/.h5 file or a Keras SavedModel directory
    (tfmot-wrapped models load too), or a ConversionError that says why not."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ConversionError(f"{path} is a directory but not a SavedModel (no saved_model.pb in it)")
        return _load_keras_file(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if looks_like_tflite(head):
        raise ConversionError(
            f"{path} is a .tflite file; this needs the Keras model (.keras, .h5 or SavedModel). "
            "`tflite inspect` describes a .tflite"
        )
    if not (head.startswith(_HDF5_MAGIC) or head.startswith(_ZIP_MAGIC)):
        raise ConversionError(f"{path} is not a Keras model file (.keras, .h5) or SavedModel directory")
    return _load_keras_file(path)


def _tensorflow():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def _prune_scope():
    """tfmot's custom-object scopes (so pruning- and quantization-wrapped
    models load), or a no-op."""
    import contextlib

    try:
        import tensorflow_model_optimization as tfmot
    except ImportError:
        return contextlib.nullcontext()
    stack = contextlib.ExitStack()
    stack.enter_context(tfmot.sparsity.keras.prune_scope())
    stack.enter_context(tfmot.quantization.keras.quantize_scope())
    return stack


def _load_keras_file(path: Path):
    _tensorflow()
    import tf_keras

    try:
        with _prune_scope():
            return tf_keras.models.load_model(str(path), compile=False)
    except Exception as error:  # h5py/zip/deserialisation raise many types
        raise ConversionError(
            f"cannot load the Keras model {path}: {first_line(error)} "
            "(save it with tf_keras, e.g. model.save('m.h5'))"
        ) from None


def is_prune_wrapped(model: Any) -> bool:
    """Whether any layer of ``model`` is a tfmot prune_low_magnitude wrapper."""
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop()
        if type(layer).__name__ == _PRUNE_WRAPPER:
            return True
        stack.extend(getattr(layer, "layers", []) or [])
    return False


def strip_pruning(model: Any, name: str) -> Any:
    """``model`` without tfmot's pruning wrappers (the weights keep their zeros)."""
    if not is_prune_wrapped(model):
        return model
    try:
        import tensorflow_model_optimization as tfmot

        stripped = tfmot.sparsity.keras.strip_pruning(model)
    except Exception as error:
        raise ConversionError(
            f"cannot strip the pruning wrappers of {name}: {first_line(error)} "
            "(call tfmot.sparsity.keras.strip_pruning yourself before converting)"
        ) from None
    _log.info("stripped tfmot pruning wrappers from %s", name)
    return stripped


def _keras_to_tflite(model: Any, name: str) -> bytes:
    tf = _tensorflow()
    model = strip_pruning(model, name)
    try:
        return tf.lite.TFLiteConverter.from_keras_model(model).convert()
    except Exception as error:
        raise ConversionError(f"TF's converter failed on {name}: {first_line(error)}") from None


def _saved_model_source(path: Path) -> Source:
    tf = _tensorflow()
    metadata = path / "keras_metadata.pb"
    if metadata.is_file() and _PRUNE_WRAPPER.encode() in metadata.read_bytes():
        model = _load_keras_file(path)
        return Source(_keras_to_tflite(model, str(path)), str(path), "savedmodel", keras=model)
    try:
        data = tf.lite.TFLiteConverter.from_saved_model(str(path)).convert()
    except Exception as error:
        raise ConversionError(f"TF's converter failed on {path}: {first_line(error)}") from None
    return Source(data, str(path), "savedmodel", saved_model=str(path))
