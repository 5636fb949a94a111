"""Instructions per inference on aarch64 (qemu-aarch64 user mode, counted with
our TCG plugin): stock LiteRT/XNNPACK dense, stock on the sparse file, and
the tflite-sparse delegate, per model and per kernel.

    python benchmarks/arm_instructions.py [--models DIR] [--out results.md] [--repeat 2]

Models (scripts/aarch64/models.py): Keras MobileNet v1 1.0 224 (TF SAME
padding, classifier) and the explicit-PAD headless variant on which
XNNPACK's sparse CHW path runs; 90% sparse unstructured (TF's converter) and
with blocks of 4 (`tflite convert --sparse`), and the dense file. Each count
is one invoke after a warm-up, in one qemu process (QEMU_CPU=neoverse-n1),
one thread. Instruction counts are a proxy for time, not time: they ignore
memory stalls, issue width and latency.

Per kernel: addresses are mapped to the delegate's object files (one kernel
per file; from the link map of a build made here) and to LiteRT's symbols
(XNNPACK microkernel names), then grouped (spmm, depthwise 3x3 s1, ...).
The plugin also classifies each instruction (FMA, load, store), so the FMA
share of a kernel says how much of it is arithmetic.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "arm-bench"
CROSS = "aarch64-linux-gnu-"


# ---------------------------------------------------------------- building

def sh(*args: str, **kwargs) -> str:
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs).stdout


def build_plugin() -> Path:
    """The TCG plugin, built from benchmarks/qemu_plugin with the host gcc."""
    out = BUILD / "insn_count.so"
    src = REPO / "benchmarks" / "qemu_plugin" / "insn_count.c"
    out.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
       "-fvisibility=hidden", "-pthread", "-o", str(out), str(src))
    return out


def build_delegate() -> tuple[Path, Path]:
    """Cross-built Release delegate and its link map (object file ranges)."""
    lib_dir = BUILD / "lib"
    link_map = BUILD / "delegate.map"
    sh("cmake", "-S", str(REPO), "-B", str(lib_dir), "-DCMAKE_BUILD_TYPE=Release", "-DTSP_BUILD_TESTS=OFF",
       f"-DCMAKE_TOOLCHAIN_FILE={REPO / 'cmake' / 'aarch64-linux-gnu.cmake'}",
       f"-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Map={link_map}")
    sh("cmake", "--build", str(lib_dir), "-j2")
    return lib_dir / "libtflite_sparse_delegate.so", link_map


def arm64_root() -> Path:
    out = sh("bash", str(REPO / "scripts" / "aarch64" / "root.sh"))
    return Path(out.strip().splitlines()[-1])


def build_models(directory: Path) -> None:
    names = ["mbv1_keras_unstructured", "mbv1_keras_block4", "mbv1_pad_unstructured", "mbv1_pad_block4"]
    subprocess.run([sys.executable, str(REPO / "scripts" / "aarch64" / "models.py"), str(directory),
                    "--dense", "--only", *names], check=True)


# ----------------------------------------------------------- symbolization

@dataclass
class Library:
    """Function start addresses (ELF virtual addresses) of one shared object."""

    loads: list[tuple[int, int, int]]  # (file offset, vaddr, size) of PT_LOAD segments
    starts: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def name_at(self, file_offset: int) -> str | None:
        for offset, vaddr, size in self.loads:
            if offset <= file_offset < offset + size:
                address = file_offset - offset + vaddr
                i = bisect.bisect_right(self.starts, address) - 1
                return self.names[i] if i >= 0 else None
        return None


def load_library(path: str, link_map: Path | None) -> Library:
    loads = []
    for line in sh(f"{CROSS}readelf", "-lW", path).splitlines():
        parts = line.split()
        if parts and parts[0] == "LOAD":
            loads.append((int(parts[1], 16), int(parts[2], 16), int(parts[4], 16)))
    lib = Library(loads)
    entries: list[tuple[int, str]] = []
    if link_map is not None:  # our delegate: name code by the object file (= kernel) it came from
        for match in re.finditer(r"^ \.text\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$",
                                 link_map.read_text(), re.M):
            obj = match.group(3)
            inner = re.search(r"\(([^()]+)\)$", obj)  # libtsp_kernels.a(f32_spmm_16x4__neon.c.o)
            obj = inner.group(1) if inner else Path(obj).name
            entries.append((int(match.group(1), 16), obj.removesuffix(".o").removesuffix(".c")))
    else:
        for line in sh(f"{CROSS}nm", "--defined-only", path).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                entries.append((int(parts[0], 16), parts[2]))
    entries.sort()
    lib.starts = [a for a, _ in entries]
    lib.names = [n for _, n in entries]
    return lib


def kernel_group(name: str | None, library: str) -> str:
    """A kernel family from a symbol (XNNPACK) or object (delegate) name."""
    if name is None:
        return f"other ({library})"
    n = name.lower()
    if "spmm" in n:
        return "spmm (1x1 sparse)"
    if "conv_hwc2chw" in n:
        return "first conv (3x3 s2, HWC->CHW)"
    if "dwconv2d_chw" in n:
        size = "5x5" if "5x5" in n else "3x3"
        stride = "s2" if re.search(r"\dx\ds2", n) else "s1"
        return f"depthwise {size} {stride} (CHW)"
    if "gemm" in n:
        return "gemm / igemm (dense conv)"
    if "dwconv" in n:
        return "depthwise (HWC)"
    if "gavgpool" in n or "rsum" in n or "mean" in n:
        return "global pooling"
    if "transpose" in n or "chw_to" in n or "to_chw" in n or "nhwc" in n:
        return "layout transposes"
    return f"other ({library})"


@dataclass
class Counts:
    total: int = 0
    groups: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))


def attribute(window: Path, maps: Path, delegate: Path, link_map: Path, cache: dict) -> Counts:
    """Instructions per kernel group (insns, fma, load, store) of one window."""
    mappings = []
    for line in maps.read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and "x" in parts[1]:
            lo, hi = (int(v, 16) for v in parts[0].split("-"))
            mappings.append((lo, hi, int(parts[2], 16), parts[5]))
    mappings.sort()
    lows = [m[0] for m in mappings]
    counts = Counts()
    lines = window.read_text().splitlines()
    if lines[0].endswith("incomplete"):
        raise RuntimeError(f"{window}: the plugin ran out of memory; counts are incomplete")
    counts.total = int(lines[0].split()[1])
    for line in lines[1:]:
        vaddr_hex, n, execs, fma, load, store = line.split()
        vaddr = int(vaddr_hex, 16)
        i = bisect.bisect_right(lows, vaddr) - 1
        name, library = None, "unmapped"
        if i >= 0 and vaddr < mappings[i][1]:
            lo, _, offset, path = mappings[i]
            library = Path(path).name
            if path.endswith(".so") or ".so." in path:
                if path not in cache:
                    is_ours = Path(path).resolve() == delegate.resolve()
                    cache[path] = load_library(path, link_map if is_ours else None)
                name = cache[path].name_at(vaddr - lo + offset)
        group = kernel_group(name, library)
        e = int(execs)
        row = counts.groups[group]
        row[0] += e * int(n)
        row[1] += e * int(fma)
        row[2] += e * int(load)
        row[3] += e * int(store)
    return counts


# ------------------------------------------------------------------- runs

ENGINES = {
    "stock": ("stock LiteRT (XNNPACK)", {}),
    "delegate": ("tflite-sparse delegate (NEON)", {"isa": "neon"}),
}


def plan_runs(models: Path, repeat: int) -> list[dict]:
    files = [
        ("Keras MobileNet v1 1.0", "dense", "keras_mbv1_dense.tflite", ["stock"]),
        ("Keras MobileNet v1 1.0", "90% unstructured", "mbv1_keras_unstructured.tflite", ["stock", "delegate"]),
        ("Keras MobileNet v1 1.0", "90% blocks of 4", "mbv1_keras_block4.tflite", ["stock", "delegate"]),
        ("explicit-PAD headless", "dense", "pad_mbv1_dense.tflite", ["stock"]),
        ("explicit-PAD headless", "90% unstructured", "mbv1_pad_unstructured.tflite", ["stock", "delegate"]),
        ("explicit-PAD headless", "90% blocks of 4", "mbv1_pad_block4.tflite", ["stock", "delegate"]),
    ]
    runs = []
    for family, kind, name, engines in files:
        for engine in engines:
            runs.append({"id": 100 * (len(runs) + 1), "model": str(models / name), "engine": engine,
                         "options": ENGINES[engine][1], "repeat": repeat, "family": family, "kind": kind})
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="reuse the models in DIR (built there if missing)")
    parser.add_argument("--repeat", type=int, default=2, help="counted invokes per run (default 2)")
    parser.add_argument("--out", type=Path, help="also write the tables as Markdown here")
    parser.add_argument("--json", type=Path, help="also write the raw counts here")
    args = parser.parse_args(argv)

    plugin = build_plugin()
    delegate, link_map = build_delegate()
    root = arm64_root()
    models = args.models or BUILD / "models"
    if not (models / "pad_mbv1_dense.tflite").exists():
        build_models(models)

    runs = plan_runs(models, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "w"
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps({"delegate": str(delegate), "out": str(prefix), "runs": runs}))
        env = dict(os.environ, QEMU_CPU="neoverse-n1")
        subprocess.run(["qemu-aarch64", "-plugin", f"{plugin},out={prefix}", "-L", str(root),
                        str(root / "usr/bin/python3.11"), "-I", str(REPO / "benchmarks" / "arm_count_guest.py"),
                        str(plan)], check=True, env=env)
        cache: dict = {}
        for run in runs:
            maps = Path(f"{prefix}.{run['id']}.maps")
            run["counts"] = [attribute(Path(f"{prefix}.{run['id'] + k}"), maps, delegate, link_map, cache)
                             for k in range(args.repeat)]
            run["report"] = json.loads(Path(f"{prefix}.{run['id']}.report.json").read_text())

    lines = render(runs)
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps([
            {k: v for k, v in run.items() if k not in ("counts",)}
            | {"totals": [c.total for c in run["counts"]],
               "groups": {g: r for g, r in run["counts"][0].groups.items()}}
            for run in runs], indent=1))
    return 0


def render(runs: list[dict]) -> list[str]:
    m = lambda n: f"{n / 1e6:.1f}"  # noqa: E731
    by = {(r["family"], r["kind"], r["engine"]): r for r in runs}
    lines = ["Instructions per inference (millions), qemu-aarch64 QEMU_CPU=neoverse-n1, one thread, "
             "one invoke after a warm-up; a proxy, not time.", "",
             "| model | weights | engine | M instructions | vs XNNPACK dense | repeat spread |",
             "|---|---|---|---|---|---|"]
    for run in runs:
        dense = by[(run["family"], "dense", "stock")]["counts"][0].total
        totals = [c.total for c in run["counts"]]
        lines.append(f"| {run['family']} | {run['kind']} | {ENGINES[run['engine']][0]} | {m(totals[0])} | "
                     f"{totals[0] / dense:.2f}x | {max(totals) - min(totals)} |")
    lines += ["", "Per kernel, explicit-PAD headless variant (M instructions; FMA share of the kernel's "
              "instructions):", ""]
    for kind in ("90% unstructured", "90% blocks of 4"):
        stock = by[("explicit-PAD headless", kind, "stock")]["counts"][0]
        ours = by[("explicit-PAD headless", kind, "delegate")]["counts"][0]
        lines += [f"{kind}:", "", "| kernel | XNNPACK sparse | FMA % | delegate | FMA % |", "|---|---|---|---|---|"]
        groups = sorted(set(stock.groups) | set(ours.groups),
                        key=lambda g: -(stock.groups.get(g, [0])[0] + ours.groups.get(g, [0])[0]))
        for g in groups:
            s, o = stock.groups.get(g, [0, 0, 0, 0]), ours.groups.get(g, [0, 0, 0, 0])
            if s[0] + o[0] < 50_000:
                continue
            pct = lambda r: f"{100 * r[1] / r[0]:.0f}" if r[0] else "-"  # noqa: E731
            lines.append(f"| {g} | {m(s[0])} | {pct(s)} | {m(o[0])} | {pct(o)} |")
        lines.append(f"| **total** | **{m(stock.total)}** | | **{m(ours.total)}** | |")
        lines.append("")
    return lines


if __name__ == "__main__":
    sys.exit(main())
