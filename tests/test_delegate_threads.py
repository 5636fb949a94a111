"""Threads: the delegate runs its kernels on the interpreter's thread count (or
its own num_threads option), matches stock TFLite for any count, gives the
same bits for every count, and leaves no thread or memory behind."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tflite_sparse
from delegate_helpers import RUNTIMES, compare, random_input, run
from tflite_sparse import convert, subjects
from tflite_sparse.delegate import DelegateOptionError

TOLERANCE = 1e-4


@functools.lru_cache(maxsize=None)
def _model(kind: str, directory: str) -> str:
    from pathlib import Path

    path = Path(directory) / f"threads_{kind}.tflite"
    if kind == "v1_unstructured":
        model = subjects.mobilenet_v1(subjects.Subject(alpha=0.5, sparsity=0.9))
        path.write_bytes(subjects.to_tflite(model, sparse=True))
    elif kind == "v1_blocked":
        model = subjects.mobilenet_v1(subjects.Subject(alpha=0.5, sparsity=0.9, block=4))
        path.write_bytes(convert(model, sparse=True, block=4))
    elif kind == "v2":
        model = subjects.family_model(subjects.FamilySubject("mobilenet_v2", alpha=0.5, sparsity=0.85))
        path.write_bytes(subjects.to_tflite(model, sparse=True))
    elif kind == "efficientnet_b0":
        model = subjects.family_model(subjects.FamilySubject("efficientnet_b0", sparsity=0.85))
        path.write_bytes(subjects.to_tflite(model, sparse=True))
    elif kind == "v1_small":
        model = subjects.mobilenet_v1(subjects.Subject(alpha=0.25, height=96, width=96, sparsity=0.9))
        path.write_bytes(subjects.to_tflite(model, sparse=True))
    else:
        raise ValueError(kind)
    return str(path)


@pytest.fixture(scope="module")
def model(model_dir):
    return lambda kind: _model(kind, str(model_dir))


@pytest.mark.slow
@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("kind", ["v1_unstructured", "v1_blocked", "v2", "efficientnet_b0"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_matches_stock_tflite_with_threads(model, kind, threads, runtime):
    x = random_input((2, 224, 224, 3), seed=threads)
    error, report = compare(model(kind), x, runtime, delegate_num_threads=threads)
    assert error <= TOLERANCE
    assert report["threads"] == threads
    assert len(report["partitions"]) == 1


def test_interpreter_threads_reach_the_delegate(model):
    path = model("v1_small")
    for threads in (1, 2, 4):
        interpreter = tflite_sparse.Interpreter(path, num_threads=threads)
        interpreter.allocate_tensors()
        assert tflite_sparse.delegate_report(interpreter)["threads"] == threads
    # The delegate option wins over the interpreter's count.
    interpreter = tflite_sparse.Interpreter(path, num_threads=1, delegate_num_threads=3)
    interpreter.allocate_tensors()
    report = tflite_sparse.delegate_report(interpreter)
    assert report["threads"] == 3 and report["num_threads"] == 3


@pytest.mark.parametrize("kind", ["v1_unstructured", "v1_blocked", "v2", "efficientnet_b0"])
def test_same_bits_for_every_thread_count(model, kind):
    x = random_input((1, 224, 224, 3), seed=7)
    outputs = [run(tflite_sparse.Interpreter(model(kind), delegate_num_threads=n), x) for n in range(1, 6)]
    for n, out in enumerate(outputs[1:], start=2):
        assert np.array_equal(out, outputs[0]), f"{n} threads differ from 1 thread"


@pytest.mark.parametrize("value", [-1, 65, "two", 1.5, True])
def test_bad_num_threads_is_refused(value):
    with pytest.raises(DelegateOptionError, match="num_threads"):
        tflite_sparse.load_delegate("litert", num_threads=value)


def test_bad_num_threads_is_refused_by_the_c_library():
    """The C plugin validates too (for callers that are not our Python)."""
    import ctypes

    library = ctypes.CDLL(tflite_sparse.delegate_path())
    create = library.tflite_plugin_create_delegate
    create.restype = ctypes.c_void_p
    messages = []
    callback_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
    callback = callback_type(lambda m: messages.append(m.decode()))
    keys = (ctypes.c_char_p * 1)(b"num_threads")
    values = (ctypes.c_char_p * 1)(b"100")
    assert create(keys, values, 1, callback) is None
    assert messages and "num_threads=100" in messages[0]


LEAK_SCRIPT = textwrap.dedent(
    """
    import json, os, resource, sys
    import numpy as np
    import tflite_sparse

    def threads():
        return len(os.listdir("/proc/self/task"))

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    path = sys.argv[1]
    x = np.random.default_rng(0).uniform(-1, 1, (1, 96, 96, 3)).astype(np.float32)

    def cycle(n):
        interpreter = tflite_sparse.Interpreter(path, num_threads=1 + n % 3, delegate_num_threads=1 + n % 4)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        claimed = len(tflite_sparse.delegate_report(interpreter)["partitions"])
        del interpreter
        return claimed

    for n in range(20):  # warm up the runtime's own caches
        cycle(n)
    start_threads, start_rss = threads(), rss_mb()
    claimed = [cycle(n) for n in range(200)]
    print(json.dumps({"threads": [start_threads, threads()], "rss": [start_rss, rss_mb()],
                      "claimed": min(claimed)}))
    """
)


def test_200_interpreters_leave_no_thread_or_memory_behind(model, tmp_path):
    script = tmp_path / "leak.py"
    script.write_text(LEAK_SCRIPT)
    result = subprocess.run([sys.executable, str(script), model("v1_small")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["claimed"] == 1, "the delegate must have run in every interpreter"
    assert facts["threads"][1] == facts["threads"][0], facts
    assert facts["rss"][1] - facts["rss"][0] < 20, f"RSS grew {facts['rss']} MB over 200 interpreters"
