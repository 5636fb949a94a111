#!/usr/bin/env bash
# End to end on aarch64: the cross-built delegate inside the aarch64 LiteRT
# (ai-edge-litert 2.3 wheel) under qemu-aarch64 user mode, against stock
# aarch64 TFLite on the models of scripts/aarch64/models.py (MobileNet v1
# unstructured from TF's converter and blocked from `tflite convert
# --sparse`, both as Keras builds them and as the explicit-PAD headless
# variant; MobileNet v2 unstructured, one partition with its residual ADDs;
# EfficientNet-B0 unstructured, one partition with squeeze-excitation).
#
#   bash scripts/test_aarch64_e2e.sh [MODEL ...]
#
# 1. the arm64 root (Python 3.11 + LiteRT), cached outside the checkout:
#    scripts/aarch64/root.sh (cold ~1 min with network, warm: nothing);
# 2. the delegate, cross-built with cmake/aarch64-linux-gnu.cmake;
# 3. the models, built and converted on the host (TensorFlow is x86 only);
# 4. scripts/aarch64/check.py under qemu-aarch64: per model, relative error
#    <= 1e-4 against stock, the claimed partitions and kernels (from
#    tflite_sparse.delegate_report). Ends with `N passed, M failed`.
# Time on this shared 2-core machine (noisy): warm (root cached) 4.5 min,
# cold (empty cache and build dir) 3 min; the root takes ~25-35 s, converting
# the models with TensorFlow on the host 1.5-3.5 min, the qemu run ~30 s.
# Environment: BUILD_DIR (default build/aarch64-e2e), TSP_ARM64_CACHE (root cache).
# Exit status: 0 all passed, 1 a model failed, 2 a toolchain is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -le 2 ] || jobs=2
build_dir=${BUILD_DIR:-build/aarch64-e2e}
bash scripts/check-toolchains.sh aarch64 || exit 2
start=$(date +%s)

root=$(bash scripts/aarch64/root.sh | tail -1)
echo "== aarch64 e2e: root $root ($(($(date +%s) - start)) s)"

cmake -S . -B "$build_dir/lib" -DCMAKE_BUILD_TYPE=Release -DTSP_BUILD_TESTS=OFF \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
cmake --build "$build_dir/lib" -j"$jobs" >/dev/null
library=$(pwd)/$build_dir/lib/libtflite_sparse_delegate.so
echo "== aarch64 e2e: delegate built ($(($(date +%s) - start)) s)"

models_dir=$build_dir/models
rm -rf "$models_dir"
only=()
[ $# -eq 0 ] || only=(--only "$@")
python3 scripts/aarch64/models.py "$models_dir" "${only[@]}"
echo "== aarch64 e2e: models converted on the host ($(($(date +%s) - start)) s)"

status=0
QEMU_CPU=neoverse-n1 qemu-aarch64 -L "$root" "$root/usr/bin/python3.11" -I \
  scripts/aarch64/check.py "$models_dir" "$library" || status=$?
echo "== aarch64 e2e: done in $(($(date +%s) - start)) s"
exit "$status"
