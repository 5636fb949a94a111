#!/usr/bin/env bash
# Bazel build of the C delegate and its C kernel tests, fully offline.
#
# Uses Debian's bazel-bootstrap (Bazel 4.2.3). Every repository Bazel would
# otherwise download is a local stand-in under third_party/ (see
# third_party/README.md), so this needs no network.
#
#   scripts/test_bazel.sh               build //:libtflite_sparse_delegate.so, run the C tests
#   scripts/test_bazel.sh --python      also run tests/test_delegate_options.py against the Bazel .so
#   scripts/test_bazel.sh --expunge     start from an empty output base (cold run)
#
# Exit status: 0 all passed, 1 build or test failure, 2 bazel not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

python_check=0
expunge=0
for arg in "$@"; do
  case "$arg" in
    --python) python_check=1 ;;
    --expunge) expunge=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

bash scripts/check-toolchains.sh bazel || exit 2

if [ "$expunge" = 1 ]; then
  bazel clean --expunge >/dev/null 2>&1 || true
fi

log=$(mktemp "${TMPDIR:-/tmp}/test_bazel.XXXXXX.log")
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
# //:all, not //...: a stray BUILD file in a CMake build directory must not
# become part of this build.
bazel test --noshow_progress //:all >"$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))

if grep -q "Download from" "$log"; then
  echo "bazel tried to download something (it must build offline):" >&2
  grep "Download from" "$log" | sort -u >&2
  status=1
fi
if [ "$status" != 0 ]; then
  cat "$log" >&2
  echo "== bazel: FAILED (exit $status) after ${elapsed}s" >&2
  exit 1
fi

so=bazel-bin/libtflite_sparse_delegate.so
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
expected="tflite_plugin_create_delegate tflite_plugin_destroy_delegate tflite_sparse_delegate_report tflite_sparse_fma_peak_gflops "
echo "== bazel: built $so in ${elapsed}s (build + tests)"
grep -E '^//:test_' "$log" | sed 's/^/   /'
grep -E '^Executed ' "$log" | sed 's/^/   /'
echo "   exported: $exported"
if [ "$exported" != "$expected" ]; then
  echo "unexpected exported symbols; want: $expected" >&2
  exit 1
fi

if [ "$python_check" = 1 ]; then
  echo "== Python delegate tests against the Bazel-built library"
  TFLITE_SPARSE_LIBRARY="$(pwd)/$so" PYTHONPATH=python \
    python3 -m pytest -q -p no:cacheprovider tests/test_delegate_options.py
fi
