"""Shared helpers for the delegate tests: run a model on stock TFLite and with
the delegate, compare, and read what the delegate claimed."""

from __future__ import annotations

import numpy as np

import tflite_sparse

RUNTIMES = ("tf", "litert")

# CPU flags (as /proc/cpuinfo names them) each of the delegate's ISAs needs.
_ISA_FLAGS = {
    "avx2": {"avx2", "fma"},
    "avx512": {"avx512f", "avx512vl", "avx512bw", "avx512dq"},
}


def cpu_has_isa(isa: str) -> bool:
    """Whether this CPU can run the delegate's `isa`, read from the CPU's own
    flags, not from the delegate, so a delegate that wrongly refuses an ISA
    the CPU has still fails the test that asks for it."""
    if isa == "scalar":
        return True
    import platform

    if isa == "neon":
        return platform.machine() in ("aarch64", "arm64")
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return _ISA_FLAGS[isa] <= set(flags)


def stock_interpreter(path, runtime: str):
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.Interpreter(model_path=str(path), num_threads=1)
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(model_path=str(path), num_threads=1)


def run(interpreter, x: np.ndarray) -> np.ndarray:
    """Resizes the input to x's shape if needed, runs, returns output 0."""
    detail = interpreter.get_input_details()[0]
    if tuple(detail["shape"]) != x.shape:
        interpreter.resize_tensor_input(detail["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want|, refusing a degenerate (near-constant) reference."""
    scale = float(np.max(np.abs(want)))
    assert scale > 1e-6 and np.std(want) > 1e-3 * scale, (
        "reference output is degenerate; the comparison would prove nothing"
    )
    return float(np.max(np.abs(got - want))) / scale


def compare(path, x: np.ndarray, runtime: str, **options):
    """Runs stock TFLite and the delegate on x; returns (error, report)."""
    want = run(stock_interpreter(path, runtime), x)
    interpreter = tflite_sparse.Interpreter(path, runtime=runtime, **options)
    got = run(interpreter, x)
    assert got.shape == want.shape
    return relative_error(got, want), tflite_sparse.delegate_report(interpreter)


def claimed_nodes(report: dict) -> set[int]:
    return {n for p in report["partitions"] for n in p["nodes"]}


def ops_by_name(path) -> dict[str, list[int]]:
    """op name -> node indices, from the stock interpreter's view of the model."""
    from ai_edge_litert import interpreter as litert

    ops: dict[str, list[int]] = {}
    for op in litert.Interpreter(model_path=str(path))._get_ops_details():
        ops.setdefault(op["op_name"], []).append(op["index"])
    return ops


def random_input(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
