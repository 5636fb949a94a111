"""Real-data proof on a reduced budget: examples/prune_and_deploy.py at 32x32.

A MobileNet v1 trained on scikit-learn's digits (real scans shipped inside
the package), then pruned to 90% while fine-tuning, keeps its held-out top-1
within MARGIN points of a dense copy trained for the same number of epochs;
every pruned layer reaches 90%; the `tflite convert --sparse` file runs with
the delegate and agrees with stock TFLite on every test image.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

pytest.importorskip("sklearn", reason="needs the examples extra: pip install '.[examples]'")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "prune_and_deploy.py"
# Points of top-1. The test split holds 540 images, so at ~98% one run's gap has
# a standard error of ~0.6 points from the images alone, and threaded training
# is not bit-reproducible: gaps of +0.9, -0.9 and -1.7 were measured on the same
# code. 2.5 is about 3 sigma plus training noise; it still catches pruning that
# hurts (a broken schedule costs 5-50 points). The full example (64x64, longer
# training) holds 1.0.
MARGIN = 2.5


def _example():
    spec = importlib.util.spec_from_file_location("prune_and_deploy", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# CI trains width 0.5 (8-10 min on 2 busy cores; two seeds measured gaps of
# -0.7 and -1.3 points); width 1.0 takes ~28 min and runs with the sweeps.
@pytest.mark.slow
@pytest.mark.parametrize("alpha", [
    0.5,
    pytest.param(1.0, marks=pytest.mark.sweep),
])
def test_pruned_mobilenet_keeps_accuracy_on_digits(tmp_path, alpha):
    example = _example()
    # Recovery after pruning needs epochs: at 12 + 12 the gap varied from 1.5 to
    # 3 points between runs; at 12 + 24 two seeds measured +0.9 and -0.9 (1.0).
    budget = example.Budget(dense_epochs=12, prune_epochs=24)
    [result] = example.run(
        [alpha], size=32, budget=budget, out=tmp_path, verbose=0, latency_runs=0,
        log=lambda *_: None,
    )
    print(result)
    assert result.sparsity == pytest.approx(0.9, abs=0.002)
    assert result.dense_top1 > 90.0, "the dense baseline did not learn the task"
    assert result.sparse_top1 >= result.dense_top1 - MARGIN, result
    # Keras and TFLite agree on both models
    assert result.dense_keras_top1 == pytest.approx(result.dense_top1, abs=0.2)
    assert result.sparse_keras_top1 == pytest.approx(result.sparse_top1, abs=0.2)
    assert Path(result.files["sparse"]).stat().st_size < Path(result.files["dense"]).stat().st_size
    missing = example.delegate_available()
    if missing is not None:
        pytest.skip(f"accuracy checked; delegate not built here: {missing}")
    assert result.delegate_agrees, result
    assert result.delegate_max_abs_diff < 1e-4
    assert result.sparse_nodes == 13  # every pointwise layer of MobileNet v1 runs sparse
