#!/usr/bin/env bash
# The project's tests: C kernel tests (plain and under AddressSanitizer), a
# minute of fuzzing of the sparse-tensor validator, then the Python suite
# against the installed package (`pip install ".[tf,test]"`).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
bash scripts/check-toolchains.sh host asan tsan fuzz || exit 2

echo "== C tests (Release)"
cmake -S . -B build/tests -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/tests -j"$jobs" >/dev/null
ctest --test-dir build/tests --output-on-failure

echo "== C tests (AddressSanitizer + UBSan)"
cmake -S . -B build/tests-asan -DCMAKE_BUILD_TYPE=Debug -DTSP_SANITIZE=ON >/dev/null
cmake --build build/tests-asan -j"$jobs" >/dev/null
ctest --test-dir build/tests-asan --output-on-failure

echo "== C tests of the thread pool and the parallel drivers (ThreadSanitizer)"
cmake -S . -B build/tests-tsan -DCMAKE_BUILD_TYPE=Debug -DTSP_SANITIZE_THREAD=ON >/dev/null
cmake --build build/tests-tsan -j"$jobs" >/dev/null
TSAN_OPTIONS="halt_on_error=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}" \
  ctest --test-dir build/tests-tsan --output-on-failure -R 'threadpool|parallel'

echo "== Fuzzing the sparse-tensor validator (60 s)"
bash fuzz/run.sh 60

echo "== C tests for aarch64 (NEON), cross-built and run under qemu-aarch64"
bash scripts/test_aarch64.sh

echo "== The delegate in aarch64 LiteRT under qemu-aarch64 (end to end)"
bash scripts/test_aarch64_e2e.sh

echo "== Bazel build and C tests (offline)"
bash scripts/test_bazel.sh
bazel shutdown >/dev/null 2>&1 || true  # no server left running after the tests

echo "== Python tests"
# Run from tests/ so `import tflite_sparse` is the installed package (with its
# compiled delegate), not the source tree.
cd tests
# --durations: the slowest tests are named in every CI log (CI time is budgeted).
python3 -m pytest -q -p no:cacheprovider --durations=15 "$@"
