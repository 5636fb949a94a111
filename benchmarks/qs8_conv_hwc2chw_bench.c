/* QS8 first convolution benchmark: MobileNet's first layer, 224x224x3 HWC
 * int8 -> 112x112x32 CHW, 3x3 stride 2, TF SAME (pads 0 top / left), and
 * 225x225x3 VALID -> 112x112x32 (no padding at all), one thread:
 * qs8_conv_hwc2chw_3x3s2c3 scalar / AVX2 / AVX-512 / AVX-512 VNNI (when the
 * CPU has them), and the f32 AVX2 / AVX-512 kernels on the same shapes for
 * scale. Variants are interleaved in each run; the table shows medians over
 * runs. Every int8 kernel's output is compared with the scalar one's.
 *
 * Measured (2-vCPU AMD EPYC Zen 5 VM, shared host, GCC 12, 41 runs,
 * medians of two runs, ms; 224 SAME / 225 VALID): qs8 AVX2 0.28-0.29 /
 * 0.28-0.29, qs8 AVX-512 0.104 / 0.102, qs8 AVX-512 VNNI 0.063 / 0.062,
 * f32 AVX2 0.25-0.29, f32 AVX-512 0.11-0.12 / 0.10-0.12.
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

#define IN_MAX 225
#define OUT 112
#define CO 32
#define MAX_RUNS 1000
#define NK 6

typedef void (*qs8_fn)(size_t, size_t, size_t, size_t, size_t, size_t, const int8_t*,
                       const struct tsp_qs8_conv_hwc2chw_weights*, int8_t*, size_t,
                       const tsp_qs8_output*);
typedef void (*f32_fn)(size_t, size_t, size_t, size_t, size_t, size_t, size_t, const float*,
                       const float*, float*, size_t, const tsp_minmax*);

int main(int argc, char** argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 30;
  if (runs < 1 || runs > MAX_RUNS) runs = 30;
  if (!tsp_isa_supported(TSP_ISA_AVX2)) {
    fprintf(stderr, "needs AVX2\n");
    return 1;
  }
  __builtin_cpu_init();
  const int avx512 = tsp_isa_supported(TSP_ISA_AVX512);
  const int vnni = avx512 && __builtin_cpu_supports("avx512vnni");
  static const char* names[NK] = {"qs8 scalar", "qs8 avx2",  "qs8 avx512",
                                  "qs8 vnni",   "f32 avx2",  "f32 avx512"};
  const qs8_fn q8[4] = {qs8_conv_hwc2chw_3x3s2c3__scalar, qs8_conv_hwc2chw_3x3s2c3__avx2,
                        avx512 ? qs8_conv_hwc2chw_3x3s2c3__avx512 : NULL,
                        vnni ? qs8_conv_hwc2chw_3x3s2c3__avx512vnni : NULL};
  const f32_fn f32[2] = {f32_conv_hwc2chw_3x3s2c3__avx2,
                         avx512 ? f32_conv_hwc2chw_3x3s2c3__avx512 : NULL};
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int8_t* in8 = xalloc(IN_MAX * IN_MAX * 3);
  float* in32 = xalloc(IN_MAX * IN_MAX * 3 * sizeof(float));
  for (size_t i = 0; i < IN_MAX * IN_MAX * 3; ++i) {
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
  const tsp_qs8_output q = {-128, -128, 127, 0};
  const tsp_minmax clamp = {0.0f, 6.0f};
  const double macs = (double)OUT * OUT * CO * 27;
  int all_same = 1;
  static const size_t ins[2] = {224, 225};
  static const char* shape_names[2] = {"224x224x3 SAME (pads 0)", "225x225x3 VALID"};
  for (int sh = 0; sh < 2; ++sh) {
    const size_t in = ins[sh];
    static double t[NK][MAX_RUNS];
    int same[4] = {1, 1, 1, 1};
    for (int r = 0; r < runs; ++r) {
      for (int k = 0; k < NK; ++k) {
        if (k < 4 && q8[k] == NULL) continue;
        if (k >= 4 && f32[k - 4] == NULL) continue;
        const double t0 = now_s();
        if (k < 4) {
          q8[k](in, in, OUT, OUT, 0, 0, in8, &pw, k == 0 ? ref8 : out8, OUT * OUT, &q);
        } else {
          f32[k - 4](in, in, OUT, OUT, 0, 0, CO, in32, pw32, out32, OUT * OUT, &clamp);
        }
        t[k][r] = now_s() - t0;
        if (k > 0 && k < 4) same[k] &= memcmp(out8, ref8, CO * OUT * OUT) == 0;
      }
    }
    printf("%s -> 112x112x%d, 3x3 s2, %d runs; equal to scalar: avx2 %s, avx512 %s, vnni %s\n",
           shape_names[sh], CO, runs, same[1] ? "yes" : "NO",
           q8[2] ? (same[2] ? "yes" : "NO") : "-", q8[3] ? (same[3] ? "yes" : "NO") : "-");
    all_same &= same[1] && same[2] && same[3];
    printf("%-12s %12s %10s %12s\n", "kernel", "median ms", "GMAC/s", "vs qs8 avx2");
    double med[NK];
    for (int k = 0; k < NK; ++k) {
      if ((k < 4 && q8[k] == NULL) || (k >= 4 && f32[k - 4] == NULL)) continue;
      med[k] = median(t[k], (size_t)runs);
    }
    for (int k = 0; k < NK; ++k) {
      if ((k < 4 && q8[k] == NULL) || (k >= 4 && f32[k - 4] == NULL)) continue;
      printf("%-12s %12.3f %10.2f %11.2fx\n", names[k], 1e3 * med[k], macs / med[k] * 1e-9,
             med[1] / med[k]);
    }
  }
  tsp_qs8_conv_hwc2chw_release(&pw);
  free(in8);
  free(in32);
  free(pw32);
  free(out8);
  free(ref8);
  free(out32);
  return all_same ? 0 : 1;
}
