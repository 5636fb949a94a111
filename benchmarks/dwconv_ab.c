/* Same-process A/B of the AVX-512 (or, with -DAB_AVX2, AVX2) 3x3 depthwise CHW kernels on the MobileNet
 * v1 1.0 224 layers: "old" is the generic template (dwconv_chw_simd.h)
 * compiled here under other names, "new" the library's dispatched kernels
 * (f32_dwconv2d_chw_3x3s{1,2}__avx512). Old and new alternate within every
 * repetition (order flipped each time) so noise from other processes hits
 * both alike; prints medians in ms and the new/old ratio. Also checks that
 * both produce the same output.
 *
 * Build (from the repository root, after building the kernel library):
 *   cmake -S . -B build && cmake --build build --target tsp_kernels
 *   F="-O3 -std=gnu11 -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -Idelegate/kernels"
 *   gcc $F -DAB_OLD_S=1 -c benchmarks/dwconv_ab.c -o /tmp/ab_old_s1.o
 *   gcc $F -DAB_OLD_S=2 -c benchmarks/dwconv_ab.c -o /tmp/ab_old_s2.o
 *   gcc $F benchmarks/dwconv_ab.c /tmp/ab_old_s1.o /tmp/ab_old_s2.o \
 *       build/libtsp_kernels.a -lm -o /tmp/dwconv_ab && /tmp/dwconv_ab [reps]
 * For AVX2 add -DAB_AVX2 to all three commands ("old" is then the template
 * with vec_avx2.h, "new" f32_dwconv2d_chw_3x3s{1,2}__avx2).
 */
#if defined(AB_OLD_S)
#if defined(AB_AVX2)
#include "dwconv/vec_avx2.h"
#else
#include "dwconv/vec_avx512.h"
#endif
#define TSP_DW_K 3
#define TSP_DW_S AB_OLD_S
#if AB_OLD_S == 1
#define TSP_DW_FN ab_old_3x3s1
#else
#define TSP_DW_FN ab_old_3x3s2
#endif
#include "dwconv/dwconv_chw_simd.h"
#else
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "ukernels.h"

#include "bench_util.h"
#include "mobilenet_v1_dw_layers.h"

void ab_old_3x3s1(size_t, size_t, size_t, size_t, size_t, size_t, size_t, const float*, size_t,
                  const float*, float*, size_t, const tsp_minmax*);
void ab_old_3x3s2(size_t, size_t, size_t, size_t, size_t, size_t, size_t, const float*, size_t,
                  const float*, float*, size_t, const tsp_minmax*);

#define NG NGROUPS

/* Outputs start this many floats past a 4 KiB boundary (inputs at one), so
 * that in and out planes do not alias modulo 4 KiB by accident (false
 * store-to-load dependences would then penalize whichever kernel's store/load
 * distances happen to collide). */
#ifndef AB_OUT_SHIFT
#define AB_OUT_SHIFT 528
#endif

static float* alloc_floats(size_t n) {
  float* p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
  if (p == NULL) abort();
  for (size_t i = 0; i < n; ++i) p[i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
  return p;
}

static double run(const dw_group* g, int use_new, const float* in, const float* w, float* out) {
#if defined(AB_AVX2)
  const tsp_dwconv2d_chw_fn fn =
      g->stride == 1 ? (use_new ? f32_dwconv2d_chw_3x3s1__avx2 : ab_old_3x3s1)
                     : (use_new ? f32_dwconv2d_chw_3x3s2__avx2 : ab_old_3x3s2);
#else
  const tsp_dwconv2d_chw_fn fn =
      g->stride == 1 ? (use_new ? f32_dwconv2d_chw_3x3s1__avx512 : ab_old_3x3s1)
                     : (use_new ? f32_dwconv2d_chw_3x3s2__avx512 : ab_old_3x3s2);
#endif
  const size_t o = (g->in + g->stride - 1) / g->stride;
  const size_t pad = g->stride == 1 ? 1 : 0;
  const tsp_minmax relu6 = {0.0f, 6.0f};
  const double t0 = now_s();
  for (size_t l = 0; l < g->count; ++l) {
    fn(g->channels, g->in, g->in, o, o, pad, pad, in, tsp_chw_ld(g->in * g->in), w, out,
       tsp_chw_ld(o * o), &relu6);
  }
  return now_s() - t0;
}

int main(int argc, char** argv) {
#if defined(AB_AVX2)
  if (!tsp_isa_supported(TSP_ISA_AVX2)) {
    printf("AVX2 not supported\n");
    return 0;
  }
#else
  if (!tsp_isa_supported(TSP_ISA_AVX512)) {
    printf("AVX-512 not supported\n");
    return 0;
  }
#endif
  const size_t reps = argc > 1 ? (size_t)atoi(argv[1]) : 60;
  const size_t max_floats = 1024 * tsp_chw_ld(112 * 112);
  float* in = alloc_floats(max_floats);
  float* out_a = alloc_floats(max_floats + AB_OUT_SHIFT) + AB_OUT_SHIFT;
  float* out_b = alloc_floats(max_floats + AB_OUT_SHIFT) + AB_OUT_SHIFT;
  float* w = alloc_floats(1024 * 10);
  int mismatch = 0;
  for (size_t g = 0; g < NG; ++g) { /* correctness: old and new agree */
    memset(out_a, 0, max_floats * sizeof(float));
    memset(out_b, 0, max_floats * sizeof(float));
    run(&kGroups[g], 0, in, w, out_a);
    run(&kGroups[g], 1, in, w, out_b);
    for (size_t i = 0; i < max_floats; ++i) {
      if (fabsf(out_a[i] - out_b[i]) > 1e-4f * (1.0f + fabsf(out_a[i]))) {
        printf("MISMATCH %s at %zu: %g vs %g\n", kGroups[g].name, i, out_a[i], out_b[i]);
        mismatch = 1;
        break;
      }
    }
  }
  double* t = calloc(2 * (NG + 1) * reps, sizeof(double));
  for (size_t r = 0; r < reps + 1; ++r) {
    double tot[2] = {0, 0};
    for (size_t g = 0; g < NG; ++g) {
      for (int k = 0; k < 2; ++k) {
        const int v = (int)((r + (size_t)k) & 1);
        const double s = run(&kGroups[g], v, in, w, v ? out_b : out_a);
        tot[v] += s;
        if (r > 0) t[((size_t)v * (NG + 1) + g) * reps + r - 1] = s;
      }
    }
    if (r > 0) {
      for (int v = 0; v < 2; ++v) t[((size_t)v * (NG + 1) + NG) * reps + r - 1] = tot[v];
    }
  }
  printf("median of %zu interleaved runs, ms\n%-24s%10s%10s%8s\n", reps, "layer group", "old",
         "new", "new/old");
  for (size_t g = 0; g <= NG; ++g) {
    const double a = median(t + (0 * (NG + 1) + g) * reps, reps);
    const double b = median(t + (1 * (NG + 1) + g) * reps, reps);
    printf("%-24s%10.4f%10.4f%8.3f\n", g < NG ? kGroups[g].name : "dw total", a * 1e3, b * 1e3,
           b / a);
  }
  free(t);
  free(in);
  free(out_a - AB_OUT_SHIFT);
  free(out_b - AB_OUT_SHIFT);
  free(w);
  return mismatch;
}
#endif
