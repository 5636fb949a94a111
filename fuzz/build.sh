#!/usr/bin/env bash
# Builds the libFuzzer harness of the sparse-tensor validator/decoder with
# AddressSanitizer and UBSan (any UB aborts: -fno-sanitize-recover):
#   bash fuzz/build.sh            -> build/fuzz/fuzz_sparse_tensor
# Needs clang and libclang-rt-14-dev (scripts/install-system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/fuzz
mkdir -p "$out"
# Include dirs as in CMakeLists.txt (tsp_delegate_objects); only
# sparse_tensor.c is linked: it needs nothing else from the library.
"${CC:-clang}" -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Wall -Wextra -Wno-unused-parameter \
  -Idelegate -Idelegate/include \
  fuzz/fuzz_sparse_tensor.c delegate/sparse_tensor.c \
  -o "$out/fuzz_sparse_tensor"
echo "$out/fuzz_sparse_tensor"
