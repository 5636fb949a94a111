"""Checking a converted model against its dense source on stock TFLite.

Both models run on ai_edge_litert's stock interpreter (builtin kernels, every
intermediate tensor kept) with the same random inputs; the model outputs and
the output of every layer stored sparse must agree within ``tolerance``
relative to the largest magnitude of the reference tensor.
"""

from __future__ import annotations

import logging

import numpy as np

from tflite_sparse.converter.errors import ConversionError, first_line

TOLERANCE = 1e-4
_log = logging.getLogger(__name__)


class VerificationError(ConversionError):
    """The converted model computes something else than its source."""


def random_inputs(interpreter, seed: int = 0) -> list[np.ndarray]:
    """One random array per input of an allocated interpreter: floats uniform in
    [-1, 1], int8 over its whole range (quantized inputs), other integers in
    [0, 10), booleans."""
    rng = np.random.default_rng(seed)
    arrays = []
    for detail in interpreter.get_input_details():
        shape, dtype = tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"])
        if dtype.kind == "f":
            arrays.append(rng.uniform(-1.0, 1.0, shape).astype(dtype))
        elif dtype.kind == "b":
            arrays.append(rng.integers(0, 2, shape).astype(dtype))
        elif dtype == np.int8:
            arrays.append(rng.integers(-128, 128, shape).astype(dtype))
        else:
            arrays.append(rng.integers(0, 10, shape).astype(dtype))
    return arrays


def _interpreter(model: bytes):
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(
        model_content=model,
        num_threads=1,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        experimental_preserve_all_tensors=True,
    )


def run(model: bytes, inputs: list[np.ndarray] | None = None, seed: int = 0):
    """Runs ``model`` once on stock TFLite's builtin kernels, keeping every
    intermediate tensor; returns (inputs, {tensor name: value})."""
    interpreter = _interpreter(model)
    interpreter.allocate_tensors()
    if inputs is None:
        inputs = random_inputs(interpreter, seed)
    for detail, array in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], array)
    interpreter.invoke()
    values = {}
    for detail in interpreter.get_tensor_details():
        try:
            values[detail["name"]] = interpreter.get_tensor(detail["index"]).copy()
        except ValueError:  # tensors without data (e.g. optional inputs)
            continue
    outputs = [d["name"] for d in interpreter.get_output_details()]
    return inputs, values, outputs


def compared_tensors(converted: bytes) -> list[str]:
    """Names of the tensors verification compares: the outputs of every op
    that reads a DENSIFY output (the layers stored sparse)."""
    from tflite_sparse.converter import flatbuffer as fb

    model = fb.read_model(converted)
    graph = model.subgraphs[0]
    densified = {
        index
        for op in graph.operators or []
        if fb.op_name(model, op) == "DENSIFY"
        for index in fb.index_list(op.outputs)
    }
    names = []
    for op in graph.operators or []:
        if densified & set(fb.index_list(op.inputs)):
            names += [fb.tensor_name(graph.tensors[i]) for i in fb.index_list(op.outputs) if i >= 0]
    return names


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want| (absolute error when want is all zero)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return float("inf")
    if not want.size:
        return 0.0
    difference = float(np.max(np.abs(got - want)))
    scale = float(np.max(np.abs(want)))
    return difference / scale if scale > 0 else difference


def verify(reference: bytes, converted: bytes, seed: int = 0, tolerance: float = TOLERANCE) -> float:
    """Largest relative error of ``converted`` vs ``reference`` over the model
    outputs and the output of every layer stored sparse (matched by tensor
    name), on the same random inputs. Comparing each sparse layer catches
    errors that a saturated or degenerate model output would hide.

    Raises VerificationError if it exceeds ``tolerance`` or the models do not
    run.
    """
    try:
        inputs, want, want_outputs = run(reference, seed=seed)
        _, got, got_outputs = run(converted, inputs)
    except (RuntimeError, ValueError) as error:
        raise VerificationError(
            f"stock TFLite cannot run the models to verify them: {first_line(error)}"
        ) from None
    if len(got_outputs) != len(want_outputs):
        raise VerificationError("the converted model has a different number of outputs")
    pairs = [(got[g], want[w], f"output {w}") for g, w in zip(got_outputs, want_outputs)]
    pairs += [(got[n], want[n], n) for n in compared_tensors(converted) if n in got and n in want]
    worst, where = 0.0, ""
    for got_value, want_value, name in pairs:
        error = relative_error(got_value, want_value)
        if not error <= worst:
            worst, where = error, name
    _log.info("verification: %d tensors, relative error %.3g (tolerance %.1g)", len(pairs), worst, tolerance)
    if not worst <= tolerance:
        raise VerificationError(
            f"the converted model's tensor '{where}' differs from the dense model's by {worst:.3g} "
            f"(relative; tolerance {tolerance:g}); this is a converter bug, please report it "
            "(--no-verify writes the file anyway)"
        )
    return worst
