"""`tflite bench`: spread of each engine, the speed-up's interval, the busy
warning (issue 7.3), and a bad file named (issue 7.6). Timings are never
asserted: the statistics are checked on made-up run times, the command on
real models only for its shape."""

from __future__ import annotations

import numpy as np
import pytest

import test_converter_helpers as helpers
from tflite_sparse import bench, cli


def _timing(dense, sparse, warmup=10):
    return bench.Timing(list(map(float, dense)), list(map(float, sparse)), warmup)


def _steady(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return _timing(2.0 + rng.uniform(0, 0.05, n), 1.0 + rng.uniform(0, 0.02, n))


def test_percentiles_medians_and_ratio():
    timing = _timing([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1] * 11)
    assert timing.percentiles("dense") == (2.0, 6.0, 10.0)
    assert timing.dense_ms == 6.0 and timing.sparse_ms == 1.0 and timing.speedup == 6.0
    assert timing.runs == 11


def test_interval_brackets_the_ratio_and_is_narrow_when_steady():
    timing = _steady()
    low, high = timing.speedup_interval()
    assert low <= timing.speedup <= high
    assert high / low < 1.02
    assert timing.busy_warnings() == []


def test_interval_is_reproducible_and_pairs_the_runs():
    # every other pair of runs was slowed down for both engines alike: paired
    # resampling keeps each pair's ratio, so the interval stays narrow
    dense = np.array([2.0, 4.0] * 100)
    sparse = dense / 2.0
    timing = _timing(dense, sparse)
    assert timing.speedup_interval() == timing.speedup_interval()
    low, high = timing.speedup_interval()
    assert 1.9 < low <= high < 2.1


def test_wide_spread_warns_busy():
    rng = np.random.default_rng(1)
    dense = 2.0 + rng.exponential(1.5, 200)  # heavy tail: p90 far above p10
    timing = _timing(dense, 1.0 + rng.uniform(0, 0.02, 200))
    warnings = timing.busy_warnings()
    assert any(w.startswith("dense p90 is") for w in warnings)
    lines = bench.format_timing(timing)
    assert lines[-1].startswith("warning: the machine looks busy (dense p90 is")


def test_wide_interval_warns_busy():
    rng = np.random.default_rng(2)
    dense = np.concatenate([np.full(6, 2.0), np.full(5, 4.0)])  # medians jump between resamples
    timing = _timing(dense + rng.uniform(0, 0.01, 11), np.full(11, 1.0))
    assert any("interval" in w for w in timing.busy_warnings())


def test_format_timing_shows_runs_warmups_percentiles_and_interval():
    timing = _steady(50)
    lines = bench.format_timing(timing, "dense (stock)", "sparse (delegate)")
    assert "50 alternating runs of each after 10 warm-up runs" in lines[0]
    assert lines[1].split() == ["p10", "p50", "p90"]
    p10, p50, p90 = timing.percentiles("dense")
    assert lines[2].split()[-3:] == [f"{p10:.3f}", f"{p50:.3f}", f"{p90:.3f}"]
    low, high = timing.speedup_interval()
    assert lines[4].startswith(f"speed-up: {timing.speedup:.2f}x (ratio of the medians; 90% interval {low:.2f}-{high:.2f}x")
    assert len(lines) == 5  # no warning when steady


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bench")
    dense = helpers.write(directory, "dense.tflite", helpers.tiny_dense_tflite())
    from tflite_sparse.converter import convert

    sparse = helpers.write(directory, "sparse.tflite", convert(helpers.tiny_dense_tflite(), verify=False))
    bad = directory / "bad.tflite"
    bad.write_bytes(b"this is not a model")
    other = helpers.write(directory, "other_input.tflite", helpers.no_pointwise_tflite())
    return {"dense": dense, "sparse": sparse, "bad": bad, "other": other}


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_bench_command_prints_the_spread(capsys, models):
    code, out, err = _run(capsys, "bench", models["dense"], models["sparse"], "--runs", "5", "--warmup", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert "5 alternating runs of each after 2 warm-up runs" in lines[0]
    assert lines[1].split() == ["p10", "p50", "p90"]
    assert lines[2].startswith("dense (stock TFLite)") and lines[3].startswith("sparse (tflite-sparse, isa=")
    assert lines[4].startswith("speed-up: ") and "90% interval" in lines[4]


def test_compare_latency_records_every_run(models):
    timing = bench.compare_latency(models["dense"], models["sparse"], runs=7, warmup=3)
    assert len(timing.dense_times) == len(timing.sparse_times) == 7 and timing.warmup == 3
    assert all(t > 0 for t in timing.dense_times + timing.sparse_times)


@pytest.mark.parametrize("position", ("dense", "sparse"))
def test_a_bad_file_is_named(capsys, models, position):
    argv = [models["bad"], models["sparse"]] if position == "dense" else [models["dense"], models["bad"]]
    code, out, err = _run(capsys, "bench", *argv, "--runs", "2")
    assert code == 1 and not out
    role = "dense, stock TFLite" if position == "dense" else "sparse, with the delegate"
    assert err.startswith(f"tflite bench: error: {models['bad']}: cannot load it ({role}): ")
    assert str(models["dense" if position == "sparse" else "sparse"]) not in err


def test_models_with_different_inputs_are_named(capsys, models):
    code, _, err = _run(capsys, "bench", models["dense"], models["other"], "--runs", "2")
    assert code == 1
    assert err.startswith(f"tflite bench: error: {models['other']} (sparse, with the delegate) takes input [1, 8, 8, 3]")
    assert "the dense model takes [1, 16, 16, 3]" in err


def test_runs_and_warmup_must_be_positive(capsys, models):
    code, _, err = _run(capsys, "bench", models["dense"], models["sparse"], "--warmup", "0")
    assert code == 1 and "--warmup 0" in err


def test_fma_peak_probe_names_what_this_cpu_runs():
    """The peak the benchmarks divide by: positive for every ISA this CPU runs,
    the SIMD one above the scalar one, and 0.0 for one it cannot run or an
    unknown name (never a made-up number)."""
    from delegate_helpers import cpu_has_isa

    scalar = bench.fma_peak_gflops("scalar")
    assert scalar > 0.0
    for isa in ("avx2", "avx512", "neon"):
        peak = bench.fma_peak_gflops(isa)
        if cpu_has_isa(isa):
            assert peak > 2.0 * scalar, (isa, peak, scalar)
        else:
            assert peak == 0.0, isa
    assert bench.fma_peak_gflops("sse9") == 0.0
