#!/usr/bin/env bash
# Proves that the toolchains the tests use really work, by compiling, linking
# and (where possible) running a trivial program with each, instead of
# looking for a command or a folder.
#
#   scripts/check-toolchains.sh                 every check
#   scripts/check-toolchains.sh aarch64 bazel   just these
#
# Checks: host (gcc + cmake), asan (gcc -fsanitize=address,undefined), tsan,
# aarch64 (cross gcc links a program that runs under qemu-aarch64),
# aarch64-asan (the same with ASan/UBSan), bazel, fuzz (clang + libFuzzer).
# Each failure names the package that provides what is missing; the exit
# status is 1 if any check failed.
set -uo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/check-toolchains.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n' >"$work/hello.c"
cat >"$work/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return size > 0 && data[0] == 0x7f; }
EOF

failed=0
fail() {  # fail CHECK "what went wrong" "package(s)"
  echo "check-toolchains: $1: $2 (install: apt-get install -y --no-install-recommends $3)" >&2
  failed=1
}

# run_ok FILE: the program runs and prints "ok".
run_ok() { [ "$("$@" 2>/dev/null)" = "ok" ]; }

check_host() {
  command -v cmake >/dev/null || { fail host "cmake not found" cmake; return; }
  command -v make >/dev/null || { fail host "make not found" make; return; }
  gcc "$work/hello.c" -o "$work/host" 2>"$work/host.log" && run_ok "$work/host" ||
    fail host "gcc cannot build and run a C program: $(tail -1 "$work/host.log")" "gcc libc6-dev"
}

check_asan() {
  gcc -fsanitize=address,undefined "$work/hello.c" -o "$work/asan" 2>"$work/asan.log" &&
    ASAN_OPTIONS=detect_leaks=0 run_ok "$work/asan" ||
    fail asan "gcc cannot build and run an AddressSanitizer program: $(tail -1 "$work/asan.log")" "gcc libc6-dev"
}

check_tsan() {
  gcc -fsanitize=thread "$work/hello.c" -o "$work/tsan" 2>"$work/tsan.log" && run_ok "$work/tsan" ||
    fail tsan "gcc cannot build and run a ThreadSanitizer program: $(tail -1 "$work/tsan.log")" "gcc libc6-dev"
}

check_aarch64() {  # check_aarch64 [extra gcc flags]
  local name=aarch64 flags=("$@")
  [ ${#flags[@]} -eq 0 ] || name=aarch64-asan
  command -v aarch64-linux-gnu-gcc >/dev/null ||
    { fail "$name" "aarch64-linux-gnu-gcc not found" gcc-aarch64-linux-gnu; return; }
  if ! aarch64-linux-gnu-gcc "${flags[@]}" "$work/hello.c" -o "$work/$name" 2>"$work/$name.log"; then
    fail "$name" "the cross compiler cannot build a program: $(grep -m1 -E 'cannot find|error' "$work/$name.log")" \
      "libc6-dev-arm64-cross"
    return
  fi
  command -v qemu-aarch64 >/dev/null || { fail "$name" "qemu-aarch64 not found" qemu-user; return; }
  ASAN_OPTIONS=detect_leaks=0 run_ok qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/$name" ||
    fail "$name" "an aarch64 program does not run under qemu-aarch64" "qemu-user libc6-arm64-cross"
}

check_bazel() {
  command -v bazel >/dev/null || { fail bazel "bazel not found" bazel-bootstrap; return; }
  command -v java >/dev/null || fail bazel "java not found (Bazel needs a JDK)" default-jdk-headless
}

check_fuzz() {
  command -v clang >/dev/null || { fail fuzz "clang not found" clang; return; }
  clang -fsanitize=fuzzer,address,undefined "$work/fuzz.c" -o "$work/fuzz" 2>"$work/fuzz.log" &&
    "$work/fuzz" -runs=10 >/dev/null 2>&1 ||
    fail fuzz "clang cannot build and run a libFuzzer program: $(tail -1 "$work/fuzz.log")" "clang libclang-rt-14-dev"
}

checks=("$@")
[ ${#checks[@]} -ne 0 ] || checks=(host asan tsan aarch64 aarch64-asan bazel fuzz)
for c in "${checks[@]}"; do
  case "$c" in
    host) check_host ;;
    asan) check_asan ;;
    tsan) check_tsan ;;
    aarch64) check_aarch64 ;;
    aarch64-asan) check_aarch64 -fsanitize=address,undefined ;;
    bazel) check_bazel ;;
    fuzz) check_fuzz ;;
    *) echo "check-toolchains: unknown check '$c'" >&2; exit 2 ;;
  esac
done
if [ "$failed" = 0 ]; then echo "check-toolchains: ok (${checks[*]})"; fi
exit "$failed"
