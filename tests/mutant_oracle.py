"""Parent side of the mutant oracle: runs (mutant, stage) pairs in child
processes, pins every crash or hang on one pair, and judges each mutant.

A forked child (see mutant_child's server) runs a long queue of pairs and prints a record per pair; when it dies
the first pair without a record is rerun alone in a fresh child. If it dies
alone too, that pair crashed; if not, an earlier pair of the dead child
corrupted the process (the queue is kept as a suspect list for the report)
and the lone run's record stands. The queue then resumes after that pair,
so a run costs one child per crash instead of one per mutant.

Passes, so that a crash of stock TFLite cannot hide ours: first the
reference kernels of ai_edge_litert alone (a mutant they crash on is a stock
bug: skipped and reported); then per runtime the stock stages (its reference
kernels, and stock with XNNPACK); then ours on the same resolvers (our code
alone, and ours with XNNPACK for the rest), each only where its stock twin
survived: a stage stock TFLite dies on is stock's bug, and rerunning it with
our delegate would only cost a crashed child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from child_env import child_env
from delegate_helpers import RUNTIMES

CHILD = Path(__file__).with_name("mutant_child.py")
ORACLE = "reference-litert"
STOCK_STAGES = ("reference-{rt}", "stock-{rt}-xnnpack")
OURS_STAGES = (("ours-{rt}", "reference-{rt}"), ("ours-{rt}-xnnpack", "stock-{rt}-xnnpack"))  # (ours, its stock twin)
RTOL, ATOL = 1e-4, 1e-5
CONFIRM_PAIR_SECONDS = 10  # the alarm when a pair that died is rerun alone


class Server:
    """A mutant_child server for one runtime: one import, a fork per job."""

    def __init__(self, runtime: str):
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), runtime], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=child_env(TF_CPP_MIN_LOG_LEVEL="3"),
            cwd=CHILD.parent)
        line = self.process.stdout.readline()
        assert line.strip() == "READY", f"the mutant server did not start: {line!r}"
        self.jobs = 0

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)

    def run(self, pairs: list[dict], timeout: float,
            pair_seconds: float | None = None) -> tuple[list[dict], str | None]:
        """The records one forked child printed for a queue of pairs, and how it
        died (None if it finished)."""
        self.jobs += 1
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as job:
            json.dump(pairs, job)
        try:
            request = {"job": job.name, "timeout": timeout}
            if pair_seconds is not None:
                request["pair_seconds"] = pair_seconds
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            records = []
            for line in self.process.stdout:
                if line.startswith("END "):
                    status = line[4:].strip()
                    break
                if line.startswith("{"):
                    records.append(json.loads(line))
            else:
                raise RuntimeError("the mutant server died")
            if status == "ok":
                return records, None
            tail = Path(job.name + ".err").read_text(errors="replace").strip().splitlines()[-1:]
            return records, (f"{status}: {tail[0][:200]}" if tail else status)
        finally:
            os.unlink(job.name)
            if os.path.exists(job.name + ".err"):
                os.unlink(job.name + ".err")


@dataclass
class Outcome:
    records: dict = field(default_factory=dict)  # (id, stage) -> record, or {"crash": how}
    children: int = 0
    process_corruptions: list = field(default_factory=list)  # (pair that died, suspects)


def run_pairs(server: Server, pairs: list[dict], outcome: Outcome) -> None:
    """Runs the queue to its end; the pair a child died on is rerun alone
    before it is blamed (a fork is cheap, and an unconfirmed blame would
    skip ours on mutants that only an earlier pair made crash)."""
    queue = list(pairs)
    while queue:
        records, died = server.run(queue, timeout=60 + 2 * len(queue))
        for record in records:
            outcome.records[(record["id"], record["stage"])] = record
        if died is None:
            return
        if len(records) == len(queue):  # died at exit: some pair left the heap corrupt
            outcome.process_corruptions.append((None, died, [(p["id"], p["stage"]) for p in queue]))
            return
        dead = queue[len(records)]
        key = (dead["id"], dead["stage"])
        # Alone; ours also with a longer alarm, so a pair that was only slow (a
        # loaded machine) finishes and a real hang happens again. A stock pair
        # keeps the short one: a false stock hang only skips that mutant.
        longer = CONFIRM_PAIR_SECONDS if dead["stage"].startswith("ours") else None
        alone, how = server.run([dead], timeout=120, pair_seconds=longer)
        if how is None:
            outcome.records[key] = alone[0]
            suspects = [(p["id"], p["stage"]) for p in queue[:len(records)]]
            outcome.process_corruptions.append((key, died, suspects))
        else:
            outcome.records[key] = {"id": dead["id"], "stage": dead["stage"], "crash": how}
            twin = stock_twin(dead["stage"])
            if twin is not None:
                # Stock's own heap corruption crashes or not by memory layout:
                # its twin survived in the batch, so run it alone too before
                # the crash is blamed on us (tf:21 segfaults stock tf.lite +
                # XNNPACK on its own, but not always inside a batch).
                _, twin_how = server.run([{**dead, "stage": twin}], timeout=120)
                outcome.records[(dead["id"], twin + ALONE)] = (
                    {"crash": twin_how} if twin_how else {"ok": True})
        queue = queue[len(records) + 1:]


ALONE = "-alone"  # record suffix: a stock stage rerun alone in a fresh child


def stock_twin(stage: str) -> str | None:
    """The stock stage that runs what an `ours` stage runs, minus our delegate."""
    for rt in RUNTIMES:
        for ours, stock in OURS_STAGES:
            if stage == ours.format(rt=rt):
                return stock.format(rt=rt)
    return None


def _crashed(outcome: Outcome, mutant: dict, stage: str) -> bool:
    return "crash" in outcome.records.get((mutant["id"], stage), {})


def run_mutants(mutants: list[dict]) -> Outcome:
    """mutants: [{"id", "path"}]. Stock stages first, then ours where the
    matching stock stage survived (a stage stock dies on is stock's problem)."""
    outcome = Outcome()
    servers = {}
    try:
        alive = None
        for rt in ("litert",) + tuple(r for r in RUNTIMES if r != "litert"):  # the oracle first
            servers[rt] = Server(rt)
            if alive is None:
                run_pairs(servers[rt], [{**m, "stage": ORACLE} for m in mutants], outcome)
                alive = [m for m in mutants if not _crashed(outcome, m, ORACLE)]
            _runtime_passes(servers[rt], rt, alive, outcome)
            servers[rt].close()
    finally:
        for server in servers.values():
            if server.process.poll() is None:
                server.process.kill()
    outcome.children = sum(server.jobs for server in servers.values())
    return outcome


def _runtime_passes(server: Server, rt: str, alive: list[dict], outcome: Outcome) -> None:
    stock = [s.format(rt=rt) for s in STOCK_STAGES]
    run_pairs(server, [{**m, "stage": s} for m in alive for s in stock if s != ORACLE], outcome)
    ours = [(s.format(rt=rt), base.format(rt=rt)) for s, base in OURS_STAGES]
    run_pairs(server, [{**m, "stage": s} for m in alive for s, base in ours
                       if not _crashed(outcome, m, base)], outcome)


def _matches(got: dict, want: dict) -> bool:
    if got["shape"] != want["shape"]:
        return False
    return bool(np.allclose(np.asarray(got["output"], np.float32), np.asarray(want["output"], np.float32),
                            rtol=RTOL, atol=ATOL, equal_nan=True))


@dataclass
class Verdict:
    """'failure': our delegate crashed, hung or disagreed; 'stock': stock TFLite
    crashed or disagreed (the mutant or stage is skipped, and reported); 'ok'."""

    kind: str
    detail: str = ""


def _unverifiable(ref: dict) -> bool:
    """ai_edge_litert's flatbuffer verifier refused the file."""
    return "not a valid Flatbuffer" in ref.get("error", "")


def judge(mutant_id: str, records: dict) -> Verdict:
    def get(stage):
        return records.get((mutant_id, stage), {"crash": "no record"})

    ref = get(ORACLE)
    if "crash" in ref:
        return Verdict("stock", f"{ORACLE}: {ref['crash']}")
    notes = []
    for rt in RUNTIMES:
        for ours, stock in OURS_STAGES:
            ours, stock = ours.format(rt=rt), stock.format(rt=rt)
            got, base = get(ours), get(stock)
            if "crash" in base:  # the runtime dies without our delegate: ours was not run
                notes.append(f"{stock}: {base['crash']}")
                continue
            if "crash" in got and "error" in base and _unverifiable(ref):
                # tf.lite does not verify the flatbuffer: its InterpreterBuilder::
                # ParseSparsity reads out of bounds (gdb, on tf:82), crashing or not
                # by memory layout, before any delegate is applied: our code never
                # saw this file.
                notes.append(f"{ours}: {got['crash']} parsing a corrupt flatbuffer")
                continue
            alone = records.get((mutant_id, stock + ALONE), {})  # absent: never rerun
            if "crash" in got and "crash" in alone:
                notes.append(f"{stock}: {alone['crash']} when run alone")
                continue
            if "crash" in got:
                return Verdict("failure", f"{ours}: {got['crash']}")
            if "error" in got or "error" in ref or _matches(got, ref):
                continue  # a clean refusal, nothing to compare with, or agreement
            if "output" in base and _matches(got, base) and not _matches(base, ref):
                notes.append(f"{stock} differs from the reference kernels")
                continue
            return Verdict("failure", f"{ours}: output differs from {ORACLE}")
    return Verdict("stock", "; ".join(notes)) if notes else Verdict("ok")
