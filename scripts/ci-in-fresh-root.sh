#!/usr/bin/env bash
# Runs .ci/run on a fresh Debian root, to prove that the README's commands
# work on a machine that has none of the packages installed here by hand.
# CI itself runs on a machine that keeps every package an earlier session
# installed, so a green CI can hide a missing install step; this cannot.
#
#   sudo scripts/ci-in-fresh-root.sh [ROOT_DIR]      (default /var/tmp/tsp-fresh-root)
#
# The root is Debian bookworm (debootstrap --variant=minbase) plus what a
# new user's machine has: python3 with pip (no venv module), gcc, git. No cmake, no
# cross compiler, no qemu, no Bazel, no TensorFlow. The committed HEAD of this
# checkout is cloned into it and `.ci/run` runs there, in a clean
# environment (it makes its own venv). Needs root, debootstrap and the
# network to Debian and PyPI. Takes as long as CI plus ~5 min of set-up.
# Exit status: that of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "ci-in-fresh-root.sh: run as root (debootstrap, chroot, mount)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "ci-in-fresh-root.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

root=${1:-/var/tmp/tsp-fresh-root}
if [ -e "$root" ]; then
  echo "ci-in-fresh-root.sh: $root exists; remove it first (the point is a root nobody has touched)" >&2
  exit 2
fi

# A clean environment inside the root: nothing of this shell's (pip indexes,
# caches, PYTHONPATH) leaks in.
in_root() {
  chroot "$root" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"
}

mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== debootstrap bookworm into $root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The network's trust, not the machine's set-up: a TLS-intercepting egress
# proxy's CA (as in this workplace) must be trusted inside the root too.
mkdir -p "$root/usr/local/share/ca-certificates"
cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$root/$m"
  mounts+=("$root/$m")
done

echo "== a new user's machine: python3 with pip, gcc, git"
in_root bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends python3 python3-pip python3-dev gcc libc6-dev git ca-certificates sudo >/dev/null &&
  update-ca-certificates >/dev/null'

echo "== clone $(git rev-parse --short HEAD) and run .ci/run"
git clone -q "$(pwd)" "$root/root/tflite-sparse"
start=$(date +%s)
status=0
in_root bash -c 'cd /root/tflite-sparse && .ci/run' || status=$?
echo "== .ci/run in the fresh root: exit $status after $(( $(date +%s) - start )) s"
exit "$status"
