"""The smaller snags of a new user's first hour (issue 7.6): `tflite
--version`, `tflite_sparse.convert`'s named options, `pruning.plan` as a
table and `tflite plan`, and `tflite demo` cleaning up after itself."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from child_env import child_env

import test_converter_helpers as helpers
import tflite_sparse
from tflite_sparse import cli

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"tflite-sparse {version}"
    assert tflite_sparse.__version__ == version


def test_convert_names_its_options():
    parameters = inspect.signature(tflite_sparse.convert).parameters
    assert list(parameters) == [
        "model_or_path", "sparse", "min_sparsity", "block", "prune", "prune_classifier",
        "fully_connected", "verify", "progress", "int8", "representative", "int8_io",
    ]
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert parameters["min_sparsity"].default == 0.5 and parameters["block"].default == "auto"
    doc = tflite_sparse.convert.__doc__
    for name in list(parameters)[1:]:
        assert re.search(rf"^\s+{name}:", doc, re.M), name  # each option documented
    with pytest.raises(TypeError, match="blocks"):
        tflite_sparse.convert(b"", blocks=4)  # a typo fails at once


def test_convert_with_report_names_its_options_too():
    from tflite_sparse.converter import convert, convert_with_report

    assert list(inspect.signature(convert_with_report).parameters) == list(inspect.signature(convert).parameters)


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "tiny.h5"
    helpers.tiny_pruned_model().save(path)
    return path


def test_plan_prints_as_a_table():
    from tflite_sparse import pruning

    plan = pruning.plan(helpers.tiny_pruned_model(), block=4)
    assert isinstance(plan, list) and all(isinstance(row, pruning.LayerPlan) for row in plan)
    text = str(plan)
    assert repr(plan) == text == pruning.format_plan(plan)
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "kind", "prune", "block", "why"]
    assert len(lines) == len(plan) + 2
    rows = {line.split()[0]: line.split(None, 4) for line in lines[1:-1]}
    assert rows["pw_block4"][1:4] == ["pointwise", "yes", "4"]
    assert rows["pw_block2"][1:4] == ["pointwise", "yes", "2"]  # 30 channels: 4 does not fit
    assert rows["first"][1:4] == ["first_conv", "no", "-"]
    assert rows["classifier"][1:3] == ["classifier", "no"]
    assert lines[-1] == f"5 of {len(plan)} weight layers pruned (4 in blocks of 4, 1 in blocks of 2)"


def test_plan_command(capsys, keras_file):
    code, out, err = _run(capsys, "plan", keras_file, "--block", "4")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["layer", "kind", "prune", "block", "why"]
    assert lines[-1].startswith("5 of ") and "4 in blocks of 4" in lines[-1]


def test_plan_command_on_a_tflite_points_to_inspect(capsys, tmp_path):
    path = helpers.write(tmp_path, "m.tflite", helpers.tiny_dense_tflite())
    code, _, err = _run(capsys, "plan", path)
    assert code == 1 and f"{path} is a .tflite file" in err and "tflite inspect" in err


def _demo(tmp_path, *argv):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = child_env(TMPDIR=str(temporary))
    done = subprocess.run(
        [sys.executable, "-m", "tflite_sparse.cli", "demo", "--alpha", "0.25", "--size", "64",
         "--runs", "3", "--warmup", "1", *map(str, argv)],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return done, temporary


@pytest.mark.slow
def test_demo_removes_its_temporary_directory(tmp_path):
    done, temporary = _demo(tmp_path)
    assert [p.name for p in temporary.iterdir() if p.name.startswith("tflite-sparse-demo-")] == []
    assert "temporary directory, now removed; --keep DIR keeps them" in done.stdout
    assert "p10" in done.stdout and "90% interval" in done.stdout
    assert done.stderr == ""  # no TensorFlow/TFLite log lines either


@pytest.mark.slow
def test_demo_keep_writes_the_models_there(tmp_path):
    done, _ = _demo(tmp_path, "--keep", tmp_path / "kept")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == [
        "mobilenet_v1_dense.tflite", "mobilenet_v1_sparse.tflite"
    ]
    assert f"models kept in {tmp_path / 'kept'}" in done.stdout
