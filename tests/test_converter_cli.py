"""`tflite convert` and `tflite inspect` from the command line: exit codes,
one-line error messages, and never a partial output file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from child_env import child_env

import test_converter_helpers as helpers
from tflite_sparse import cli
from tflite_sparse.converter import flatbuffer as fb



@pytest.fixture(scope="module")
def dense_path(tmp_path_factory):
    """The tiny pruned model as a dense .tflite (no TF needed to convert it)."""
    return helpers.write(tmp_path_factory.mktemp("cli"), "tiny_dense.tflite", helpers.tiny_dense_tflite())


def _main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line_error(code, err, *fragments):
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("tflite ")]
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _block_table(stderr: str) -> dict[str, list[str]]:
    """The per-layer table `tflite convert` prints on stderr: layer name ->
    [layer, out x in, zeros, block, why]."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["layer", "out"])
    return {line.split()[0]: line.split(None, 4) for line in lines[start + 1:] if line.strip()}


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_convert_writes_the_file_and_a_summary(capsys, dense_path, tmp_path):
    out = tmp_path / "out.tflite"
    code, stdout, stderr = _main(capsys, "convert", "--sparse", dense_path, "-o", out)
    assert code == 0, stderr
    assert fb.read_model(out.read_bytes())
    assert f"wrote {out}" in stdout and "4 of 5 eligible layers stored sparse" in stdout
    assert "verified on stock TFLite" in stdout
    by_layer = _block_table(stderr)
    assert by_layer["tiny/pw_block4/Conv2D"][3:] == ["4", "auto: all-zero blocks of 4 hold 100% of its zeros"]
    assert by_layer["tiny/pw_block2/Conv2D"][3] == "2"
    assert "30 channels are not a multiple of 4" in by_layer["tiny/pw_block2/Conv2D"][4]
    assert by_layer["tiny/pw_free/Conv2D"][3] == "1" and "hold only" in by_layer["tiny/pw_free/Conv2D"][4]
    assert by_layer["tiny/pw_dense/Conv2D"][3:] == ["dense", "fewer zeros than --min-sparsity 0.5"]
    assert _files(tmp_path) == {"out.tflite"}  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_convert_without_sparse_writes_dense(capsys, dense_path, tmp_path):
    out = tmp_path / "dense.tflite"
    code, _, stderr = _main(capsys, "convert", dense_path, "-o", out, "--no-verify")
    assert code == 0, stderr
    model = fb.read_model(out.read_bytes())
    assert not any(t.sparsity for t in model.subgraphs[0].tensors)


def test_convert_overwrites_an_existing_file_whole(capsys, dense_path, tmp_path):
    out = tmp_path / "out.tflite"
    out.write_bytes(b"old")
    code, _, _ = _main(capsys, "convert", "--sparse", dense_path, "-o", out, "--block", "1", "--no-verify")
    assert code == 0 and fb.looks_like_tflite(out.read_bytes())


@pytest.mark.parametrize(
    "content, fragments",
    [
        (b"hello, this is text\n", ("not.txt", "is not a TFLite, Keras (.keras, .h5) or SavedModel file")),
        (b"", ("not.txt", "is not a TFLite")),
    ],
)
def test_not_a_model_file(capsys, tmp_path, content, fragments):
    source = tmp_path / "not.txt"
    source.write_bytes(content)
    code, _, err = _main(capsys, "convert", "--sparse", source, "-o", tmp_path / "out.tflite")
    _assert_one_line_error(code, err, *fragments)
    assert _files(tmp_path) == {"not.txt"}


@pytest.mark.parametrize("keep", (0.5, 0.999))
def test_truncated_tflite(capsys, dense_path, tmp_path, keep):
    data = dense_path.read_bytes()
    source = tmp_path / "cut.tflite"
    source.write_bytes(data[: int(len(data) * keep)])
    code, _, err = _main(capsys, "convert", "--sparse", source, "-o", tmp_path / "out.tflite")
    _assert_one_line_error(code, err, "cut.tflite", "truncated or corrupt")
    assert _files(tmp_path) == {"cut.tflite"}
    code, _, err = _main(capsys, "inspect", source)
    _assert_one_line_error(code, err, "truncated or corrupt")


def test_model_without_eligible_layer(capsys, tmp_path):
    source = helpers.write(tmp_path, "no_pw.tflite", helpers.no_pointwise_tflite())
    code, _, err = _main(capsys, "convert", "--sparse", source, "-o", tmp_path / "out.tflite")
    _assert_one_line_error(code, err, "no_pw.tflite", "has no float32 1x1 convolution")
    assert _files(tmp_path) == {"no_pw.tflite"}


def test_dense_model_below_min_sparsity(capsys, tmp_path):
    source = helpers.write(tmp_path, "mbv1.tflite", helpers.mobilenet_small_tflite())
    code, _, err = _main(capsys, "convert", "--sparse", source, "-o", tmp_path / "out.tflite")
    _assert_one_line_error(code, err, "mbv1.tflite", "--min-sparsity", "--prune")
    assert _files(tmp_path) == {"mbv1.tflite"}


@pytest.mark.parametrize(
    "option, value",
    [("--min-sparsity", "1.0"), ("--min-sparsity", "-0.1"), ("--prune", "1.5"), ("--prune", "-1")],
)
def test_sparsity_outside_unit_interval(capsys, dense_path, tmp_path, option, value):
    code, _, err = _main(capsys, "convert", "--sparse", dense_path, "-o", tmp_path / "o.tflite", option, value)
    _assert_one_line_error(code, err, option, "outside [0, 1)")
    assert not _files(tmp_path)


def test_bad_block_is_an_argparse_error(capsys, dense_path, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["convert", "--sparse", str(dense_path), "-o", str(tmp_path / "o.tflite"), "--block", "3"])
    assert exit_info.value.code == 2
    assert "--block" in capsys.readouterr().err


@pytest.mark.parametrize("where", ("missing_dir", "is_dir"))
def test_unwritable_output(capsys, dense_path, tmp_path, where):
    output = tmp_path / "no" / "such" / "out.tflite" if where == "missing_dir" else tmp_path
    code, _, err = _main(capsys, "convert", "--sparse", dense_path, "-o", output)
    expected = "does not exist" if where == "missing_dir" else "is a directory"
    _assert_one_line_error(code, err, "cannot write", expected)
    assert not _files(tmp_path)


def test_missing_input(capsys, tmp_path):
    code, _, err = _main(capsys, "convert", "--sparse", tmp_path / "nope.h5", "-o", tmp_path / "o.tflite")
    _assert_one_line_error(code, err, "nope.h5", "does not exist")


def test_directory_that_is_not_a_saved_model(capsys, tmp_path):
    (tmp_path / "d").mkdir()
    code, _, err = _main(capsys, "convert", "--sparse", tmp_path / "d", "-o", tmp_path / "o.tflite")
    _assert_one_line_error(code, err, "not a SavedModel")


def test_failed_verification_leaves_no_file(capsys, dense_path, tmp_path, monkeypatch):
    from tflite_sparse.converter import verify

    def broken(reference, converted, **_):
        raise verify.VerificationError("the converted model's tensor 'x' differs (test)")

    monkeypatch.setattr(verify, "verify", broken)
    out = tmp_path / "out.tflite"
    code, _, err = _main(capsys, "convert", "--sparse", dense_path, "-o", out)
    _assert_one_line_error(code, err, "differs")
    assert not _files(tmp_path)
    code, _, _ = _main(capsys, "convert", "--sparse", dense_path, "-o", out, "--no-verify")
    assert code == 0 and out.is_file()


def test_inspect_table_and_json(capsys, dense_path, tmp_path, monkeypatch):
    monkeypatch.setenv("TFLITE_SPARSE_LIBRARY", str(tmp_path / "missing.so"))
    out = tmp_path / "out.tflite"
    assert _main(capsys, "convert", "--sparse", dense_path, "-o", out, "--no-verify")[0] == 0
    code, table, err = _main(capsys, "inspect", out)
    assert code == 0
    assert "cannot ask the delegate" in err  # warning, not a failure
    header, *rows, summary = table.splitlines()
    assert header.split()[:3] == ["#", "op", "weight"]
    densify_rows = [r for r in rows if r.split()[1] == "DENSIFY"]
    assert len(densify_rows) == 4
    sparse_rows = [r.split() for r in rows if r.split()[1] == "CONV_2D" and r.split()[4] != "-"]
    assert sorted(r[4] for r in sparse_rows) == ["1", "2", "4", "4"]
    assert all(r[-1] == "?" for r in sparse_rows)
    assert "4 with sparse weights" in summary
    code, text, _ = _main(capsys, "inspect", out, "--json")
    data = json.loads(text)
    assert code == 0 and data["delegate"]["available"] is False
    assert len(data["ops"]) == len(rows)
    conv = next(r for r in data["ops"] if r["block"] == 2)
    assert conv["op"] == "CONV_2D" and conv["shape"] == [30, 1, 1, 24] and conv["claimed"] is None
    assert conv["index_type"] == "uint8" and conv["bytes"] > 0 and conv["sparsity"] >= 0.79


def test_inspect_missing_file(capsys, tmp_path):
    code, _, err = _main(capsys, "inspect", tmp_path / "nope.tflite")
    _assert_one_line_error(code, err, "nope.tflite", "does not exist")


def _subprocess(*argv):
    env = child_env()
    return subprocess.run(
        [sys.executable, "-m", "tflite_sparse.cli", *map(str, argv)],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_command_line_process_prune_warning_and_exit_codes(dense_path, tmp_path):
    out = tmp_path / "pruned.tflite"
    done = _subprocess("convert", "--sparse", dense_path, "-o", out, "--prune", "0.9", "--block", "2")
    assert done.returncode == 0, done.stderr
    assert "accuracy" in done.stderr and "fine-tun" in done.stderr  # the one-shot warning
    assert "with block 2" in done.stdout
    bad = _subprocess("convert", "--sparse", tmp_path / "missing.h5", "-o", tmp_path / "x.tflite")
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [f"tflite convert: error: {tmp_path / 'missing.h5'} does not exist"]


def test_subcommand_modules_import_without_tensorflow():
    code = (
        "import sys, argparse; from tflite_sparse import cli; cli.build_parser(); "
        "print('tensorflow' in sys.modules)"
    )
    env = child_env()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- -o naming the input (issue 8.5) ---------------------------------------


@pytest.mark.parametrize("spelling", ("relative", "absolute", "dotted", "symlink", "hardlink"))
def test_output_that_is_the_input_is_refused(capsys, dense_path, tmp_path, monkeypatch, spelling):
    source = tmp_path / "model.tflite"
    source.write_bytes(dense_path.read_bytes())
    original = source.read_bytes()
    if spelling == "symlink":
        (tmp_path / "link.tflite").symlink_to(source)
    if spelling == "hardlink":
        os.link(source, tmp_path / "hard.tflite")
    before = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    output = {
        "relative": "model.tflite",
        "absolute": str(source),
        "dotted": f"../{tmp_path.name}/./model.tflite",
        "symlink": "link.tflite",
        "hardlink": "hard.tflite",
    }[spelling]
    code, out, err = _main(capsys, "convert", "--sparse", "model.tflite", "-o", output, "--prune", "0.9")
    _assert_one_line_error(code, err, f"-o {output} is the input file", "give another output name")
    assert not out
    assert source.read_bytes() == original  # the weights are still there
    assert _files(tmp_path) == before  # no temporary file either


def test_output_inside_the_input_saved_model_is_refused(capsys, tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "saved_model.pb").write_bytes(b"not read: refused before loading")
    code, _, err = _main(capsys, "convert", "--sparse", saved, "-o", saved / "saved_model.pb")
    _assert_one_line_error(code, err, "inside the input SavedModel directory")
    assert (saved / "saved_model.pb").read_bytes() == b"not read: refused before loading"


def test_a_new_output_next_to_the_input_is_fine(capsys, dense_path, tmp_path, monkeypatch):
    source = tmp_path / "model.tflite"
    source.write_bytes(dense_path.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, _, err = _main(capsys, "convert", "--sparse", "model.tflite", "-o", "./model_sparse.tflite", "--no-verify")
    assert code == 0, err


# --- block choice (issue 7.2, 8.6) -------------------------------------------


def test_prune_with_auto_block_takes_blocks_of_4_where_the_channels_allow(capsys, dense_path, tmp_path):
    out = tmp_path / "pruned.tflite"
    code, stdout, stderr = _main(capsys, "convert", "--sparse", dense_path, "-o", out, "--prune", "0.9")
    assert code == 0, stderr
    table = _block_table(stderr)
    fastest = "pruned in blocks of 4 (auto: the delegate's fastest kernels)"
    for name in ("pw_block4", "pw_free", "pw_wide_in", "pw_dense"):  # 24, 300, 16, 32 channels
        assert table[f"tiny/{name}/Conv2D"][3:] == ["4", fastest], name
        assert float(table[f"tiny/{name}/Conv2D"][2].rstrip("%")) >= 89.5, name  # plus zeros it had
    assert table["tiny/pw_block2/Conv2D"][3:] == [
        "2", "pruned in blocks of 2 (auto: 30 output channels are not a multiple of 4)"
    ]
    assert "5 of 5 eligible layers stored sparse (4 with block 4, 1 with block 2)" in stdout
    inspection = _main(capsys, "inspect", out, "--json", "--no-delegate")[1]
    stored = sorted(row["block"] for row in json.loads(inspection)["ops"] if row.get("block"))
    assert stored == [2, 4, 4, 4, 4]  # the file holds what the table says


@pytest.mark.parametrize("prune", ((), ("--prune", "0.9")))
def test_explicit_block_4_on_30_channels_names_the_layer(capsys, dense_path, tmp_path, prune):
    out = tmp_path / "out.tflite"
    code, _, err = _main(capsys, "convert", "--sparse", dense_path, "-o", out, "--block", "4", *prune)
    _assert_one_line_error(
        code, err, "--block 4: layer 'tiny/pw_block2/Conv2D' has 30 output channels, not a multiple of 4",
        "use --block auto", "--block 2",
    )
    assert "WARNING" not in err  # refused before the one-shot pruning warning
    assert not _files(tmp_path)
