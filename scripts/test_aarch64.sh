#!/usr/bin/env bash
# Cross-builds the delegate and the C kernel tests for aarch64 and runs the
# tests under user-mode QEMU (NEON kernels against the scalar references).
# Installs nothing. Needs, on Debian/Ubuntu:
#   apt-get install -y gcc-aarch64-linux-gnu qemu-user
# Options: the build directory is build/aarch64 (override with BUILD_DIR).
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

echo "== C tests (aarch64 cross-build, NEON, under qemu-aarch64)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
cmake --build "$build_dir" -j"$jobs" >/dev/null
ctest --test-dir "$build_dir" --output-on-failure
