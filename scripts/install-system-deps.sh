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
#   python:   python3-venv, if python3 is Debian's and cannot make a venv
#
# On a machine with none of them: 318 MB to download, 1.2 GB on disk (the
# JDK that Bazel needs, clang and the cross toolchain are most of it), about
# a minute from a Debian mirror. Runs apt-get only when a package
# is missing. Exit status: 0 ready, 1 a toolchain does not work after install.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make gcc libc6-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  bazel-bootstrap
  clang libclang-rt-14-dev
)

# Debian's own python3 makes venvs only with python3-venv (ensurepip).
if [ "$(command -v python3)" = /usr/bin/python3 ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi

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
