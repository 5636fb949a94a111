#!/usr/bin/env bash
# Installs the Debian packages that the build and the test command use, then
# proves each toolchain works by building (and, where it can, running) a
# trivial program with it. Packages are checked by their dpkg status, not by
# the presence of a command: `aarch64-linux-gnu-gcc` exists without the
# aarch64 C library, which is only a *Recommends* of the cross compiler.
#
#   build:    cmake make gcc libc6-dev (C library, headers, ASan/UBSan runtimes)
#   aarch64:  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
#   bazel:    bazel-bootstrap (Debian's Bazel 4.2.3 and a JDK)
#   fuzzing:  clang libclang-rt-14-dev (libFuzzer, ASan/UBSan for clang)
#
# About 400 MB to download on a machine with none of them (the JDK that
# Bazel needs is most of it), 2-4 minutes. Runs apt-get only when a package
# is missing. Exit status: 0 ready, 1 a toolchain does not work after install.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make gcc libc6-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  bazel-bootstrap
  clang libclang-rt-14-dev
)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -ne 0 ]; then
  echo "install-system-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash scripts/check-toolchains.sh
