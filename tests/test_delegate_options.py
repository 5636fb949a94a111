"""Loading the delegate and validating its options, from Python and in C."""

from __future__ import annotations

import os

import pytest

import tflite_sparse
from tflite_sparse.delegate import DelegateOptionError


def test_delegate_path_is_the_shipped_library():
    path = tflite_sparse.delegate_path()
    assert os.path.isabs(path) and os.path.isfile(path)
    assert path.endswith(".so")


@pytest.mark.parametrize("runtime", ["tf", "litert"])
def test_loads_in_both_runtimes_and_reports_its_isa(runtime):
    delegate = tflite_sparse.load_delegate(runtime, isa="scalar", min_sparsity=0.6)
    report = tflite_sparse.delegate_report(delegate)
    assert report["isa"] == "scalar"
    assert report["min_sparsity"] == pytest.approx(0.6)
    assert report["partitions"] == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"bogus": 1}, "unknown delegate option 'bogus'"),
        ({"isa": "avx9"}, "isa='avx9'"),
        ({"min_sparsity": 1.0}, "must be in [0, 1)"),
        ({"min_sparsity": "half"}, "is not a number"),
        ({"profile": "sometimes"}, "must be a boolean"),
    ],
)
def test_python_rejects_bad_options(options, message):
    with pytest.raises(DelegateOptionError, match=message.replace("[", r"\[").replace(")", r"\)")):
        tflite_sparse.load_delegate("litert", **options)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"bogus": "1"}, "unknown option 'bogus'"),
        ({"isa": "avx9"}, "isa=avx9 is not one of"),
        ({"min_sparsity": "1.5"}, "min_sparsity=1.5 must be a number in [0, 1)"),
        ({"min_sparsity": "0.5x"}, "min_sparsity=0.5x"),
        ({"flush_denormals": "yes"}, "flush_denormals=yes must be 0 or 1"),
    ],
)
def test_the_library_itself_rejects_bad_options(options, message):
    """Users of the raw plugin (any TFLite binding) get the same checks."""
    from ai_edge_litert import interpreter as litert

    with pytest.raises(ValueError) as error:
        litert.load_delegate(tflite_sparse.delegate_path(), options)
    assert message in str(error.value)


def test_unknown_runtime_is_an_error():
    with pytest.raises(DelegateOptionError, match="runtime='onnx'"):
        tflite_sparse.load_delegate("onnx")
