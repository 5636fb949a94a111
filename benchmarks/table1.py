"""The paper's Table 1 pairs on this machine: dense on stock TFLite + XNNPACK
against the sparse model with the tflite-sparse delegate, one thread.

    flock /work/bench.lock python benchmarks/table1.py [--runs 100] [--only mbv2] [--out t.md]

Each pair is what the paper found equally accurate (a dense model against a
wider sparse one), plus same-width sparse vs dense for every family and
MobileNet v3 (beyond the paper). Subjects: Keras applications with random
weights, BatchNorm recalibrated (tflite_sparse.subjects.family_model), 224x224,
1x1 convs on more than one pixel pruned by magnitude (squeeze-excitation, head
and classifier convs stay dense), TF's converter (EXPERIMENTAL_SPARSITY; the
delegate finds the blocks in the weights). Blocks as in the paper: MobileNet v1
block 4 from pointwise layer 12, MobileNet v2 block 2 from bottleneck 11,
EfficientNet unstructured with the final FC pruned (and, for the paper's
exact EN-B1, the 2560-filter head). Dense and sparse run
alternating in one process; medians. The SD835 column is the paper's XNNPACK
dense / sparse ratio on a Snapdragon 835 (Table 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tflite_sparse import bench, subjects  # noqa: E402
from tflite_sparse.subjects import FamilySubject  # noqa: E402

# First spatial pointwise conv index (0-based) that gets the paper's block.
MBV1_BLOCK_FROM = 11  # conv_pw_12 (the paper's "layer 12"), and conv_pw_13
MBV2_BLOCK_FROM = 21  # block_11_expand: bottleneck 0 has one 1x1 conv, the others two


@dataclass(frozen=True)
class Pair:
    name: str
    dense: FamilySubject
    sparse: FamilySubject
    sd835: float | None  # paper: XNNPACK dense ms / sparse ms on Snapdragon 835


def _mbv1(alpha: float, sparsity: float = 0.9) -> FamilySubject:
    return FamilySubject("mobilenet_v1", alpha, 224, sparsity, 4, MBV1_BLOCK_FROM)


def _mbv2(alpha: float, sparsity: float = 0.85) -> FamilySubject:
    return FamilySubject("mobilenet_v2", alpha, 224, sparsity, 2, MBV2_BLOCK_FROM)


def _dense(subject: FamilySubject) -> FamilySubject:
    return replace(subject, sparsity=0.0, prune_classifier=False)


EN_B1 = FamilySubject("efficientnet_b1", 1.0, 224, 0.85, prune_classifier=True)
PAIRS = [
    Pair("MBv1 0.5 -> 0.75 @90%", _dense(_mbv1(0.5)), _mbv1(0.75), 35 / 21),
    Pair("MBv1 0.75 -> 1.0 @90%", _dense(_mbv1(0.75)), _mbv1(1.0), 69 / 31),
    Pair("MBv1 1.0 -> 1.4 @90%", _dense(_mbv1(1.0)), _mbv1(1.4), 116 / 58),
    Pair("MBv2 0.5 -> 0.8 @85%", _dense(_mbv2(0.5)), _mbv2(0.8), 33 / 26),
    Pair("MBv2 0.75 -> 1.15 @85%", _dense(_mbv2(0.75)), _mbv2(1.15), 64 / 40),
    Pair("MBv2 1.0 -> 1.4 @85%", _dense(_mbv2(1.0)), _mbv2(1.4), 80 / 54),
    Pair("MBv2 1.4 -> 2.0 @85%", _dense(_mbv2(1.4)), _mbv2(2.0), 142 / 93),
    Pair("EN-B0 -> EN-B1 @85%", FamilySubject("efficientnet_b0", sparsity=0.0), EN_B1, 153 / 110),
    Pair("EN-B0 -> EN-B1 head 2560 @85%", FamilySubject("efficientnet_b0", sparsity=0.0),
         replace(EN_B1, head_filters=2560), 153 / 110),
]
SAME_WIDTH = [
    Pair("MBv1 1.0 @90%", _dense(_mbv1(1.0)), _mbv1(1.0), None),
    Pair("MBv2 1.0 @85%", _dense(_mbv2(1.0)), _mbv2(1.0), None),
    Pair("EN-B0 @85%", FamilySubject("efficientnet_b0", sparsity=0.0),
         FamilySubject("efficientnet_b0", sparsity=0.85, prune_classifier=True), None),
    Pair("EN-B1 @85%", replace(EN_B1, sparsity=0.0, prune_classifier=False), EN_B1, None),
    Pair("MBv3 Small @85%", FamilySubject("mobilenet_v3_small", sparsity=0.0),
         FamilySubject("mobilenet_v3_small", sparsity=0.85), None),
    Pair("MBv3 Large @85%", FamilySubject("mobilenet_v3_large", sparsity=0.0),
         FamilySubject("mobilenet_v3_large", sparsity=0.85), None),
    Pair("ResNet50 @90%", FamilySubject("resnet50", sparsity=0.0), FamilySubject("resnet50", sparsity=0.9), None),
]


def build(directory: Path, subject: FamilySubject) -> Path:
    """The .tflite of a subject, converted once per run of this script."""
    name = "_".join(str(v) for v in (subject.family, subject.alpha, subject.size, subject.sparsity,
                                     subject.block, subject.block_from, int(subject.prune_classifier)))
    if subject.head_filters:
        name += f"_head{subject.head_filters}"
    path = directory / f"{name}.tflite"
    if not path.exists():
        model = subjects.family_model(subject)
        path.write_bytes(subjects.to_tflite(model, sparse=subject.sparsity > 0))
    return path


def _partition_summary(report: dict) -> str:
    parts = report["partitions"]
    inner = sum(1 for p in parts for s in p["steps"] if s["kernel"] == "nhwc_to_chw")
    return f"{len(parts)} / {inner}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="alternating runs per pair")
    parser.add_argument("--only", default="", help="substring of the pair names to run")
    parser.add_argument("--cache", type=Path, help="keep converted models here")
    parser.add_argument("--out", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)

    lines = [
        f"CPU: {bench.cpu_model()}; one thread; {args.runs} alternating runs; medians.",
        "",
        "| pair (dense -> sparse) | dense ms | sparse ms | ours | paper SD835 | partitions / input transposes |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.cache or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for pair in PAIRS + SAME_WIDTH:
            if args.only and args.only.lower() not in pair.name.lower():
                continue
            timing = bench.compare_latency(build(directory, pair.dense), build(directory, pair.sparse),
                                           runs=args.runs)
            paper = f"{pair.sd835:.2f}x" if pair.sd835 else "-"
            line = (f"| {pair.name} | {timing.dense_ms:.2f} | {timing.sparse_ms:.2f} | "
                    f"**{timing.speedup:.2f}x** | {paper} | {_partition_summary(timing.report)} |")
            lines.append(line)
            print(line, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
