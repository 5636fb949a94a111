"""Child process of the mutant oracle: runs each listed mutant through the
listed stages, printing one JSON line per finished stage (flushed, so when
the process dies the parent knows which stage of which mutant it died in).

Stages: "reference-<runtime>" is the runtime's reference kernels (no default
delegates, so no XNNPACK); "ours-<runtime>" is our delegate on the same
resolver (our code alone); "ours-<runtime>-xnnpack" is the delegate as users run it, with the
runtime's default XNNPACK for the rest; "stock-<runtime>-xnnpack" is the
runtime untouched, to tell XNNPACK's own failures from ours.

usage: mutant_child.py JOB.json  (JOB: a list of {"id", "path", "stage"})
"""

from __future__ import annotations

import json
import sys

import numpy as np

from delegate_helpers import random_input, run, stock_interpreter
from sparse_models import INPUT_SHAPE


def _runtime_module(runtime: str):
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.Interpreter, tf.lite.experimental.OpResolverType
    from ai_edge_litert import interpreter as litert

    return litert.Interpreter, litert.OpResolverType


def interpreter_for(stage: str, path: str):
    import tflite_sparse

    who, runtime, *xnnpack = stage.split("-")
    if who == "stock":
        return stock_interpreter(path, runtime)
    if xnnpack:
        return tflite_sparse.Interpreter(path, runtime=runtime)
    # tflite_sparse.Interpreter takes no op resolver: build the runtime's own.
    cls, resolver = _runtime_module(runtime)
    delegates = [tflite_sparse.load_delegate(runtime)] if who == "ours" else None
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


def main() -> None:
    x = random_input(INPUT_SHAPE, seed=0)
    for item in json.loads(open(sys.argv[1]).read()):
        record = {"id": item["id"], "stage": item["stage"], **run_stage(item["stage"], item["path"], x)}
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
