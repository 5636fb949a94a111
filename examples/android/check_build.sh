#!/usr/bin/env bash
# What of the Android example can be checked without the Android NDK/SDK:
# the JNI shim is compiled and linked for aarch64 Linux (Debian's cross gcc,
# the JDK's jni.h) against the cross-built delegate, and the Java class is
# compiled with javac against a stand-in of TFLite's one-method
# org.tensorflow.lite.Delegate interface (written to a temporary folder).
# Neither runs here: that needs a device or an emulator with an app around it.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/android-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
cmake -S "$repo" -B "$work/lib" -DCMAKE_BUILD_TYPE=Release -DTSP_BUILD_TESTS=OFF \
  -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/aarch64-linux-gnu.cmake" >/dev/null
cmake --build "$work/lib" -j2 >/dev/null
aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared \
  -I"$jdk/include" -I"$jdk/include/linux" -I"$repo/delegate/include" \
  src/main/cpp/tflite_sparse_jni.c -L"$work/lib" -ltflite_sparse_delegate \
  -Wl,-z,max-page-size=16384 -o "$work/libtflite_sparse_jni.so"
aarch64-linux-gnu-nm -D --defined-only "$work/libtflite_sparse_jni.so" | grep -q Java_org_tflitesparse_SparseDelegate_nativeCreate

mkdir -p "$work/stub/org/tensorflow/lite"
printf 'package org.tensorflow.lite;\npublic interface Delegate { long getNativeHandle(); }\n' \
  >"$work/stub/org/tensorflow/lite/Delegate.java"
javac -Xlint:all -Werror -d "$work/classes" "$work/stub/org/tensorflow/lite/Delegate.java" \
  src/main/java/org/tflitesparse/SparseDelegate.java
echo "android example: JNI shim (aarch64) and Java class compile"
