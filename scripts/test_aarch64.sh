#!/usr/bin/env bash
# Cross-builds the delegate and the C kernel tests for aarch64 and runs the
# tests under user-mode QEMU (NEON kernels against the scalar references).
# Installs nothing: scripts/install-system-deps.sh does (gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross, qemu-user).
# Two passes, like scripts/test.sh: Release, then AddressSanitizer + UBSan
# (the tests' exact-size buffers make ASan catch any NEON load or store past
# a row or plane; LeakSanitizer cannot run under qemu-user and is off).
# Environment: BUILD_DIR (default build/aarch64; the ASan build goes to
# $BUILD_DIR-asan), TSP_AARCH64_ASAN=0 skips the ASan pass.
# Time on a shared 2-core x86 box: ~20 s of tests + ~20 s build (Release),
# ~80 s of tests + ~40 s build (ASan).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
build_dir=${BUILD_DIR:-build/aarch64}
checks=(aarch64)
[ "${TSP_AARCH64_ASAN:-1}" = "0" ] || checks+=(aarch64-asan)
# Builds, links and runs a trivial program per toolchain; names the missing package.
bash scripts/check-toolchains.sh "${checks[@]}" || exit 2

toolchain=cmake/aarch64-linux-gnu.cmake

echo "== C tests (aarch64 cross-build, NEON, under qemu-aarch64)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$toolchain" >/dev/null
cmake --build "$build_dir" -j"$jobs" >/dev/null
ctest --test-dir "$build_dir" --output-on-failure

if [ "${TSP_AARCH64_ASAN:-1}" != "0" ]; then
  echo "== C tests (aarch64, AddressSanitizer + UBSan, under qemu-aarch64)"
  cmake -S . -B "$build_dir-asan" -DCMAKE_BUILD_TYPE=Debug -DTSP_SANITIZE=ON \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" >/dev/null
  cmake --build "$build_dir-asan" -j"$jobs" >/dev/null
  ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
    ctest --test-dir "$build_dir-asan" --output-on-failure
fi
