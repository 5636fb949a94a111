#!/usr/bin/env bash
# Builds and runs the sparse-tensor fuzzer for SECONDS (default 60) on a fresh
# copy of fuzz/corpus/, then prints the executions, the corpus size and the
# coverage. Exit status: 0 clean, 1 a crash/leak/timeout (the reproducer is in
# build/fuzz/artifacts/), 2 a seed that no longer validates or a setup error.
#
#   bash fuzz/run.sh 600
#   bash fuzz/run.sh 60 -jobs=2        (extra arguments go to libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
bin=$(bash fuzz/build.sh)
work=build/fuzz/run
rm -rf "$work"
mkdir -p "$work/corpus" build/fuzz/artifacts
cp fuzz/corpus/* "$work/corpus/"

# The seeds must stay valid tensors, or the fuzzer starts from rejections only.
if TSP_FUZZ_VERBOSE=1 "$bin" fuzz/corpus/* 2>&1 | grep '^rejected:'; then
  echo "fuzz/run.sh: a seed in fuzz/corpus/ is rejected (regenerate: python3 fuzz/make_seeds.py)" >&2
  exit 2
fi

echo "fuzz/run.sh: $bin for ${seconds} s on $(ls "$work/corpus" | wc -l) seeds"
status=0
"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -artifact_prefix=build/fuzz/artifacts/ "$@" "$work/corpus" >"$work/log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$work/log" || true
echo "fuzz/run.sh: executions ${execs:-?} (-max_total_time=${seconds}), corpus $(ls "$work/corpus" | wc -l) files, exit ${status}"
if [ "$status" -ne 0 ]; then
  grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/log" >&2 || tail -30 "$work/log" >&2
  echo "fuzz/run.sh: FAILED (log: $work/log)" >&2
  exit 1
fi
