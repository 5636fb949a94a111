/* QS8 first convolution benchmark: MobileNet's first layer, 224x224x3 HWC
 * int8 -> 112x112x32 CHW, 3x3 stride 2, TF SAME (pads 0 top / left), one
 * thread: qs8_conv_hwc2chw_3x3s2c3 scalar vs AVX2, and the f32 AVX2 kernel
 * on the same shape for scale. Variants are interleaved in each run; the
 * table shows medians over runs.
 *
 * Build (from the repository root; the top level does not add benchmarks/):
 *   cmake -S . -B build/dev && cmake --build build/dev --target tsp_kernels
 *   gcc -O2 -std=c11 -Idelegate/kernels benchmarks/qs8_conv_hwc2chw_bench.c \
 *       build/dev/libtsp_kernels.a -lm -o /tmp/qs8_conv_hwc2chw_bench
 * or with CMake via benchmarks/CMakeLists.txt. Run: qs8_conv_hwc2chw_bench [runs=30] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv_hwc2chw_pack.h"
#include "conv/qs8_conv_hwc2chw_pack.h"
#include "dispatch.h"
#include "qs8_requant.h"
#include "ukernels.h"

#include "bench_util.h"

#define IN 224
#define OUT 112
#define CO 32
#define MAX_RUNS 1000

int main(int argc, char** argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 30;
  if (runs < 1 || runs > MAX_RUNS) runs = 30;
  if (!tsp_isa_supported(TSP_ISA_AVX2)) {
    fprintf(stderr, "needs AVX2\n");
    return 1;
  }
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int8_t* in8 = xalloc(IN * IN * 3);
  float* in32 = xalloc(IN * IN * 3 * sizeof(float));
  for (size_t i = 0; i < IN * IN * 3; ++i) {
    in8[i] = (int8_t)(rng_next(&s) & 0xFF);
    in32[i] = rng_value(&s);
  }
  int8_t w8[CO * 27];
  float w32[CO * 27], b32[CO];
  int32_t bias[CO], mult[CO], shift[CO];
  for (size_t i = 0; i < CO * 27; ++i) {
    w8[i] = (int8_t)(rng_next(&s) & 0xFF);
    w32[i] = rng_value(&s);
  }
  for (size_t c = 0; c < CO; ++c) {
    bias[c] = (int32_t)(rng_next(&s) % 20001) - 10000;
    b32[c] = rng_value(&s);
    if (tsp_qs8_quantize_multiplier(0.0005 + 0.001 * rng_unit(&s), &mult[c], &shift[c]) != 0) {
      return 1;
    }
  }
  struct tsp_qs8_conv_hwc2chw_weights pw;
  if (tsp_qs8_conv_hwc2chw_pack(CO, w8, bias, mult, shift, -3, &pw) != 0) return 1;
  float* pw32 = xalloc(tsp_conv_hwc2chw_packed_size(CO) * sizeof(float));
  tsp_conv_hwc2chw_pack(CO, w32, b32, pw32);
  int8_t* out8 = xalloc(CO * OUT * OUT);
  int8_t* ref8 = xalloc(CO * OUT * OUT);
  float* out32 = xalloc(CO * OUT * OUT * sizeof(float));
  const tsp_qs8_output q = {-128, -128, 127};
  const tsp_minmax clamp = {0.0f, 6.0f};

  static double t[3][MAX_RUNS];
  for (int r = 0; r < runs; ++r) {
    double t0 = now_s();
    qs8_conv_hwc2chw_3x3s2c3__scalar(IN, IN, OUT, OUT, 0, 0, in8, &pw, ref8, OUT * OUT, &q);
    t[0][r] = now_s() - t0;
    t0 = now_s();
    qs8_conv_hwc2chw_3x3s2c3__avx2(IN, IN, OUT, OUT, 0, 0, in8, &pw, out8, OUT * OUT, &q);
    t[1][r] = now_s() - t0;
    t0 = now_s();
    f32_conv_hwc2chw_3x3s2c3__avx2(IN, IN, OUT, OUT, 0, 0, CO, in32, pw32, out32, OUT * OUT,
                                   &clamp);
    t[2][r] = now_s() - t0;
  }
  const int same = memcmp(out8, ref8, CO * OUT * OUT) == 0;
  const double macs = (double)OUT * OUT * CO * 27;
  static const char* names[3] = {"qs8 scalar", "qs8 avx2", "f32 avx2"};
  printf("224x224x3 -> 112x112x%d, 3x3 s2, %d runs (avx2 == scalar: %s)\n", CO, runs,
         same ? "yes" : "NO");
  printf("%-12s %12s %10s\n", "kernel", "median ms", "GMAC/s");
  double med[3];
  for (int k = 0; k < 3; ++k) {
    med[k] = median(t[k], (size_t)runs);
    printf("%-12s %12.3f %10.2f\n", names[k], 1e3 * med[k], macs / med[k] * 1e-9);
  }
  printf("qs8 avx2 speed-up over scalar: %.1fx\n", med[0] / med[1]);
  tsp_qs8_conv_hwc2chw_release(&pw);
  free(in8);
  free(in32);
  free(pw32);
  free(out8);
  free(ref8);
  free(out32);
  return same ? 0 : 1;
}
