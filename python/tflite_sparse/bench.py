"""Latency of a dense model on stock TFLite against a sparse model with the
delegate, measured the way the project measures: one process, one thread,
runs alternating between the two, medians. Also the `tflite bench` command."""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tflite_sparse.delegate import Interpreter, delegate_report


@dataclass
class Timing:
    """Median latencies (ms) of the dense and sparse models, and their ratio."""

    dense_ms: float
    sparse_ms: float
    runs: int
    report: dict = field(default_factory=dict)

    @property
    def speedup(self) -> float:
        return self.dense_ms / self.sparse_ms


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _stock(path, runtime: str):
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.Interpreter(model_path=str(path), num_threads=1)
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(model_path=str(path), num_threads=1)


def _ready(interpreter, x: np.ndarray):
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()  # warm-up: lazy delegate application, caches
    return interpreter


def _time_once(interpreter) -> float:
    start = time.perf_counter()
    interpreter.invoke()
    return (time.perf_counter() - start) * 1e3


def compare_latency(
    dense_path,
    sparse_path,
    *,
    runs: int = 100,
    runtime: str = "litert",
    seed: int = 0,
    **options,
) -> Timing:
    """Times ``dense_path`` on stock TFLite and ``sparse_path`` with the
    delegate (``options`` go to the delegate), alternating run by run."""
    dense = _stock(dense_path, runtime)
    shape = tuple(dense.get_input_details()[0]["shape"])
    x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
    dense = _ready(dense, x)
    sparse = _ready(Interpreter(sparse_path, runtime=runtime, num_threads=1, **options), x)
    dense_times, sparse_times = [], []
    for _ in range(runs):
        dense_times.append(_time_once(dense))
        sparse_times.append(_time_once(sparse))
    return Timing(
        dense_ms=statistics.median(dense_times),
        sparse_ms=statistics.median(sparse_times),
        runs=runs,
        report=delegate_report(sparse),
    )


def layer_profile(sparse_path, *, runs: int = 50, runtime: str = "litert", **options) -> list[dict]:
    """Per-step times (ms) and GFLOP/s of the delegate on ``sparse_path``.
    For SpMM steps, ``gflops`` counts the stored non-zeros and
    ``effective_gflops`` the dense work the layer stands for."""
    interpreter = Interpreter(sparse_path, runtime=runtime, num_threads=1, profile=1, **options)
    shape = tuple(interpreter.get_input_details()[0]["shape"])
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    _ready(interpreter, x)
    for _ in range(runs):
        interpreter.invoke()
    rows = []
    for partition in delegate_report(interpreter)["partitions"]:
        for step in partition["steps"]:
            ms = step["total_ns"] / max(step["runs"], 1) / 1e6
            row = dict(step, ms=ms, gflops=step["flops"] * step["input"][0] / ms / 1e6 if ms else 0.0)
            if step["kernel"] == "spmm":
                n, h, w, _ = step["input"]
                dense_flops = 2.0 * step["in_channels"] * step["out_channels"] * h * w * n
                row["effective_gflops"] = dense_flops / ms / 1e6 if ms else 0.0
            rows.append(row)
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dense", help="dense .tflite, run on stock TFLite")
    parser.add_argument("sparse", help="sparse .tflite, run with the delegate")
    parser.add_argument("--runs", type=int, default=100, help="timed runs of each (default 100)")
    parser.add_argument("--runtime", choices=("litert", "tf"), default="litert")
    parser.add_argument("--isa", default="auto", help="auto | scalar | avx2 | avx512 | neon")
    parser.add_argument("--layers", action="store_true", help="also print per-step times")


def run(args: argparse.Namespace) -> int:
    for path in (args.dense, args.sparse):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such model file")
    timing = compare_latency(args.dense, args.sparse, runs=args.runs, runtime=args.runtime, isa=args.isa)
    print(f"CPU: {cpu_model()}  (one thread, {timing.runs} alternating runs, medians)")
    print(f"dense  (stock TFLite): {timing.dense_ms:8.3f} ms")
    print(f"sparse (tflite-sparse, isa={timing.report['isa']}): {timing.sparse_ms:8.3f} ms")
    print(f"speed-up: {timing.speedup:.2f}x")
    if args.layers:
        print(f"{'node':>4} {'kernel':22} {'output':>20} {'ms':>8} {'GFLOP/s':>8} {'eff.':>8}")
        for row in layer_profile(args.sparse, runtime=args.runtime, isa=args.isa):
            eff = f"{row['effective_gflops']:8.1f}" if "effective_gflops" in row else " " * 8
            print(f"{row['node']:4d} {row['kernel']:22} {str(row['output']):>20} {row['ms']:8.3f} {row['gflops']:8.1f} {eff}")
    return 0
