/* Int8 (QS8) depthwise 3x3 benchmark: the depthwise layers of MobileNet v1
 * 1.0 224 (mobilenet_v1_dw_layers.h), one image, one thread: the int8
 * scalar, AVX2, AVX-512 and AVX-512 VNNI (+ VBMI) kernels and, for scale, the f32 AVX-512 kernel on
 * the same layer. Per layer (one call over all its channels) the median of
 * REPS runs, kernels interleaved within each repetition so that noise from
 * other processes hits them alike; kernels the CPU cannot run are skipped.
 * Layout as the delegate's: int8 channel planes H*W rounded up to 64 bytes
 * apart (plan.c), f32 ones tsp_chw_ld(H*W) floats apart. TF SAME padding
 * (stride 1 pads 1 before, stride 2 on even sizes 0 before).
 *
 * Build (from the repository root; the top level does not add benchmarks/):
 *   cmake -S . -B build/dev -DCMAKE_BUILD_TYPE=Release && cmake --build build/dev --target tsp_kernels
 *   gcc -O2 -std=c11 -Idelegate/kernels benchmarks/qs8_dwconv_bench.c \
 *       build/dev/libtsp_kernels.a -lm -o /tmp/qs8_dwconv_bench
 * (without -DQS8_DW_BENCH_MULLD it times the library's kernels only), or with
 * CMake via benchmarks/CMakeLists.txt, which also builds the AVX-512 kernel's
 * other stride-1 scheme (vpmulld per tap instead of vpermw + vpmaddwd per tap
 * pair) from this file as its own object (QS8_DW_BENCH_VARIANT):
 *   gcc -O2 -std=c11 -mavx512f -mavx512vl -mavx512bw -mavx512dq -DQS8_DW_BENCH_VARIANT \
 *       -Idelegate/kernels -c benchmarks/qs8_dwconv_bench.c -o /tmp/qs8_dw_mulld.o
 *   gcc -O2 -std=c11 -DQS8_DW_BENCH_MULLD -Idelegate/kernels benchmarks/qs8_dwconv_bench.c \
 *       /tmp/qs8_dw_mulld.o build/dev/libtsp_kernels.a -lm -o /tmp/qs8_dwconv_bench
 * Run: qs8_dwconv_bench [reps=30]. Every int8 kernel's outputs are checked
 * against the scalar kernel's on each layer after the timing. */
#ifdef QS8_DW_BENCH_VARIANT
/* ---- the vpmulld variant of the AVX-512 kernel, as its own object ---- */
#define QS8Z_S1_MULLD 1
#include "dwconv/qs8_dwconv2d_chw_3x3_avx512.h"
void qs8_dwconv2d_chw_3x3s1_mulld__avx512(size_t channels, size_t in_h, size_t in_w,
                                          size_t out_h, size_t out_w, size_t pad_top,
                                          size_t pad_left, const int8_t* input,
                                          size_t input_stride, const int8_t* weights,
                                          const int32_t* bias, const int32_t* multiplier,
                                          const int32_t* shift, int32_t input_zero_point,
                                          const tsp_qs8_output* out_params, int8_t* output,
                                          size_t output_stride);
void qs8_dwconv2d_chw_3x3s1_mulld__avx512(size_t channels, size_t in_h, size_t in_w,
                                          size_t out_h, size_t out_w, size_t pad_top,
                                          size_t pad_left, const int8_t* input,
                                          size_t input_stride, const int8_t* weights,
                                          const int32_t* bias, const int32_t* multiplier,
                                          const int32_t* shift, int32_t input_zero_point,
                                          const tsp_qs8_output* out_params, int8_t* output,
                                          size_t output_stride) {
  qs8z_dwconv2d_chw_3x3(1, channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input,
                        input_stride, weights, bias, multiplier, shift, input_zero_point,
                        out_params, output, output_stride);
}
#else /* the benchmark */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels.h"
#include "qs8_kernels.h"
#include "ukernels.h"

#include "bench_util.h"
#include "mobilenet_v1_dw_layers.h"

#define MAX_REPS 1000

#ifdef QS8_DW_BENCH_MULLD
void qs8_dwconv2d_chw_3x3s1_mulld__avx512(size_t channels, size_t in_h, size_t in_w,
                                          size_t out_h, size_t out_w, size_t pad_top,
                                          size_t pad_left, const int8_t* input,
                                          size_t input_stride, const int8_t* weights,
                                          const int32_t* bias, const int32_t* multiplier,
                                          const int32_t* shift, int32_t input_zero_point,
                                          const tsp_qs8_output* out_params, int8_t* output,
                                          size_t output_stride);
#endif

typedef struct {
  const char* name;
  tsp_isa isa;   /* what the CPU needs */
  int f32;       /* 1: the f32 kernel pair below, else the int8 pair */
  tsp_qs8_dwconv2d_chw_fn q[2];
  tsp_dwconv2d_chw_fn f[2];
  int vnni; /* 1: also needs avx512vnni and avx512vbmi */
} kernel;

static const kernel kKernels[] = {
    {"int8 scalar", TSP_ISA_SCALAR, 0,
     {qs8_dwconv2d_chw_3x3s1__scalar, qs8_dwconv2d_chw_3x3s2__scalar}, {NULL, NULL}},
#if defined(__x86_64__) || defined(_M_X64)
    {"int8 avx2", TSP_ISA_AVX2, 0,
     {qs8_dwconv2d_chw_3x3s1__avx2, qs8_dwconv2d_chw_3x3s2__avx2}, {NULL, NULL}},
    {"int8 avx512", TSP_ISA_AVX512, 0,
     {qs8_dwconv2d_chw_3x3s1__avx512, qs8_dwconv2d_chw_3x3s2__avx512}, {NULL, NULL}},
    {"int8 a512vnni", TSP_ISA_AVX512, 0,
     {qs8_dwconv2d_chw_3x3s1__avx512vnni, qs8_dwconv2d_chw_3x3s2__avx512vnni}, {NULL, NULL}, 1},
#ifdef QS8_DW_BENCH_MULLD
    /* stride 1 only (stride 2 has no vpmulld variant) */
    {"avx512 mulld", TSP_ISA_AVX512, 0, {qs8_dwconv2d_chw_3x3s1_mulld__avx512, NULL}, {NULL, NULL}},
#endif
    {"f32 avx512", TSP_ISA_AVX512, 1, {NULL, NULL},
     {f32_dwconv2d_chw_3x3s1__avx512, f32_dwconv2d_chw_3x3s2__avx512}},
#endif
};
#define NK (sizeof kKernels / sizeof kKernels[0])

typedef struct {
  int8_t* in8;
  int8_t* out8;
  float* in32;
  float* out32;
  int8_t* w8;
  float* w32; /* bias + 9 taps per channel */
  int32_t* bias;
  int32_t* mult;
  int32_t* shift;
} buffers;

static size_t ld8(size_t spatial) { return (spatial + 63) / 64 * 64; }

/* Whether kernel k has a version for group g's stride. */
static int has(const kernel* k, const dw_group* g) {
  const int si = g->stride == 1 ? 0 : 1;
  return k->f32 ? k->f[si] != NULL : k->q[si] != NULL;
}

static double run(const kernel* k, const dw_group* g, const buffers* b) {
  const size_t out = (g->in + g->stride - 1) / g->stride;
  const size_t pad = g->stride == 1 ? 1 : 0;
  const int si = g->stride == 1 ? 0 : 1;
  const double t0 = now_s();
  if (k->f32) {
    const tsp_minmax relu6 = {0.0f, 6.0f};
    k->f[si](g->channels, g->in, g->in, out, out, pad, pad, b->in32, tsp_chw_ld(g->in * g->in),
             b->w32, b->out32, tsp_chw_ld(out * out), &relu6);
  } else {
    /* ReLU6 folded into the output range, as the int8 MobileNet has it */
    const tsp_qs8_output q = {-128, -128, 127, 0};
    k->q[si](g->channels, g->in, g->in, out, out, pad, pad, b->in8, ld8(g->in * g->in), b->w8,
             b->bias, b->mult, b->shift, -128, &q, b->out8, ld8(out * out));
  }
  return now_s() - t0;
}

int main(int argc, char** argv) {
  size_t reps = argc > 1 ? (size_t)atoi(argv[1]) : 30;
  if (reps < 1) reps = 1;
  if (reps > MAX_REPS) reps = MAX_REPS;
  const size_t max_c = 1024, max_plane = 112 * 112;
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  buffers b;
  b.in8 = xalloc(max_c * ld8(max_plane));
  b.out8 = xalloc(max_c * ld8(max_plane));
  b.in32 = xalloc(max_c * tsp_chw_ld(max_plane) * sizeof(float));
  b.out32 = xalloc(max_c * tsp_chw_ld(max_plane) * sizeof(float));
  b.w8 = xalloc(max_c * 9);
  b.w32 = xalloc(max_c * 10 * sizeof(float));
  b.bias = xalloc(max_c * sizeof(int32_t));
  b.mult = xalloc(max_c * sizeof(int32_t));
  b.shift = xalloc(max_c * sizeof(int32_t));
  for (size_t i = 0; i < max_c * ld8(max_plane); ++i) b.in8[i] = (int8_t)(rng_next(&rng) >> 56);
  for (size_t i = 0; i < max_c * tsp_chw_ld(max_plane); ++i) b.in32[i] = rng_value(&rng);
  for (size_t i = 0; i < max_c * 9; ++i) b.w8[i] = (int8_t)(rng_next(&rng) >> 56);
  for (size_t i = 0; i < max_c * 10; ++i) b.w32[i] = rng_value(&rng);
  for (size_t c = 0; c < max_c; ++c) {
    b.bias[c] = (int32_t)(rng_next(&rng) % 20001) - 10000;
    /* typical depthwise scales: input * weight / output ~ 1e-3 .. 1e-2 */
    if (tsp_qs8_quantize_multiplier(0.001 + 0.009 * rng_unit(&rng), &b.mult[c], &b.shift[c]))
      abort();
  }

  int ok[NK];
  for (size_t k = 0; k < NK; ++k) {
    ok[k] = tsp_isa_supported(kKernels[k].isa);
#if defined(__x86_64__) || defined(_M_X64)
    __builtin_cpu_init();
    if (kKernels[k].vnni) {
      ok[k] = ok[k] && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
    }
#endif
  }
  double* t = calloc(NK * NGROUPS * reps, sizeof(double));
  if (!t) abort();
  for (size_t r = 0; r < reps + 1; ++r) { /* repetition 0 warms up */
    for (size_t g = 0; g < NGROUPS; ++g) {
      for (size_t k = 0; k < NK; ++k) {
        if (!ok[k] || !has(&kKernels[k], &kGroups[g])) continue;
        const double s = run(&kKernels[k], &kGroups[g], &b);
        if (r > 0) t[(k * NGROUPS + g) * reps + r - 1] = s;
      }
    }
  }
  printf("MobileNet v1 1.0 224 depthwise 3x3, one image, one thread; median of %zu runs;\n"
         "ms per layer (one call, all channels)\n", reps);
  printf("%-24s", "layer");
  for (size_t k = 0; k < NK; ++k) printf("%14s", kKernels[k].name);
  printf("\n");
  double total[NK] = {0};
  for (size_t g = 0; g < NGROUPS; ++g) {
    printf("%-24s", kGroups[g].name);
    for (size_t k = 0; k < NK; ++k) {
      if (!ok[k] || !has(&kKernels[k], &kGroups[g])) {
        printf("%14s", "-");
        continue;
      }
      const double s = median(t + (k * NGROUPS + g) * reps, reps);
      total[k] += s * (double)kGroups[g].count;
      printf("%14.4f", s * 1e3);
    }
    printf("\n");
  }
  printf("%-24s", "total (13 layers)");
  for (size_t k = 0; k < NK; ++k) {
    int all = ok[k];
    for (size_t g = 0; g < NGROUPS; ++g) all = all && has(&kKernels[k], &kGroups[g]);
    if (all) printf("%14.4f", total[k] * 1e3);
    else printf("%14s", "-");
  }
  printf("\n");
  /* Outputs against the scalar kernel's, layer by layer. */
  int8_t* ref = xalloc(max_c * ld8(max_plane));
  int all_ok = 1;
  for (size_t g = 0; g < NGROUPS; ++g) {
    const dw_group* gr = &kGroups[g];
    const size_t out = (gr->in + gr->stride - 1) / gr->stride, lo = ld8(out * out);
    run(&kKernels[0], gr, &b);
    memcpy(ref, b.out8, gr->channels * lo);
    for (size_t k = 1; k < NK; ++k) {
      if (!ok[k] || kKernels[k].f32 || !has(&kKernels[k], gr)) continue;
      memset(b.out8, 0, gr->channels * lo);
      run(&kKernels[k], gr, &b);
      for (size_t c = 0; c < gr->channels; ++c) {
        if (memcmp(ref + c * lo, b.out8 + c * lo, out * out) != 0) {
          printf("MISMATCH: %s on %s, channel %zu\n", kKernels[k].name, gr->name, c);
          all_ok = 0;
          break;
        }
      }
    }
  }
  if (all_ok) printf("int8 outputs identical to the scalar kernel's on every layer\n");
  free(ref);
  free(t);
  free(b.in8);
  free(b.out8);
  free(b.in32);
  free(b.out32);
  free(b.w8);
  free(b.w32);
  free(b.bias);
  free(b.mult);
  free(b.shift);
  return all_ok ? 0 : 1;
}
#endif
