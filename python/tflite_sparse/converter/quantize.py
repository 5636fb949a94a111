"""Full-integer (int8) models: post-training quantization with TF's converter,
representative data, and the validation of quantization parameters.

What stock TFLite runs (checked by experiment on TF 2.21's tf.lite and
ai-edge-litert 2.3, builtin kernels and XNNPACK): an int8 constant with
SparsityParameters (carrying the weight's per-channel scales and zero
points) behind a DENSIFY op whose output, quantized the same way, is the
filter of an int8 CONV_2D. TF's own converter writes exactly this when
``Optimize.EXPERIMENTAL_SPARSITY`` is combined with full-integer
quantization (unstructured CSR, no block map); both runtimes run it, with
outputs equal to the dense int8 model's. So the int8 path reuses the float
path's encoding and DENSIFY insertion unchanged, only keeping the int8 type
and the quantization of the weight (see rewrite.store_sparse), and adds
output-channel blocks the same way the float path does.

Inputs and outputs: by default the quantized model keeps float32 inputs and
outputs (QUANTIZE / DEQUANTIZE at the edges, as TF's converter makes by
default), so it drops in where the float model ran; ``int8_io`` makes them
int8 (integer-only pipelines, accelerators that want no float).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter.errors import ConversionError, first_line
from tflite_sparse.converter.flatbuffer import schema

_log = logging.getLogger(__name__)
OPTION = "--representative"
_QAT_WRAPPERS = ("QuantizeWrapper", "QuantizeWrapperV2", "QuantizeLayer")
# zero-point range per quantized tensor type
_ZERO_POINT_RANGE = {
    schema.TensorType.INT8: (-128, 127),
    schema.TensorType.UINT8: (0, 255),
    schema.TensorType.INT16: (-32768, 32767),
    schema.TensorType.INT32: (-(2**31), 2**31 - 1),
}
_WEIGHTED = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1}

Representative = Any  # a path, an array, a list/dict of arrays, or a callable


# ---------------------------------------------------------------- model facts


def is_full_integer(model: "schema.ModelT") -> bool:
    """Whether subgraph 0 has a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED
    with int8 weights and int8 activations (a full-integer model)."""
    graph = model.subgraphs[0]
    for op in graph.operators or []:
        name = fb.op_name(model, op)
        inputs = fb.index_list(op.inputs)
        if name in _WEIGHTED and len(inputs) > 1 and min(inputs[:2]) >= 0:
            if (graph.tensors[inputs[0]].type == schema.TensorType.INT8
                    and graph.tensors[inputs[1]].type == schema.TensorType.INT8):
                return True
    return False


def is_qat_model(model: Any) -> bool:
    """Whether a Keras model is wrapped by tfmot's quantization-aware training."""
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop()
        if type(layer).__name__ in _QAT_WRAPPERS:
            return True
        stack.extend(getattr(layer, "layers", []) or [])
    return False


# ----------------------------------------------------- quantization checking


def _values(vector) -> np.ndarray:
    return np.zeros(0) if vector is None else np.asarray(vector).reshape(-1)


def check_quantization(model: "schema.ModelT", name: str) -> None:
    """Raises a ConversionError naming ``name`` and the tensor if any tensor's
    quantization parameters are unusable: a scale that is zero, negative or
    not finite; a zero point outside its type's range; as many zero points
    as scales missing; a quantized_dimension outside the tensor's rank; a
    per-channel scale count that is not the size of that dimension; an int8
    weight of a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED without scales."""
    for graph_index, graph in enumerate(model.subgraphs):
        where = "" if graph_index == 0 else f" in subgraph {graph_index}"
        for index, tensor in enumerate(graph.tensors or []):
            problem = _quantization_problem(tensor)
            if problem:
                raise ConversionError(
                    f"{name}: tensor '{fb.tensor_name(tensor)}' (#{index}{where}) {problem}; "
                    "the model's quantization is broken: quantize it again (e.g. tflite convert "
                    "--int8 --representative DATA from the float model)"
                )
    graph = model.subgraphs[0]
    for op in graph.operators or []:
        op_name = fb.op_name(model, op)
        inputs = fb.index_list(op.inputs)
        if op_name not in _WEIGHTED or len(inputs) < 2 or inputs[1] < 0:
            continue
        weight = graph.tensors[inputs[1]]
        scales = _values(weight.quantization.scale if weight.quantization else None)
        if weight.type == schema.TensorType.INT8 and scales.size == 0:
            raise ConversionError(
                f"{name}: tensor '{fb.tensor_name(weight)}' (#{inputs[1]}), the int8 weight of a "
                f"{op_name}, has no quantization scale; quantize the model again"
            )
        if op_name == "CONV_2D" and scales.size > 1 and weight.quantization.quantizedDimension != 0:
            raise ConversionError(
                f"{name}: tensor '{fb.tensor_name(weight)}' (#{inputs[1]}), the weight of a CONV_2D, "
                f"is quantized per channel along dimension {weight.quantization.quantizedDimension}, "
                "not its output channels (dimension 0); quantize the model again"
            )


def _quantization_problem(tensor: "schema.TensorT") -> str:
    """What is wrong with a tensor's quantization parameters ("" if nothing)."""
    quantization = tensor.quantization
    if quantization is None:
        return ""
    scales = _values(quantization.scale).astype(np.float64)
    zero_points = _values(quantization.zeroPoint).astype(np.int64)
    if scales.size == 0:
        return ""
    bad = [float(s) for s in scales if not (math.isfinite(float(s)) and float(s) > 0)]
    if bad:
        return f"has quantization scale {bad[0]!r} (scales must be finite and positive)"
    if zero_points.size not in (0, scales.size):
        return f"has {scales.size} quantization scales but {zero_points.size} zero points"
    low, high = _ZERO_POINT_RANGE.get(tensor.type, (None, None))
    if low is not None and zero_points.size and (zero_points.min() < low or zero_points.max() > high):
        value = int(zero_points.min() if zero_points.min() < low else zero_points.max())
        return f"has zero point {value}, outside [{low}, {high}] for its type"
    if scales.size > 1:
        shape = fb.tensor_shape(tensor)
        dim = int(quantization.quantizedDimension)
        if not 0 <= dim < len(shape):
            return (
                f"has quantized_dimension {dim}, outside its rank {len(shape)} "
                f"(shape {list(shape)})"
            )
        if shape[dim] != scales.size:
            return (
                f"has {scales.size} per-channel quantization scales but dimension {dim} "
                f"(quantized_dimension) has {shape[dim]} channels (shape {list(shape)})"
            )
    return ""


# ---------------------------------------------------- representative data


def input_specs(float_tflite: bytes) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    """(name, shape with -1 for dynamic dims, dtype) of each graph input of a
    .tflite, in graph order."""
    model = fb.read_model(float_tflite)
    graph = model.subgraphs[0]
    specs = []
    for index in fb.index_list(graph.inputs):
        tensor = graph.tensors[index]
        signature = fb.index_list(tensor.shapeSignature) or list(fb.tensor_shape(tensor))
        dtype = np.dtype(fb.TENSOR_DTYPES.get(tensor.type, np.float32))
        specs.append((fb.tensor_name(tensor), tuple(signature), dtype))
    return specs


def keras_input_specs(model: Any) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    """(name, shape with -1 for unknown dims, dtype) of each input of a Keras
    model, in the order TF's converter feeds representative samples."""
    specs = []
    for tensor in model.inputs:
        shape = tuple(-1 if d is None else int(d) for d in tensor.shape)
        name = getattr(tensor, "name", "input").split(":")[0]
        dtype = np.dtype(getattr(tensor.dtype, "as_numpy_dtype", np.float32))
        specs.append((name, shape, dtype))
    return specs


def _describe(shape) -> str:
    return "[" + ", ".join("N" if i == 0 else ("?" if d < 0 else str(d)) for i, d in enumerate(shape)) + "]"


def _check_array(array: Any, spec, what: str, batched: bool) -> np.ndarray:
    """``array`` as the input's dtype, after checking it fits the input spec
    (``batched``: a batch of samples along dim 0; else one sample, batch 1)."""
    name, shape, dtype = spec
    array = np.asarray(array)
    if array.dtype.kind not in "fiu":
        raise ConversionError(
            f"{OPTION}: {what} has dtype {array.dtype}; give numbers (float32) for input '{name}'"
        )
    if array.ndim != len(shape):
        raise ConversionError(
            f"{OPTION}: {what} has shape {list(array.shape)} but input '{name}' takes "
            f"{_describe(shape)} ({len(shape)} dimensions{', N samples first' if batched else ''})"
        )
    if array.shape[0] < 1:
        raise ConversionError(f"{OPTION}: {what} holds no sample")
    for dim, (got, want) in enumerate(zip(array.shape, shape)):
        if dim == 0 and batched:
            continue
        if want > 0 and got != want:
            raise ConversionError(
                f"{OPTION}: {what} has shape {list(array.shape)} but input '{name}' takes "
                f"{_describe(shape)}{' (N samples first)' if batched else ''}"
            )
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ConversionError(f"{OPTION}: {what} contains NaN or infinite values")
    return array.astype(dtype, copy=False)


def _from_file(path: Path, specs) -> list[np.ndarray]:
    if not path.is_file():
        raise ConversionError(f"{OPTION} {path}: no such file (give a .npy or .npz file)")
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as error:
        raise ConversionError(
            f"{OPTION} {path}: not a NumPy .npy/.npz file ({first_line(error)})"
        ) from None
    if isinstance(loaded, np.ndarray):
        if len(specs) != 1:
            raise ConversionError(
                f"{OPTION} {path}: one array for a model with {len(specs)} inputs; give a .npz "
                "with one array per input, named as the inputs ("
                + ", ".join(s[0] for s in specs) + ") or in input order"
            )
        return [loaded]
    with loaded:
        keys = list(loaded.files)
        names = [s[0] for s in specs]
        if set(names) <= set(keys):
            chosen = names
        elif len(keys) == len(specs):
            chosen = keys  # in the order they were saved
        else:
            raise ConversionError(
                f"{OPTION} {path}: holds arrays {keys} for a model with {len(specs)} inputs "
                f"({', '.join(names)}); give one array per input"
            )
        return [loaded[key] for key in chosen]


def samples(representative: Representative, specs) -> list[list[np.ndarray]]:
    """The representative data as a list of samples (one array per model input,
    batch 1, in input order), checked against ``specs`` (see :func:`input_specs`).

    ``representative`` is a .npy/.npz path (a batch of samples along dim 0),
    an array or a list of arrays (one per input) holding such a batch, or a
    callable returning an iterable of samples (each a list of arrays, one per
    input, or one array), as TF's ``representative_dataset``.
    """
    if representative is None:
        raise ConversionError(
            f"--int8 needs {OPTION} DATA (a .npy with a batch of typical inputs) to calibrate "
            "the activations of a float model"
        )
    if callable(representative):
        return _from_callable(representative, specs)
    if isinstance(representative, (str, os.PathLike)):
        path = Path(representative)
        arrays, what = _from_file(path, specs), str(path)
    elif isinstance(representative, dict):
        missing = [s[0] for s in specs if s[0] not in representative]
        if missing:
            raise ConversionError(f"{OPTION}: no array for input(s) {', '.join(missing)}")
        arrays, what = [representative[s[0]] for s in specs], "the data"
    elif isinstance(representative, (list, tuple)):
        arrays, what = list(representative), "the data"
    else:
        arrays, what = [representative], "the array"
    if len(arrays) != len(specs):
        raise ConversionError(
            f"{OPTION}: {len(arrays)} arrays for a model with {len(specs)} inputs"
        )
    checked = [
        _check_array(a, spec, what if len(specs) == 1 else f"{what} (input '{spec[0]}')", True)
        for a, spec in zip(arrays, specs)
    ]
    counts = {a.shape[0] for a in checked}
    if len(counts) != 1:
        raise ConversionError(f"{OPTION}: the inputs' arrays hold different numbers of samples")
    return [[a[i : i + 1] for a in checked] for i in range(counts.pop())]


def _from_callable(function: Callable[[], Iterable], specs) -> list[list[np.ndarray]]:
    try:
        items = list(function())
    except Exception as error:
        raise ConversionError(f"{OPTION}: the representative data callable failed: {first_line(error)}") from None
    if not items:
        raise ConversionError(f"{OPTION}: the representative data callable yielded no sample")
    result = []
    for number, item in enumerate(items):
        arrays = list(item) if isinstance(item, (list, tuple)) else [item]
        if len(arrays) != len(specs):
            raise ConversionError(
                f"{OPTION}: sample {number} has {len(arrays)} arrays for a model with {len(specs)} inputs"
            )
        result.append([
            _check_array(a, spec, f"sample {number} (input '{spec[0]}')", False)
            for a, spec in zip(arrays, specs)
        ])
    return result


# ------------------------------------------------------------ quantization


def quantize(
    keras_model: Any, saved_model: str | None, name: str, data: list[list[np.ndarray]] | None,
    int8_io: bool = False,
) -> bytes:
    """A full-integer .tflite made by TF's post-training quantization (int8
    activations, per-channel int8 weights, int32 bias) of a Keras model or a
    SavedModel directory, calibrated on ``data`` (None for a tfmot QAT model,
    whose ranges were learnt). Raises ConversionError if TF's converter fails."""
    from tflite_sparse.converter.sources import _tensorflow, strip_pruning

    tf = _tensorflow()
    try:
        if keras_model is not None:
            converter = tf.lite.TFLiteConverter.from_keras_model(strip_pruning(keras_model, name))
        else:
            converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if data is not None:
            converter.representative_dataset = lambda: iter(data)
            # int8 kernels only: an op without one fails here instead of
            # silently staying float
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        # (a QAT model: TF refuses INT8-only ops without a representative
        # dataset, and needs none: its fake-quant ranges quantize every op)
        if int8_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        result = converter.convert()
    except Exception as error:
        raise ConversionError(
            f"TF's full-integer quantization failed on {name}: {first_line(error)} "
            "(every op must have an int8 kernel in TFLite)"
        ) from None
    if not is_full_integer(fb.read_model(result, name)):
        raise ConversionError(
            f"quantizing {name} gave no int8 convolution or fully connected layer; for a tfmot "
            f"quantization-aware model pass {OPTION} DATA too"
        )
    return result
