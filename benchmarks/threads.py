"""Threads: dense stock TFLite with N threads vs the sparse model with the
delegate with N threads, for N in --threads, and the delegate's own scaling.

    python benchmarks/threads.py [--threads 1 2] [--runs 300] [--alpha 1.0] [--layers]

Subjects as in benchmarks/mobilenet_v1.py: Keras MobileNet v1 (random weights,
recalibrated BatchNorm), dense, and 90% sparse with blocks of 4 output
channels (`tflite convert --sparse`). Every engine of every thread count runs
in one process, round-robin run by run; medians and p10/p90 in ms. --layers
adds the delegate's per-step times (profile=1) for each thread count, so the
steps that scale poorly show.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import tflite_sparse  # noqa: E402
from tflite_sparse import bench, convert, subjects  # noqa: E402


def build(directory: Path, alpha: float, sparsity: float, block: int) -> Path:
    path = directory / f"mbv1_{alpha}_{int(sparsity * 100)}_b{block}.tflite"
    model = subjects.mobilenet_v1(subjects.Subject(alpha=alpha, sparsity=sparsity, block=block))
    if sparsity > 0:
        path.write_bytes(convert(model, sparse=True, block=block))
    else:
        path.write_bytes(subjects.to_tflite(model, sparse=False))
    return path


def stock(path: Path, threads: int):
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(model_path=str(path), num_threads=threads)


def ready(interpreter, x: np.ndarray, warmups: int):
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    for _ in range(warmups):
        interpreter.invoke()
    return interpreter


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU-seconds of the whole machine so far (Linux), or zeros."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmups", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--layers", action="store_true", help="per-step times for each thread count")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        dense_path = build(Path(tmp), args.alpha, 0.0, 1)
        sparse_path = build(Path(tmp), args.alpha, args.sparsity, 4)
        shape = tuple(stock(dense_path, 1).get_input_details()[0]["shape"])
        x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        engines = {}
        for n in args.threads:
            engines[("dense", n)] = ready(stock(dense_path, n), x, args.warmups)
            engines[("sparse", n)] = ready(
                tflite_sparse.Interpreter(sparse_path, num_threads=n), x, args.warmups)
        times: dict = {key: [] for key in engines}
        busy0, total0 = machine_busy()
        own0 = time.process_time()
        for _ in range(args.runs):
            for key, interpreter in engines.items():
                start = time.perf_counter()
                interpreter.invoke()
                times[key].append((time.perf_counter() - start) * 1e3)

        busy1, total1 = machine_busy()
        others = (busy1 - busy0) - (time.process_time() - own0)
        isa = tflite_sparse.delegate_report(engines[("sparse", args.threads[0])])["isa"]
        print(f"CPU: {bench.cpu_model()} ({os.cpu_count()} logical CPUs; delegate isa={isa}); MobileNet v1 {args.alpha}, "
              f"{int(args.sparsity * 100)}% sparse with blocks of 4; {args.runs} round-robin runs "
              f"after {args.warmups} warm-ups; ms as p10 / median / p90.")
        if total1 > total0:
            # Another process on one of the cores makes the thread numbers
            # meaningless (its time slices stall whichever thread it displaces).
            print(f"Other processes used {max(others, 0.0):.1f} of the machine's {total1 - total0:.1f} "
                  "CPU-seconds during the timed runs.")
        print()
        print("| threads | dense stock TFLite | sparse + delegate | sparse vs dense | delegate vs its 1 thread |")
        print("|---|---|---|---|---|")
        base = statistics.median(times[("sparse", args.threads[0])])
        for n in args.threads:
            d, s = times[("dense", n)], times[("sparse", n)]
            dm, sm = statistics.median(d), statistics.median(s)
            print(f"| {n} | {percentile(d, 10):.2f} / **{dm:.2f}** / {percentile(d, 90):.2f} | "
                  f"{percentile(s, 10):.2f} / **{sm:.2f}** / {percentile(s, 90):.2f} | "
                  f"{dm / sm:.2f}x | {sm / base:.2f} |")

        if args.layers:
            profiles = {n: bench.layer_profile(sparse_path, runs=100, delegate_num_threads=n) for n in args.threads}
            print("\nPer step (delegate, profile=1, mean of 100 runs), ms; last column: time at "
                  f"{args.threads[-1]} threads / time at {args.threads[0]}:\n")
            print("| step | kernel | shape | " + " | ".join(f"{n} thr" for n in args.threads) + " | ratio |")
            print("|---|---|---|" + "---|" * len(args.threads) + "---|")
            first, last = profiles[args.threads[0]], profiles[args.threads[-1]]
            for i, row in enumerate(first):
                cells = " | ".join(f"{profiles[n][i]['ms']:.3f}" for n in args.threads)
                ratio = last[i]["ms"] / row["ms"] if row["ms"] > 0 else float("nan")
                print(f"| {row['node']} | {row['kernel']} | {'x'.join(map(str, row['input']))} | {cells} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
