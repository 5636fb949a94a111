"""Latency of a dense model on stock TFLite against a sparse model with the
delegate, measured the way the project measures: one process, one thread,
runs alternating between the two, medians with their spread. Also the
`tflite bench` command.

How noise is shown: p10/p50/p90 of each engine's per-run times; the speed-up
is the ratio of the two medians, with a 90% bootstrap interval: the runs are
resampled in pairs (run i of dense with run i of sparse, which ran back to
back under the same machine load) 2000 times, and the interval spans the 5th
to the 95th percentile of the resampled ratios of medians. A wide spread
(p90 more than 1.5x p10) or a wide interval (upper end more than 1.1x the
lower) says the machine was busy: the numbers may be off.
"""

from __future__ import annotations

import argparse
import ctypes
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tflite_sparse.converter.errors import first_line
from tflite_sparse.delegate import Interpreter, delegate_path, delegate_report

SPREAD_LIMIT = 1.5  # p90 / p10 of one engine above this: busy machine
INTERVAL_LIMIT = 1.1  # upper / lower end of the ratio's interval above this: busy machine
RESAMPLES = 2000


class BenchError(ValueError):
    """A model cannot be benchmarked; the message names the file."""


@dataclass
class Timing:
    """Per-run latencies (ms, in run order) of the dense and sparse models."""

    dense_times: list[float]
    sparse_times: list[float]
    warmup: int = 1
    report: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.dense_times)

    @property
    def dense_ms(self) -> float:
        """Median dense latency (ms)."""
        return float(np.median(self.dense_times))

    @property
    def sparse_ms(self) -> float:
        """Median sparse latency (ms)."""
        return float(np.median(self.sparse_times))

    @property
    def speedup(self) -> float:
        """Ratio of the medians, dense / sparse."""
        return self.dense_ms / self.sparse_ms

    def percentiles(self, engine: str) -> tuple[float, float, float]:
        """(p10, p50, p90) in ms of ``engine`` ("dense" or "sparse")."""
        times = self.dense_times if engine == "dense" else self.sparse_times
        p10, p50, p90 = np.percentile(times, (10, 50, 90))
        return float(p10), float(p50), float(p90)

    def speedup_interval(self, confidence: float = 0.9, seed: int = 0) -> tuple[float, float]:
        """Bootstrap interval of :attr:`speedup`: runs resampled in pairs."""
        dense, sparse = np.asarray(self.dense_times), np.asarray(self.sparse_times)
        picks = np.random.default_rng(seed).integers(0, len(dense), (RESAMPLES, len(dense)))
        ratios = np.median(dense[picks], axis=1) / np.median(sparse[picks], axis=1)
        tail = (1.0 - confidence) / 2 * 100
        low, high = np.percentile(ratios, (tail, 100 - tail))
        return float(low), float(high)

    def busy_warnings(self) -> list[str]:
        """Why the timings look disturbed (empty when they look steady)."""
        found = []
        for engine in ("dense", "sparse"):
            p10, _, p90 = self.percentiles(engine)
            if p90 > SPREAD_LIMIT * p10:
                found.append(f"{engine} p90 is {p90 / p10:.2f}x its p10")
        low, high = self.speedup_interval()
        if high > INTERVAL_LIMIT * low:
            found.append(f"the speed-up's interval is {low:.2f}-{high:.2f}x")
        return found


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fma_peak_gflops(isa: str) -> float:
    """This core's measured float FMA peak at ``isa`` (GFLOP/s), from the
    delegate library's probe (~0.1 s); 0.0 when the CPU cannot run ``isa``."""
    probe = ctypes.CDLL(delegate_path()).tflite_sparse_fma_peak_gflops
    probe.argtypes = [ctypes.c_char_p]
    probe.restype = ctypes.c_double
    return float(probe(isa.encode()))


def _stock(path, runtime: str):
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.Interpreter(model_path=str(path), num_threads=1)
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(model_path=str(path), num_threads=1)


def _load(path, what: str, make):
    """``make()``, allocated, or a BenchError naming ``path`` and ``what`` it is."""
    if not Path(path).is_file():
        raise BenchError(f"{path}: no such model file ({what})")
    try:
        interpreter = make()
        interpreter.allocate_tensors()
    except (RuntimeError, ValueError) as error:
        raise BenchError(f"{path}: cannot load it ({what}): {first_line(error)}") from None
    return interpreter


def _feed(interpreter, x: np.ndarray, path, what: str) -> None:
    """Sets the input and runs once (lazy delegate application, caches)."""
    detail = interpreter.get_input_details()[0]
    if tuple(detail["shape"]) != x.shape or np.dtype(detail["dtype"]) != x.dtype:
        raise BenchError(
            f"{path} ({what}) takes input {[int(d) for d in detail['shape']]} {np.dtype(detail['dtype'])}, "
            f"but the dense model takes {list(x.shape)} {x.dtype}: compare models with the same input"
        )
    try:
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
    except (RuntimeError, ValueError) as error:
        raise BenchError(f"{path}: cannot run it ({what}): {first_line(error)}") from None


def _time_once(interpreter) -> float:
    start = time.perf_counter()
    interpreter.invoke()
    return (time.perf_counter() - start) * 1e3


def compare_latency(
    dense_path,
    sparse_path,
    *,
    runs: int = 100,
    warmup: int = 10,
    runtime: str = "litert",
    seed: int = 0,
    **options,
) -> Timing:
    """Times ``dense_path`` on stock TFLite and ``sparse_path`` with the
    delegate (``options`` go to the delegate), alternating run by run after
    ``warmup`` untimed runs of each. A file that cannot be loaded or run
    raises a BenchError naming it."""
    if runs < 1 or warmup < 1:
        raise BenchError(f"--runs {runs} and --warmup {warmup}: both must be at least 1")
    dense = _load(dense_path, "dense, stock TFLite", lambda: _stock(dense_path, runtime))
    detail = dense.get_input_details()[0]
    shape = tuple(int(d) for d in detail["shape"])
    x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(detail["dtype"])
    _feed(dense, x, dense_path, "dense, stock TFLite")
    sparse = _load(
        sparse_path, "sparse, with the delegate",
        lambda: Interpreter(sparse_path, runtime=runtime, num_threads=1, **options),
    )
    _feed(sparse, x, sparse_path, "sparse, with the delegate")  # the first warm-up run
    for _ in range(warmup - 1):
        dense.invoke()
        sparse.invoke()
    dense_times, sparse_times = [], []
    for _ in range(runs):
        dense_times.append(_time_once(dense))
        sparse_times.append(_time_once(sparse))
    return Timing(dense_times, sparse_times, warmup, delegate_report(sparse))


def format_timing(timing: Timing, dense_name: str = "dense", sparse_name: str = "sparse") -> list[str]:
    """Lines describing ``timing``: percentiles of each engine, the speed-up
    with its interval, and a warning when the machine looked busy."""
    lines = [
        f"CPU: {cpu_model()}; one thread; {timing.runs} alternating runs of each after "
        f"{timing.warmup} warm-up runs; ms"
    ]
    width = max(len(dense_name), len(sparse_name))
    lines.append(f"{'':{width}}  {'p10':>8} {'p50':>8} {'p90':>8}")
    for name, engine in ((dense_name, "dense"), (sparse_name, "sparse")):
        p10, p50, p90 = timing.percentiles(engine)
        lines.append(f"{name:{width}}  {p10:8.3f} {p50:8.3f} {p90:8.3f}")
    low, high = timing.speedup_interval()
    lines.append(
        f"speed-up: {timing.speedup:.2f}x (ratio of the medians; 90% interval {low:.2f}-{high:.2f}x, "
        "bootstrap over paired runs)"
    )
    busy = timing.busy_warnings()
    if busy:
        lines.append(
            "warning: the machine looks busy (" + "; ".join(busy) + "): rerun on a quiet machine "
            "or with more --runs before trusting the ratio"
        )
    return lines


def layer_profile(sparse_path, *, runs: int = 50, runtime: str = "litert", **options) -> list[dict]:
    """Per-step times (ms) and GFLOP/s of the delegate on ``sparse_path``.
    For SpMM steps, ``gflops`` counts the stored non-zeros and
    ``effective_gflops`` the dense work the layer stands for."""
    interpreter = _load(
        sparse_path, "sparse, with the delegate",
        lambda: Interpreter(sparse_path, runtime=runtime, num_threads=1, profile=1, **options),
    )
    detail = interpreter.get_input_details()[0]
    x = np.random.default_rng(0).uniform(-1, 1, tuple(detail["shape"])).astype(detail["dtype"])
    _feed(interpreter, x, sparse_path, "sparse, with the delegate")
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


LAYERS_HELP = (
    "also print the delegate's per-step times: ms per run, GFLOP/s on the work done (for a sparse "
    "1x1 layer, the stored non-zeros), and eff. = the dense layer's work (2 x in x out x H x W) "
    "per time, the speed a dense engine would need to match that layer"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dense", help="dense .tflite, run on stock TFLite")
    parser.add_argument("sparse", help="sparse .tflite, run with the delegate")
    parser.add_argument("--runs", type=int, default=100, help="timed runs of each, alternating (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs of each first, at least 1 (default 10)")
    parser.add_argument("--runtime", choices=("litert", "tf"), default="litert")
    parser.add_argument("--isa", default="auto", help="auto | scalar | avx2 | avx512 | neon")
    parser.add_argument("--layers", action="store_true", help=LAYERS_HELP)
    parser.epilog = (
        "Prints p10/p50/p90 of each model's run times and the speed-up (ratio of the medians) with a "
        "90% bootstrap interval over paired runs; warns when the spread says the machine is busy."
    )


def run(args: argparse.Namespace) -> int:
    timing = compare_latency(
        args.dense, args.sparse, runs=args.runs, warmup=args.warmup, runtime=args.runtime, isa=args.isa,
    )
    lines = format_timing(
        timing, "dense (stock TFLite)", f"sparse (tflite-sparse, isa={timing.report['isa']})",
    )
    print("\n".join(lines))
    if args.layers:
        print(f"{'node':>4} {'kernel':22} {'output':>20} {'ms':>8} {'GFLOP/s':>8} {'eff.':>8}")
        for row in layer_profile(args.sparse, runtime=args.runtime, isa=args.isa):
            eff = f"{row['effective_gflops']:8.1f}" if "effective_gflops" in row else " " * 8
            print(f"{row['node']:4d} {row['kernel']:22} {str(row['output']):>20} {row['ms']:8.3f} {row['gflops']:8.1f} {eff}")
    return 0
