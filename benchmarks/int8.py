"""Sparse int8 with the delegate vs dense int8 and dense float32 on stock
TFLite (XNNPACK): issue 13's bars, measured on this machine.

    python benchmarks/int8.py [--runs 100] [--cache DIR] [--out results.md]

Subjects are Keras MobileNet v1 1.0 (every 1x1 conv but the classifier
magnitude-pruned to 90%: unstructured and in blocks of 4 output channels)
and MobileNet v2 1.0 (85%, unstructured), random weights with recalibrated
BatchNorm (tflite_sparse.subjects), full-integer quantized by TF's
post-training quantization on 16 random images. "Dense int8" is TF's own
int8 conversion of the same pruned network, stored dense; "dense float32"
TF's float conversion. All three run in one process, one thread,
alternating run by run; medians.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import tflite_sparse  # noqa: E402
from tflite_sparse import bench, convert, subjects  # noqa: E402

SIZE = 224


def _representative() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (16, SIZE, SIZE, 3)).astype(np.float32)


def _tf_int8(model, rep: np.ndarray) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([rep[i : i + 1]] for i in range(len(rep)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def build(directory: Path, family: str, sparsity: float, block: int) -> dict[str, Path]:
    """The sparse int8 file (our converter), dense int8 and dense float32 (TF's)."""
    stem = f"{family}_{int(sparsity * 100)}_b{block}"
    paths = {kind: directory / f"{stem}_{kind}.tflite" for kind in ("sparse_int8", "dense_int8", "dense_f32")}
    if all(path.is_file() for path in paths.values()):  # kept by an earlier --cache run
        return paths
    if family == "mobilenet_v1":
        model = subjects.mobilenet_v1(subjects.Subject(sparsity=sparsity, block=block))
    else:
        model = subjects.family_model(subjects.FamilySubject(family=family, sparsity=sparsity, block=block))
    rep = _representative()
    paths["sparse_int8"].write_bytes(convert(model, sparse=True, block=block, int8=True, representative=rep))
    paths["dense_int8"].write_bytes(_tf_int8(model, rep))
    paths["dense_f32"].write_bytes(subjects.to_tflite(model, sparse=False))
    return paths


def _stock(path: Path):
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter(model_path=str(path), num_threads=1)


def time_three(paths: dict[str, Path], runs: int, warmup: int = 10) -> tuple[dict[str, float], dict]:
    """Median ms of each engine, alternating run by run, and the delegate's report."""
    engines = {
        "sparse_int8": tflite_sparse.Interpreter(paths["sparse_int8"], runtime="litert", num_threads=1),
        "dense_int8": _stock(paths["dense_int8"]),
        "dense_f32": _stock(paths["dense_f32"]),
    }
    x = np.random.default_rng(1).uniform(-1, 1, (1, SIZE, SIZE, 3)).astype(np.float32)
    for interpreter in engines.values():
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    for _ in range(warmup):
        for interpreter in engines.values():
            interpreter.invoke()
    times = {name: [] for name in engines}
    for _ in range(runs):
        for name, interpreter in engines.items():
            start = time.perf_counter()
            interpreter.invoke()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {name: float(np.median(t)) for name, t in times.items()}, tflite_sparse.delegate_report(
        engines["sparse_int8"])


SUBJECTS = (
    ("mobilenet_v1", 0.9, 4, "MobileNet v1 1.0 @90%, blocks of 4"),
    ("mobilenet_v1", 0.9, 1, "MobileNet v1 1.0 @90%, unstructured"),
    ("mobilenet_v2", 0.85, 1, "MobileNet v2 1.0 @85%, unstructured"),
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", type=Path, help="also write the table as Markdown here")
    parser.add_argument("--cache", type=Path, help="keep the converted models here (and reuse them)")
    args = parser.parse_args(argv)
    lines = [
        f"CPU: {bench.cpu_model()}; delegate isa={tflite_sparse.delegate_report(tflite_sparse.load_delegate('litert')).get('isa', '?')}; "
        f"one thread; {args.runs} alternating runs; medians.",
        "",
        "| model | sparse int8, delegate (ms) | dense int8, XNNPACK (ms) | dense f32, XNNPACK (ms) "
        "| vs dense int8 | vs dense f32 | delegate's partitions |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.cache or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for family, sparsity, block, name in SUBJECTS:
            paths = build(directory, family, sparsity, block)
            ms, report = time_three(paths, args.runs)
            parts = report.get("partitions", [])
            lines.append(
                f"| {name} | {ms['sparse_int8']:.3f} | {ms['dense_int8']:.3f} | {ms['dense_f32']:.3f} "
                f"| **{ms['dense_int8'] / ms['sparse_int8']:.2f}x** | {ms['dense_f32'] / ms['sparse_int8']:.2f}x "
                f"| {len(parts)} ({sum(len(p['nodes']) for p in parts)} nodes) |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
