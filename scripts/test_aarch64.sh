#!/usr/bin/env bash
# Cross-builds the delegate and the C kernel tests for aarch64 and runs the
# tests under user-mode QEMU (NEON kernels against the scalar references).
# Installs nothing. Needs, on Debian/Ubuntu:
#   apt-get install -y gcc-aarch64-linux-gnu qemu-user
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
sysroot=/usr/aarch64-linux-gnu

missing=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=("aarch64-linux-gnu-gcc (package gcc-aarch64-linux-gnu)")
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=("qemu-aarch64 (package qemu-user)")
[ -d "$sysroot/lib" ] || missing+=("$sysroot/lib, the aarch64 libc (package libc6-arm64-cross, pulled in by gcc-aarch64-linux-gnu)")
command -v cmake >/dev/null 2>&1 || missing+=("cmake")
if [ ${#missing[@]} -ne 0 ]; then
  echo "test_aarch64.sh: missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "install with: apt-get install -y gcc-aarch64-linux-gnu qemu-user" >&2
  exit 2
fi

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
