"""Child process of the mutant oracle: runs each listed mutant through the
listed stages, printing one JSON line per finished stage (flushed, so when
the process dies the parent knows which stage of which mutant it died in).

Stages: "reference-<runtime>" is the runtime's reference kernels (no default
delegates, so no XNNPACK); "ours-<runtime>" is our delegate on the same
resolver (our code alone); "ours-<runtime>-xnnpack" is the delegate as users run it, with the
runtime's default XNNPACK for the rest; "stock-<runtime>-xnnpack" is the
runtime untouched, to tell XNNPACK's own failures from ours.

A server (argument: the runtime its jobs use): imports the runtime once, then for each job line read from stdin
({"job": path of a JSON list of {"id", "path", "stage"}, "timeout": s}) forks
a process that prints the records (its stderr goes to job path + ".err"), and
ends the job with a line "END <status>" ("ok", "signal N", "exit N", "hang..."). Forking from a process that has only
imported the runtimes saves the 8 s TensorFlow import per job, and every job
still starts from a clean heap.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import numpy as np

from delegate_helpers import random_input, run, stock_interpreter
from sparse_models import INPUT_SHAPE


def _runtime_module(runtime: str):
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.Interpreter, tf.lite.experimental.OpResolverType
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter, litert.OpResolverType


# Delegate options for "ours" stages, as JSON (a test that must reach the
# delegate's build paths on a model too small to pay sets {"cost_rule": 0}).
OPTIONS_ENV = "TSP_MUTANT_DELEGATE_OPTIONS"


def interpreter_for(stage: str, path: str):
    import tflite_sparse

    who, runtime, *xnnpack = stage.split("-")
    options = json.loads(os.environ.get(OPTIONS_ENV, "{}"))
    if who == "stock":
        return stock_interpreter(path, runtime)
    if xnnpack:
        return tflite_sparse.Interpreter(path, runtime=runtime, **options)
    # The runtime's own interpreter with its builtin resolver (no XNNPACK).
    cls, resolver = _runtime_module(runtime)
    delegates = [tflite_sparse.load_delegate(runtime, **options)] if who == "ours" else None
    return cls(model_path=path, num_threads=1, experimental_delegates=delegates,
               experimental_op_resolver_type=resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES)


def run_stage(stage: str, path: str, x: np.ndarray) -> dict:
    try:
        y = run(interpreter_for(stage, path), x)
    except Exception as error:  # a clean refusal: what a bad model should get
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}
    if y.dtype != np.float32:
        return {"error": f"output dtype {y.dtype}"}
    return {"shape": list(y.shape), "output": y.ravel().tolist()}


# A pair takes milliseconds; SIGALRM's default action ends a hung one. The
# parent gives a first pass this long and confirms a hang alone with a much
# longer alarm, so a loaded machine cannot pass a slow pair off as a hang.
PAIR_SECONDS = 3


def run_job(job: str, pair_seconds: float = PAIR_SECONDS) -> None:
    x = random_input(INPUT_SHAPE, seed=0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # kills even inside C code
    for item in json.loads(open(job).read()):
        signal.setitimer(signal.ITIMER_REAL, pair_seconds)
        record = {"id": item["id"], "stage": item["stage"], **run_stage(item["stage"], item["path"], x)}
        signal.setitimer(signal.ITIMER_REAL, 0)
        print(json.dumps(record), flush=True)


def _wait(pid: int, timeout: float, pair_seconds: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                if os.WTERMSIG(status) == signal.SIGALRM:
                    return f"hang (> {pair_seconds:g} s)"
                return f"signal {os.WTERMSIG(status)}"
            code = os.WEXITSTATUS(status)
            return "ok" if code == 0 else f"exit {code}"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang"
        time.sleep(0.01)


def _child(job: str, pair_seconds: float) -> None:
    code = 1
    try:
        with open(job + ".err", "w") as err:
            os.dup2(err.fileno(), 2)
        run_job(job, pair_seconds)
        code = 0
    finally:
        sys.stdout.flush()
        os._exit(code)


def serve(runtime: str) -> None:
    # Imported once, before any fork. A server per runtime: forking a process
    # that holds TensorFlow costs ~0.3 s of page-table copies, ai_edge_litert alone far less.
    if runtime == "tf":
        import tensorflow  # noqa: F401
    import tflite_sparse  # noqa: F401
    from ai_edge_litert import interpreter  # noqa: F401

    print("READY", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        pair_seconds = request.get("pair_seconds", PAIR_SECONDS)
        if pid == 0:
            _child(request["job"], pair_seconds)
        print(f"END {_wait(pid, request['timeout'], pair_seconds)}", flush=True)


if __name__ == "__main__":
    serve(sys.argv[1])
