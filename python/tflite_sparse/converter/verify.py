"""Checking a converted model against its dense source on stock TFLite.

Both models run on ai_edge_litert's stock interpreter (default op resolver,
XNNPACK included) with the same random inputs; every output must agree within
``tolerance`` relative to the largest magnitude of the reference output.
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
    [-1, 1], integers in [0, 10), booleans."""
    rng = np.random.default_rng(seed)
    arrays = []
    for detail in interpreter.get_input_details():
        shape, dtype = tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"])
        if dtype.kind == "f":
            arrays.append(rng.uniform(-1.0, 1.0, shape).astype(dtype))
        elif dtype.kind == "b":
            arrays.append(rng.integers(0, 2, shape).astype(dtype))
        else:
            arrays.append(rng.integers(0, 10, shape).astype(dtype))
    return arrays


def run(model: bytes, inputs: list[np.ndarray] | None = None, seed: int = 0):
    """Runs ``model`` once on stock TFLite; returns (inputs, outputs)."""
    from ai_edge_litert import interpreter as litert

    interpreter = litert.Interpreter(model_content=model, num_threads=1)
    interpreter.allocate_tensors()
    if inputs is None:
        inputs = random_inputs(interpreter, seed)
    for detail, array in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], array)
    interpreter.invoke()
    outputs = [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]
    return inputs, outputs


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
    """Largest relative output error of ``converted`` vs ``reference``.

    Raises VerificationError if it exceeds ``tolerance`` or the models do not
    run.
    """
    try:
        inputs, want = run(reference, seed=seed)
        _, got = run(converted, inputs)
    except (RuntimeError, ValueError) as error:
        raise VerificationError(
            f"stock TFLite cannot run the models to verify them: {first_line(error)}"
        ) from None
    if len(got) != len(want):
        raise VerificationError("the converted model has a different number of outputs")
    error = max((relative_error(g, w) for g, w in zip(got, want)), default=0.0)
    _log.info("verification: relative error %.3g (tolerance %.1g)", error, tolerance)
    if not error <= tolerance:
        raise VerificationError(
            f"the converted model's outputs differ from the dense model's by {error:.3g} "
            f"(relative; tolerance {tolerance:g}); this is a converter bug, please report it "
            "(--no-verify writes the file anyway)"
        )
    return error
