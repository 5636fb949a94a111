"""`tflite demo`: build a MobileNet v1, prune it to 90% by magnitude, convert
it, check it against stock TFLite, and time dense vs sparse.

The MobileNet has random weights with recalibrated BatchNorm (speed does not
depend on weight values; see tflite_sparse.subjects). Pruning here is one-shot
magnitude pruning, enough for latency; for accuracy, prune while fine-tuning
(tflite_sparse.pruning).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alpha", type=float, default=1.0, help="MobileNet v1 width (default 1.0)")
    parser.add_argument("--sparsity", type=float, default=0.9, help="fraction of 1x1 weights pruned")
    parser.add_argument("--block", type=int, choices=(1, 2, 4), default=4,
                        help="output channels pruned together (default 4, the paper's fast kernels)")
    parser.add_argument("--runs", type=int, default=100, help="timed runs of each model")
    parser.add_argument("--keep", type=Path, help="directory to keep the .tflite files in")


def _check(dense_path: Path, sparse_path: Path) -> float:
    """Relative difference between stock TFLite on the sparse file and the
    delegate on the same file and input."""
    from ai_edge_litert import interpreter as litert

    from tflite_sparse.delegate import Interpreter

    outputs = []
    for interpreter in (litert.Interpreter(model_path=str(sparse_path)), Interpreter(sparse_path)):
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        x = np.random.default_rng(1).uniform(-1, 1, detail["shape"]).astype(np.float32)
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    want, got = outputs
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.sparsity < 1.0:
        raise ValueError(f"--sparsity {args.sparsity} must be in [0, 1)")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tflite_sparse import bench, subjects

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="tflite-sparse-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"1. building MobileNet v1 {args.alpha} (224x224, random weights, calibrated BatchNorm)")
    model = subjects.mobilenet_v1(subjects.Subject(alpha=args.alpha, sparsity=0.0))
    dense_path = workdir / "mobilenet_v1_dense.tflite"
    dense_path.write_bytes(subjects.to_tflite(model, sparse=False))

    layers = subjects.pointwise_convs(model, skip=("conv_preds",))
    print(f"2. pruning {len(layers)} 1x1 convolutions to {args.sparsity:.0%} by magnitude, "
          f"blocks of {args.block} output channels (classifier and first conv stay dense)")
    for layer in layers:
        subjects.magnitude_prune(layer, args.sparsity, args.block)

    print("3. converting: 1x1 weights stored block-sparse in the .tflite (tflite convert --sparse),"
          " verified against the dense model on stock TFLite")
    from tflite_sparse.converter import convert_with_report

    result = convert_with_report(model, sparse=True, block=args.block)
    sparse_path = workdir / "mobilenet_v1_sparse.tflite"
    sparse_path.write_bytes(result.data)
    print(f"   dense file {dense_path.stat().st_size / 1e6:.1f} MB, "
          f"sparse file {sparse_path.stat().st_size / 1e6:.1f} MB")

    error = _check(dense_path, sparse_path)
    print(f"4. delegate vs stock TFLite on the same input: relative difference {error:.2e}")
    if not error <= 1e-4:
        raise RuntimeError(f"the delegate disagrees with stock TFLite ({error:.2e} > 1e-4)")

    print(f"5. timing, one thread, {args.runs} alternating runs each (medians)")
    timing = bench.compare_latency(dense_path, sparse_path, runs=args.runs)
    partitions = timing.report["partitions"]
    claimed = sum(len(p["nodes"]) for p in partitions)
    print(f"   CPU: {bench.cpu_model()}, delegate isa={timing.report['isa']}, "
          f"{claimed} nodes claimed in {len(partitions)} partition(s)")
    print(f"   dense  MobileNet v1 {args.alpha}, stock TFLite (XNNPACK): {timing.dense_ms:7.2f} ms")
    print(f"   sparse MobileNet v1 {args.alpha}, tflite-sparse delegate:  {timing.sparse_ms:7.2f} ms")
    print(f"   speed-up: {timing.speedup:.2f}x")
    if args.keep:
        print(f"models kept in {workdir}")
    return 0
