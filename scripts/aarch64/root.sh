#!/usr/bin/env bash
# Prepares (or reuses) an arm64 root for running Python + LiteRT under
# qemu-aarch64 user mode, and prints its path as the last line of output.
#
#   root=$(bash scripts/aarch64/root.sh | tail -1)
#   qemu-aarch64 -L "$root" "$root/usr/bin/python3.11" -I script.py
#
# What is in it: Debian bookworm's arm64 python3.11 and libstdc++6 with
# their dependencies (downloaded with apt into a private apt state and
# unpacked with `dpkg -x`: no emulated maintainer scripts, no debootstrap
# second stage), the aarch64 wheels of ai-edge-litert and its dependencies
# (pip download --platform, unzipped into dist-packages), and the files that
# LiteRT's cpuinfo reads under qemu (see cpuinfo_files below).
#
# Cached outside the checkout, keyed by a hash of this script (which holds
# every package and pin): ${TSP_ARM64_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tflite-sparse}/arm64-root-HASH.
# A fresh machine builds it in about a minute (~45 MB downloaded, ~230 MB on
# disk); the root is built in a temporary folder and renamed, so an
# interrupted build leaves nothing that looks finished. Needs: apt-get, dpkg,
# pip (host), network access to Debian's archive and PyPI on a cold run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

debs=(python3.11 libstdc++6)
wheels=(
  ai-edge-litert==2.3.0 numpy==2.4.6 ml_dtypes==0.7.0 flatbuffers==25.12.19 protobuf==7.36.2
  tqdm==4.70.1 typing_extensions==4.16.0 backports.strenum==1.2.8
)
platforms=(manylinux_2_27_aarch64 manylinux_2_28_aarch64 manylinux_2_17_aarch64 manylinux2014_aarch64)

cache=${TSP_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tflite-sparse}
key=$(sha256sum "$here/root.sh" | cut -c1-16)
root="$cache/arm64-root-$key"
if [ -f "$root/.complete" ]; then
  echo "$root"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.arm64-root-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "aarch64 root: building $root" >&2

# A private apt state for arm64: the host's apt configuration and dpkg
# database are not touched.
apt_dir="$work/apt"
mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" "$apt_dir/state/lists/partial" \
  "$apt_dir/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/etc/sources.list" <<EOF
deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb [arch=arm64 signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF
: >"$apt_dir/state/status"
apt_opts=(
  -o APT::Architecture=arm64 -o APT::Architectures::=arm64
  -o Dir::Etc="$apt_dir/etc" -o Dir::State="$apt_dir/state"
  -o Dir::State::status="$apt_dir/state/status" -o Dir::Cache="$apt_dir/cache"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q
)
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; echo "aarch64 root: apt-get update for arm64 failed" >&2; exit 1; }
apt-get "${apt_opts[@]}" install -y --download-only --no-install-recommends "${debs[@]}" \
  >>"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; echo "aarch64 root: downloading ${debs[*]} (arm64) failed" >&2; exit 1; }

tree="$work/root"
mkdir -p "$tree"
for deb in "$apt_dir"/cache/archives/*.deb; do dpkg -x "$deb" "$tree"; done

# Wheels: a fixed set, no dependency resolution against the host.
platform_opts=()
for p in "${platforms[@]}"; do platform_opts+=(--platform "$p"); done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
  "${platform_opts[@]}" -d "$work/wheels" "${wheels[@]}" 2>"$work/pip.log" ||
  { cat "$work/pip.log" >&2; echo "aarch64 root: pip download of the aarch64 wheels failed" >&2; exit 1; }
site="$tree/usr/lib/python3/dist-packages"
mkdir -p "$site" "$tree/usr/local/lib/python3.11/dist-packages"
for whl in "$work"/wheels/*.whl; do python3 -m zipfile -e "$whl" "$site"; done

# cpuinfo_files: under qemu-user, file opens look in the root first, so these
# shadow the host's. LiteRT's cpuinfo reads the CPU lists under
# /sys/devices/system/cpu and the ARM /proc/cpuinfo fields; with the host's
# (x86) files it fails, and XNNPACK silently does not apply. The values are a
# single Neoverse N1 core (matching QEMU_CPU=neoverse-n1).
mkdir -p "$tree/sys/devices/system/cpu" "$tree/proc"
for f in possible present online; do echo 0 >"$tree/sys/devices/system/cpu/$f"; done
cat >"$tree/proc/cpuinfo" <<'EOF'
processor	: 0
BogoMIPS	: 50.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x3
CPU part	: 0xd0c
CPU revision	: 1

EOF

# Smoke test before declaring the root complete.
if ! QEMU_CPU=neoverse-n1 qemu-aarch64 -L "$tree" "$tree/usr/bin/python3.11" -I -c \
  "import numpy, ai_edge_litert.interpreter" 2>"$work/smoke.log"; then
  cat "$work/smoke.log" >&2
  echo "aarch64 root: python3.11 cannot import ai_edge_litert under qemu-aarch64" >&2
  exit 1
fi
touch "$tree/.complete"
rm -rf "$root"
mv "$tree" "$root"
# Older roots (other keys) are left for the user to delete: another checkout may use them.
echo "$root"
