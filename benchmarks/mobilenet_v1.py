"""Dense MobileNet v1 on stock TFLite (XNNPACK) vs the 90%-sparse MobileNet v1
with the tflite-sparse delegate: the issue's bar, measured on this machine.

    python benchmarks/mobilenet_v1.py [--alpha 1.0] [--runs 200] [--out results.md]

Subjects are Keras MobileNet v1 with random weights and recalibrated
BatchNorm (activations at unit scale, no denormals; see tflite_sparse.subjects),
every 1x1 conv but the classifier magnitude-pruned to 90%: unstructured
(converted with TF's EXPERIMENTAL_SPARSITY), and with blocks of 4 output
channels (converted with `tflite convert --sparse`). One process, one thread, runs alternating
between dense and sparse, medians.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tflite_sparse import bench, convert, subjects  # noqa: E402


def build(directory: Path, alpha: float, sparsity: float, block: int) -> Path:
    """Dense: TF's converter. Unstructured: TF's EXPERIMENTAL_SPARSITY.
    Blocked: our converter (blocks stored in the file's block_map)."""
    name = f"mbv1_{alpha}_{int(sparsity * 100)}_b{block}.tflite"
    path = directory / name
    model = subjects.mobilenet_v1(subjects.Subject(alpha=alpha, sparsity=sparsity, block=block))
    if block > 1:
        path.write_bytes(convert(model, sparse=True, block=block))
    else:
        path.write_bytes(subjects.to_tflite(model, sparse=sparsity > 0))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--out", type=Path, help="also write the tables as Markdown here")
    args = parser.parse_args(argv)

    lines = [f"CPU: {bench.cpu_model()}; one thread; {args.runs} alternating runs; medians.", ""]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        dense = build(tmp, args.alpha, 0.0, 1)
        models = {block: build(tmp, args.alpha, args.sparsity, block) for block in (1, 4)}
        lines += [
            f"| model (MobileNet v1 {args.alpha}) | engine | ms | speed-up vs dense |",
            "|---|---|---|---|",
        ]
        isas = [isa for isa in ("avx512", "avx2") if bench.fma_peak_gflops(isa) > 0]
        dense_ms = []
        for block, path in models.items():
            for isa in isas:
                timing = bench.compare_latency(dense, path, runs=args.runs, isa=isa)
                dense_ms.append(timing.dense_ms)
                kind = "unstructured" if block == 1 else f"output blocks of {block}"
                lines.append(
                    f"| {int(args.sparsity * 100)}% sparse, {kind} | tflite-sparse isa={isa} | "
                    f"{timing.sparse_ms:.3f} | **{timing.speedup:.2f}x** (dense {timing.dense_ms:.3f} ms) |"
                )
                print(lines[-1], flush=True)
        dense_median = sorted(dense_ms)[len(dense_ms) // 2]
        lines.insert(4, f"| dense | stock TFLite + XNNPACK | {dense_median:.3f} | 1.00x |")

        isa = isas[0]
        peak = bench.fma_peak_gflops(isa)
        lines += ["", f"Per 1x1 layer, isa={isa} (GFLOP/s on stored non-zeros, and as a share of this "
                  f"core's measured FMA peak at {isa}, {peak:.0f} GFLOP/s; eff. = as if dense):", ""]
        lines += ["| node | in x out @ HxW | block | unstructured ms | GFLOP/s | of peak | eff. "
                  "| block-4 ms | GFLOP/s | of peak | eff. |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        rows = {b: [r for r in bench.layer_profile(p, runs=100, isa=isa) if r["kernel"] == "spmm"]
                for b, p in models.items()}
        for r1, r4 in zip(rows[1], rows[4]):
            _, h, w, _ = r1["input"]
            cells = []
            for r in (r1, r4):
                if r.get("banded"):
                    # timed inside the depthwise step it feeds (never whole in memory)
                    cells.append("(in dw) | | | ")
                else:
                    cells.append(f"{r['ms']:.3f} | {r['gflops']:.0f} | {100 * r['gflops'] / peak:.0f}% | "
                                 f"{r['effective_gflops']:.0f}")
            lines.append(
                f"| {r1['node']} | {r1['in_channels']}x{r1['out_channels']} @ {h}x{w} | "
                f"{r1['block']}/{r4['block']} | {cells[0]} | {cells[1]} |"
            )
        total1 = sum(r["ms"] for r in rows[1])
        total4 = sum(r["ms"] for r in rows[4])
        lines.append(f"| all 1x1 not banded | | | {total1:.3f} | | | | {total4:.3f} | | | |")
        lines.append("")
        lines.append(
            f"Dense reference: the whole dense model runs at "
            f"{bench_dense_gflops(dense_median, args.alpha):.0f} GFLOP/s on stock TFLite (XNNPACK)."
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


def bench_dense_gflops(dense_ms: float, alpha: float) -> float:
    """MobileNet v1 at 224: 569 M multiply-adds at alpha 1.0, scaling ~alpha^2."""
    macs = 569e6 * alpha**2
    return 2 * macs / dense_ms / 1e6


if __name__ == "__main__":
    sys.exit(main())
