"""Whole-model mutation test: seeded mutants of two tiny sparse MobileNet-like
models (TF's unblocked CSR, and our converter's 4-channel blocks) never crash
or hang the delegate, and whatever it runs matches TFLite's reference kernels.

Per mutant, in child processes (a crash shows as a signal, a hang as a
timeout; see mutant_oracle): ai_edge_litert's reference kernels are the
oracle; our delegate runs on both runtimes, once on the reference resolver
(our code alone) and once as users run it (XNNPACK for the rest). The
delegate must either raise a clean Python exception or match the oracle
(allclose rtol 1e-4, atol 1e-5, NaN equal).

Stock TFLite itself crashes on many mutants; those are skipped and printed
(pytest -s), never counted as ours. One run of seeds 0-119 of each model
(TF 2.21, ai_edge_litert 2.3; crashes that corrupt the heap vary a little
from run to run) skipped about 80 of 240:
- ai_edge_litert's reference kernels (DENSIFY's format converter): SIGSEGV
  on tf:16 55 57 68 80 89 102 106 113 114 117 118, block4:4 10 20 24 29 51
  63 77 103 119; SIGFPE on block4:1 46 79 87 92 94 112; heap corruption
  (SIGABRT) on tf:19, block4:31 81; hangs on tf:42 45 83, block4:26.
- tf.lite's own copy (reference kernels and/or XNNPACK): SIGSEGV, SIGBUS,
  SIGFPE or hangs on e.g. tf:21 28 29 65 66 77 97, block4:2 11 15 27 42 61.
- tf.lite parsing a file ai_edge_litert's verifier rejects: tf.lite does not
  verify the flatbuffer, and InterpreterBuilder::ParseSparsity reads out of
  bounds (SIGSEGV/SIGBUS, gdb backtrace) on tf:23 82 107, block4:60 72 95
  when our delegate's allocations move the mapping next to unmapped memory.
No mutant made our delegate crash, hang or disagree with the reference.
"""

from __future__ import annotations

import collections

import pytest

pytest.importorskip("ai_edge_litert.schema_py_generated")

import mutant_oracle  # noqa: E402 - need the schema module checked above
import sparse_models  # noqa: E402
import sparse_mutations  # noqa: E402

CI_SEEDS = range(120)  # per model: 240 mutants
SWEEP_SEEDS = range(120, 2120)


@pytest.fixture(scope="module")
def bases(model_dir):
    return [
        sparse_mutations.load_base("tf", sparse_models.tf_sparse_model(model_dir / "mut_tf.tflite")),
        sparse_mutations.load_base("block4", sparse_models.block4_sparse_model(model_dir / "mut_b4.tflite")),
    ]


def _write_mutants(bases, seeds, directory) -> list[dict]:
    mutants = []
    for base in bases:
        control = directory / f"{base.name}-intact.tflite"
        control.write_bytes(base.data)  # the unmutated model: must run and match
        mutants.append({"id": f"{base.name}:intact", "path": str(control), "edits": []})
        for seed in seeds:
            data, edits = sparse_mutations.mutant(base, seed)
            path = directory / f"{base.name}-{seed}.tflite"
            path.write_bytes(data)
            mutants.append({"id": f"{base.name}:{seed}", "path": str(path), "edits": edits})
    return mutants


def _check(mutants) -> None:
    outcome = mutant_oracle.run_mutants([{"id": m["id"], "path": m["path"]} for m in mutants])
    verdicts = {m["id"]: mutant_oracle.judge(m["id"], outcome.records) for m in mutants}
    edits = {m["id"]: m["edits"] for m in mutants}
    counts = collections.Counter(v.kind for v in verdicts.values())
    print(f"\n{len(mutants)} mutants, {outcome.children} child processes: {dict(counts)}")
    for mutant_id, verdict in verdicts.items():
        if verdict.kind == "stock":
            print(f"  stock TFLite, skipped: {mutant_id} ({verdict.detail}) {edits[mutant_id]}")
    failures = [f"{i}: {v.detail} {edits[i]}" for i, v in verdicts.items() if v.kind == "failure"]
    assert not failures, "the delegate crashed, hung or disagreed:\n" + "\n".join(failures)
    corruptions = [c for c in outcome.process_corruptions if any(s.startswith("ours") for _, s in c[2])]
    assert not corruptions, f"a child died after running our delegate: {corruptions}"

    # The oracle proved something: the intact models ran through our delegate
    # and matched, and many mutants were compared or refused cleanly.
    for m in mutants:
        if m["id"].endswith(":intact"):
            assert verdicts[m["id"]].kind == "ok"
            assert "output" in outcome.records[(m["id"], "ours-litert")], m["id"]
    ran = [m for m in mutants if "output" in outcome.records.get((m["id"], "ours-litert"), {})]
    refused = [m for m in mutants if "error" in outcome.records.get((m["id"], "ours-litert"), {})]
    print(f"  ours ran {len(ran)}, refused {len(refused)}")
    assert len(ran) > len(mutants) // 20 and len(refused) > len(mutants) // 4


def test_mutants_never_crash_or_disagree(bases, tmp_path):
    _check(_write_mutants(bases, CI_SEEDS, tmp_path))


@pytest.mark.sweep
def test_mutant_sweep(bases, tmp_path):
    _check(_write_mutants(bases, SWEEP_SEEDS, tmp_path))


def test_a_crash_of_ours_is_blamed_unless_stock_crashes_alone_too():
    """The oracle's rule for layout-dependent stock crashes (tf:21: stock
    tf.lite + XNNPACK segfaults alone but not always inside a batch)."""
    same = {"output": [1.0], "shape": [1]}
    records = {("m", mutant_oracle.ORACLE): same}
    for rt in ("tf", "litert"):
        for stage in ("reference-", "stock-{}-xnnpack", "ours-", "ours-{}-xnnpack"):
            name = stage.format(rt) if "{}" in stage else stage + rt
            records[("m", name)] = same
    records[("m", "ours-tf-xnnpack")] = {"crash": "signal 11"}
    assert mutant_oracle.judge("m", records).kind == "failure"  # never rerun alone
    alone = ("m", "stock-tf-xnnpack" + mutant_oracle.ALONE)
    assert mutant_oracle.judge("m", {**records, alone: {"ok": True}}).kind == "failure"
    assert mutant_oracle.judge("m", {**records, alone: {"crash": "signal 11"}}).kind == "stock"
    assert mutant_oracle.stock_twin("ours-litert") == "reference-litert"
