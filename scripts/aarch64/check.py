"""Runs on aarch64 (under qemu-aarch64, in the arm64 root): every ready model
of a manifest on stock LiteRT and with the tflite-sparse delegate, compared.

    python3.11 -I check.py MODEL_DIR DELEGATE_SO [--isa auto]

For each model: relative error of the delegate against stock TFLite on a
random input (<= 1e-4), one partition (or the manifest's count) claiming
exactly the model's body, the expected kernels, and NEON chosen by `auto`.
Ends with the line `N passed, M failed, K skipped` (skipped = pending
models); exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

import numpy as np  # noqa: E402
from ai_edge_litert import interpreter as litert  # noqa: E402

import tflite_sparse  # noqa: E402

TOLERANCE = 1e-4


def run(interpreter, x: np.ndarray) -> np.ndarray:
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    scale = float(np.max(np.abs(want)))
    if not (scale > 1e-6 and np.std(want) > 1e-3 * scale):
        raise AssertionError("the stock output is degenerate (near constant): the comparison would prove nothing")
    return float(np.max(np.abs(got - want))) / scale


def body_nodes(path: Path, entry: dict, body_ops) -> tuple[set[int], set[int]]:
    """(nodes the partition must claim, DENSIFY nodes it may claim too)."""
    ops: dict[str, list[int]] = {}
    for op in litert.Interpreter(model_path=str(path))._get_ops_details():
        ops.setdefault(op["op_name"], []).append(op["index"])
    densify = set(ops.get("DENSIFY", []))
    if entry["body"] == "first_conv_to_pool":
        first, pool = min(ops["CONV_2D"]), max(ops["MEAN"])
        every = {i for indices in ops.values() for i in indices}
        return {i for i in every if first <= i <= pool} - densify, densify
    unclaimed_last = entry["unclaimed_last"]
    nodes: set[int] = set()
    for name in body_ops:
        indices = ops.get(name, [])
        nodes |= set(indices[:-1] if name in unclaimed_last else indices)
    return nodes, set()


def check(model_dir: Path, entry: dict, body_ops, isa: str) -> str:
    """Returns a one-line summary; raises AssertionError on a failed check."""
    path = model_dir / entry["file"]
    int8 = entry.get("int8", False)
    # int8: TFLite's builtin kernels on both sides, the same integers expected
    resolver = (litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES if int8
                else litert.OpResolverType.AUTO)
    stock = litert.Interpreter(model_path=str(path), num_threads=1,
                               experimental_op_resolver_type=resolver)
    shape = tuple(stock.get_input_details()[0]["shape"])
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    want = run(stock, x)
    options = {"default_delegates": False, "cost_rule": 0} if int8 else {}
    interpreter = tflite_sparse.Interpreter(path, runtime="litert", num_threads=1, isa=isa, **options)
    got = run(interpreter, x)
    assert got.shape == want.shape, f"output shape {got.shape}, stock {want.shape}"
    error = relative_error(got, want)
    if int8:
        assert np.array_equal(got, want), f"int8 outputs differ from stock (relative error {error:.2e})"
    assert error <= TOLERANCE, f"relative error {error:.2e} > {TOLERANCE}"
    report = tflite_sparse.delegate_report(interpreter)
    if isa == "auto":
        assert report["isa"] == "neon", f"isa=auto chose {report['isa']!r} on aarch64, not neon"
    partitions = report["partitions"]
    assert len(partitions) == entry["partitions"], (
        f"{len(partitions)} partitions claimed, expected {entry['partitions']}"
    )
    claimed = {n for p in partitions for n in p["nodes"]}
    if entry["partitions"] == 0:
        return f"left to TFLite, outputs {'equal' if int8 else f'error {error:.1e}'}, isa {report['isa']}"
    body, may_claim = body_nodes(path, entry, body_ops)
    extra = claimed - body - may_claim
    assert body <= claimed and not extra, (
        f"claimed nodes differ from the body: missing {sorted(body - claimed)}, extra {sorted(extra)}"
    )
    kernels = [s["kernel"] for p in partitions for s in p["steps"]]
    for kernel, count in entry["kernels"].items():
        assert kernels.count(kernel) == count, f"{kernels.count(kernel)} {kernel} steps, expected {count}"
    # The model's block is that of its sparse convs; dense ones (squeeze-
    # excitation on one pixel) pack with whatever block suits them.
    blocks = sorted({s.get("block", 1) for p in partitions for s in p["steps"]
                     if s["kernel"] in ("spmm", "qs8_spmm") and s.get("sparsity", 1.0) >= 0.5})
    assert blocks == [entry["block"]], f"sparse spmm blocks {blocks}, expected [{entry['block']}]"
    return f"error {error:.1e}, {len(partitions)} partition(s), {len(claimed)} nodes, isa {report['isa']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("delegate", type=Path)
    parser.add_argument("--isa", default="auto")
    args = parser.parse_args(argv)
    os.environ["TFLITE_SPARSE_LIBRARY"] = str(args.delegate)
    manifest = json.loads((args.model_dir / "manifest.json").read_text())
    passed = failed = skipped = 0
    for entry in manifest["models"]:
        name = entry["name"]
        if entry["pending"]:
            print(f"PENDING {name}: {entry['pending']}", flush=True)
            skipped += 1
            continue
        try:
            summary = check(args.model_dir, entry, manifest["body_ops"], args.isa)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            if not isinstance(error, AssertionError):
                traceback.print_exc()
            print(f"FAIL {name}: {error}", flush=True)
            failed += 1
        else:
            print(f"PASS {name}: {summary}", flush=True)
            passed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
