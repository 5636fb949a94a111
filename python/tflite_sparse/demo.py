"""`tflite demo`: build a MobileNet v1, prune it to 90% by magnitude, convert
it, check it against stock TFLite, and time dense vs sparse.

The MobileNet has random weights with recalibrated BatchNorm (speed does not
depend on weight values; see tflite_sparse.subjects). Pruning here is one-shot
magnitude pruning, enough for latency; for accuracy, prune while fine-tuning
(tflite_sparse.pruning).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alpha", type=float, default=1.0, help="MobileNet v1 width (default 1.0)")
    parser.add_argument("--size", type=int, default=224, help="input height and width (default 224)")
    parser.add_argument("--sparsity", type=float, default=0.9, help="fraction of 1x1 weights pruned")
    parser.add_argument("--block", type=int, choices=(1, 2, 4), default=4,
                        help="output channels pruned together (default 4, the paper's fast kernels)")
    parser.add_argument("--runs", type=int, default=100, help="timed runs of each model (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs of each first (default 10)")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR",
        help="write the .tflite files to DIR and keep them (default: a temporary directory, removed at the end)",
    )


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
    if args.size < 32:
        raise ValueError(f"--size {args.size} is too small: MobileNet v1 needs at least 32x32")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with contextlib.ExitStack() as stack:
        if args.keep:
            workdir = args.keep
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tflite-sparse-demo-")))
        _demo(args, workdir)
    if args.keep:
        print(f"models kept in {workdir}")
    else:
        print("(the models were written to a temporary directory, now removed; --keep DIR keeps them)")
    return 0


def _demo(args: argparse.Namespace, workdir: Path) -> None:
    from tflite_sparse import bench, subjects

    print(f"1. building MobileNet v1 {args.alpha} ({args.size}x{args.size}, random weights, calibrated BatchNorm)")
    subject = subjects.Subject(alpha=args.alpha, height=args.size, width=args.size, sparsity=0.0)
    model = subjects.mobilenet_v1(subject)
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

    print("5. timing, one thread, alternating runs (p10/p50/p90 of each)")
    timing = bench.compare_latency(dense_path, sparse_path, runs=args.runs, warmup=args.warmup)
    partitions = timing.report["partitions"]
    claimed = sum(len(p["nodes"]) for p in partitions)
    print(f"   delegate isa={timing.report['isa']}, {claimed} nodes claimed in {len(partitions)} partition(s)")
    lines = bench.format_timing(
        timing,
        f"dense  MobileNet v1 {args.alpha}, stock TFLite (XNNPACK)",
        f"sparse MobileNet v1 {args.alpha}, tflite-sparse delegate",
    )
    print("\n".join("   " + line for line in lines))
