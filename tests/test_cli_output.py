"""Every `tflite` command prints only its own output unless --verbose: no
oneDNN/CUDA lines, no cuInit "error", no "INFO: Created TensorFlow Lite
XNNPACK delegate" (issue 7.4). Each command runs in a fresh process, where
TensorFlow and TFLite really print them; a native error line still shows."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from child_env import child_env

import test_converter_helpers as helpers

NOISE = re.compile(
    r"^[IWE]\d{4} |All log messages before absl|INFO: Created TensorFlow Lite|cuInit|oneDNN|"
    r"cuda drivers|cpu_feature_guard|rebuild TensorFlow|UserWarning|DeprecationWarning|WARNING:tensorflow"
)


def _env() -> dict:
    env = child_env()
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_USE_LEGACY_KERAS"):  # as a user's shell has them: unset
        env.pop(name, None)
    return env


def _tflite(*argv, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tflite_sparse.cli", *map(str, argv)],
        capture_output=True, text=True, env=_env(), cwd=cwd, timeout=600,
    )


def _noise(text: str) -> list[str]:
    return [line for line in text.splitlines() if NOISE.search(line)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli_output")
    keras_file = directory / "tiny.h5"
    helpers.tiny_pruned_model().save(keras_file)
    dense = helpers.write(directory, "dense.tflite", helpers.tiny_dense_tflite())
    return {"dir": directory, "keras": keras_file, "dense": dense}


def test_convert_from_keras_prints_only_its_own_lines(files):
    out = files["dir"] / "sparse.tflite"
    done = _tflite("convert", "--sparse", files["keras"], "-o", out, "--prune", "0.9")
    assert done.returncode == 0, done.stderr
    assert not _noise(done.stderr) and not _noise(done.stdout), done.stderr
    stderr = done.stderr.splitlines()
    assert stderr[0].startswith("WARNING: --prune zeroes weights by magnitude")
    assert stderr[1] == "verifying on stock TFLite"
    assert stderr[2].split()[:3] == ["layer", "out", "x"]
    assert len(stderr) == 3 + 5  # one table row per 1x1 conv, nothing else
    assert done.stdout.startswith(f"wrote {out}")


def test_inspect_bench_and_plan_print_only_their_own_lines(files):
    sparse = files["dir"] / "inspected.tflite"
    assert _tflite("convert", "--sparse", files["dense"], "-o", sparse, "--no-verify").returncode == 0
    for argv in (
        ("inspect", sparse),
        ("bench", files["dense"], sparse, "--runs", "3", "--warmup", "1"),
        ("plan", files["keras"]),
    ):
        done = _tflite(*argv)
        assert done.returncode == 0, (argv, done.stderr)
        assert done.stderr == "", (argv, done.stderr)
        assert not _noise(done.stdout), (argv, done.stdout)


def test_verbose_shows_our_info_lines(files):
    done = _tflite("convert", "--verbose", "--sparse", files["dense"], "-o", files["dir"] / "v.tflite")
    assert done.returncode == 0, done.stderr
    assert "INFO: verification:" in done.stderr


def test_errors_still_show(files):
    done = _tflite("bench", files["dense"], files["dir"] / "missing.tflite")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"tflite bench: error: {files['dir'] / 'missing.tflite'}: no such model file (sparse, with the delegate)"
    ]


def test_native_filter_drops_known_noise_and_keeps_the_rest(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys, time
        from tflite_sparse import quiet
        with quiet.NativeStderrFilter():
            os.write(2, b"I0000 00:00:1796.5   1234 port.cc:153] oneDNN custom operations are on.\\n")
            time.sleep(0.3)  # a separate write, read on its own: not a continuation
            os.write(2, b"native text after a dropped record\\n")
            os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
            os.write(2, b"I0000 00:00:1796.5   1234 cpu_feature_guard.cc:227] This TensorFlow binary\\n"
                        b"To enable the following instructions: AVX2, rebuild TensorFlow\\n")
            os.write(2, b"E0000 00:00:1796.5   1234 cuda_platform.cc:52] failed call to cuInit: UNKNOWN\\n")
            os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n")
            os.write(2, b"ERROR: tensor 'w/sparse': segments not monotonic\\n")
            os.write(2, b"E0000 00:00:1796.5   1234 op.cc:9] a real native error\\n")
            print("ours, through sys.stderr", file=sys.stderr)
            os.write(2, b"plain native text\\n")
        os.write(2, b"after the filter\\n")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stderr.splitlines()) == sorted([
        "ERROR: tensor 'w/sparse': segments not monotonic",
        "E0000 00:00:1796.5   1234 op.cc:9] a real native error",
        "ours, through sys.stderr",
        "plain native text",
        "native text after a dropped record",
        "after the filter",
    ])
