"""Guest side of benchmarks/arm_instructions.py: runs under qemu-aarch64 with
the insn_count plugin and marks one counted invoke per run.

    python3.11 -I arm_count_guest.py PLAN.json

PLAN.json: {"delegate": SO, "out": PREFIX, "runs": [{"id": N, "model": PATH,
"engine": "stock" | "delegate", "options": {...}, "repeat": R}, ...]}. Each
run: interpreter built, one warm-up invoke, then R counted invokes, window
ids N, N+1, ... (the plugin writes PREFIX.ID); after them the process's
memory map goes to PREFIX.ID.maps so the host can name the code that ran.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import numpy as np  # noqa: E402
from ai_edge_litert import interpreter as litert  # noqa: E402

import tflite_sparse  # noqa: E402

MARK = 0x7473700000


def mark(window: int, op: int) -> None:
    """The plugin's window marker: an lseek on fd -1 that fails with EBADF."""
    try:
        os.lseek(-1, MARK | window, op)
    except OSError:
        pass


def interpreter_for(run: dict):
    if run["engine"] == "stock":
        return litert.Interpreter(model_path=run["model"], num_threads=1)
    return tflite_sparse.Interpreter(run["model"], runtime="litert", num_threads=1, **run.get("options", {}))


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text())
    os.environ["TFLITE_SPARSE_LIBRARY"] = plan["delegate"]
    for run in plan["runs"]:
        interpreter = interpreter_for(run)
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        x = np.random.default_rng(0).uniform(-1, 1, tuple(detail["shape"])).astype(np.float32)
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()  # warm-up: lazy preparation and first-touch work stay out
        for k in range(run.get("repeat", 1)):
            mark(run["id"] + k, 0)
            interpreter.invoke()
            mark(run["id"] + k, 1)
        maps = Path("/proc/self/maps").read_text()
        Path(f"{plan['out']}.{run['id']}.maps").write_text(maps)
        report = tflite_sparse.delegate_report(interpreter) if run["engine"] == "delegate" else None
        Path(f"{plan['out']}.{run['id']}.report.json").write_text(json.dumps(report))
        print(f"counted {run['engine']} {Path(run['model']).name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
