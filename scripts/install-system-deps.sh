#!/usr/bin/env bash
# Debian packages the build and tests need that a fresh machine may lack: the C
# toolchain, the aarch64 cross compiler + qemu for the NEON kernel tests, and
# Debian's offline-capable Bazel for the Bazel build.
set -euo pipefail
packages=()
command -v cmake >/dev/null || packages+=(cmake)
command -v gcc >/dev/null || packages+=(gcc make)
command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
command -v bazel >/dev/null || packages+=(bazel-bootstrap)
if [ ${#packages[@]} -ne 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${packages[@]}"
fi
