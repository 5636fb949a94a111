/* Times the depthwise layers and the first convolution of MobileNet v1 1.0
 * 224 (one image, one thread) for every ISA the CPU supports: median of
 * REPS runs per layer group, ISAs interleaved within each repetition so that
 * noise from other processes hits them alike. Activations use the delegate's
 * CHW layout (channel rows tsp_chw_ld(H*W) floats apart, 64-byte aligned).
 *
 * Build (from the repository root, after building the kernel library):
 *   cmake -S . -B build && cmake --build build --target tsp_kernels
 *   gcc -O2 -std=gnu11 -Idelegate/kernels benchmarks/dwconv_bench.c \
 *       build/libtsp_kernels.a -lm -o /tmp/dwconv_bench && /tmp/dwconv_bench [reps]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conv/conv_hwc2chw_pack.h"
#include "dispatch.h"

#include "bench_util.h"
#include "mobilenet_v1_dw_layers.h"

#define NROWS (NGROUPS + 2) /* + first conv + depthwise total */

static float* alloc_floats(size_t n) {
  float* p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
  if (p == NULL) abort();
  for (size_t i = 0; i < n; ++i) p[i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
  return p;
}

typedef struct {
  float* in;
  float* out;
  float* weights;
} buffers;

static double dw_flops(const dw_group* g) {
  const double out = (double)((g->in + g->stride - 1) / g->stride);
  return 2.0 * 9.0 * out * out * (double)g->channels * (double)g->count;
}

static double run_dw(const tsp_kernel_table* t, const dw_group* g, const buffers* b) {
  const tsp_dwconv2d_chw_fn fn = g->stride == 1 ? t->dwconv3x3s1 : t->dwconv3x3s2;
  const size_t out = (g->in + g->stride - 1) / g->stride;
  const size_t pad = g->stride == 1 ? 1 : 0;
  const size_t ld_in = tsp_chw_ld(g->in * g->in), ld_out = tsp_chw_ld(out * out);
  const tsp_minmax relu6 = {0.0f, 6.0f};
  const double t0 = now_s();
  for (size_t l = 0; l < g->count; ++l) {
    fn(g->channels, g->in, g->in, out, out, pad, pad, b->in, ld_in, b->weights, b->out, ld_out,
       &relu6);
  }
  return now_s() - t0;
}

static double run_conv(const tsp_kernel_table* t, const buffers* b) {
  const tsp_minmax relu6 = {0.0f, 6.0f};
  const double t0 = now_s();
  t->conv3x3s2c3(224, 224, 112, 112, 0, 0, 32, b->in, b->weights, b->out, tsp_chw_ld(112 * 112),
                 &relu6);
  return now_s() - t0;
}

int main(int argc, char** argv) {
  const size_t reps = argc > 1 ? (size_t)atoi(argv[1]) : 50;
  const size_t max_floats = 1024 * tsp_chw_ld(112 * 112); /* ample for every layer */
  buffers b = {alloc_floats(max_floats), alloc_floats(max_floats), alloc_floats(1024 * 10)};
  float* conv_w = alloc_floats(32 * 27);
  float* packed = alloc_floats(tsp_conv_hwc2chw_packed_size(32));
  tsp_conv_hwc2chw_pack(32, conv_w, NULL, packed);
  const buffers cb = {b.in, b.out, packed};

  const tsp_kernel_table* tables[TSP_ISA_COUNT];
  size_t nt = 0;
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    if (tsp_isa_supported((tsp_isa)i)) tables[nt++] = tsp_kernels((tsp_isa)i);
  }
  /* times[isa][row][rep]; rows: groups, first conv, total depthwise */
  double* times = calloc(nt * NROWS * reps, sizeof(double));
  for (size_t r = 0; r < reps + 1; ++r) { /* repetition 0 warms up */
    for (size_t i = 0; i < nt; ++i) {
      double total = 0.0;
      for (size_t g = 0; g < NGROUPS; ++g) {
        const double s = run_dw(tables[i], &kGroups[g], &b);
        total += s;
        if (r > 0) times[(i * NROWS + g) * reps + r - 1] = s;
      }
      const double s = run_conv(tables[i], &cb);
      if (r > 0) {
        times[(i * NROWS + NGROUPS) * reps + r - 1] = s;
        times[(i * NROWS + NGROUPS + 1) * reps + r - 1] = total;
      }
    }
  }
  printf("MobileNet v1 1.0 224, one image, one thread; median of %zu runs; ms (GFLOP/s)\n", reps);
  printf("%-24s", "layer group");
  for (size_t i = 0; i < nt; ++i) printf("%22s", tables[i]->name);
  printf("\n");
  double dw_total_flops = 0.0;
  for (size_t g = 0; g < NGROUPS; ++g) dw_total_flops += dw_flops(&kGroups[g]);
  for (size_t row = 0; row < NROWS; ++row) {
    const char* name = row < NGROUPS ? kGroups[row].name
                       : row == NGROUPS ? "conv 224->112 3x3s2 x32" : "dw total (13 layers)";
    const double flops = row < NGROUPS ? dw_flops(&kGroups[row])
                         : row == NGROUPS ? 2.0 * 27 * 112 * 112 * 32 : dw_total_flops;
    printf("%-24s", name);
    for (size_t i = 0; i < nt; ++i) {
      const double s = median(times + (i * NROWS + row) * reps, reps);
      printf("%12.4f (%6.1f)", s * 1e3, flops / s * 1e-9);
    }
    printf("\n");
  }
  free(times);
  free(b.in);
  free(b.out);
  free(b.weights);
  free(conv_w);
  free(packed);
  return 0;
}
