/* QS8 SpMM benchmark: MobileNet v1 1.0 (224x224)'s 13 pointwise layers at 90%
 * sparsity, one thread, output-channel blocks 1, 2 and 4: the int8 AVX2,
 * AVX-512 and AVX-512 VNNI kernels (64- and 128-column tiles) against the
 * f32 AVX2 and AVX-512 kernels (tsp_spmm_select's pick) on the same sparsity
 * pattern; AVX-512 and VNNI rows only where the CPU has them. Optionally also
 * the AVX2 template's other multiply scheme (vpmulld per non-zero instead of
 * vpmaddwd per pair, blocks 1 and 4), which is how the scheme of
 * qs8_spmm_avx2_template.h was chosen. Results: qs8_spmm_avx512_template.h.
 *
 * Build (from the repository root; the top level does not add benchmarks/):
 *   cmake -S . -B build/dev && cmake --build build/dev --target tsp_kernels
 *   for b in 1 4; do gcc -O2 -std=c11 -mavx2 -mfma -DQS8_BENCH_VARIANT=$b \
 *       -Idelegate/kernels -c benchmarks/qs8_spmm_bench.c -o /tmp/qs8_mulld_$b.o; done
 *   gcc -O2 -std=c11 -DQS8_BENCH_MULLD -Idelegate/kernels benchmarks/qs8_spmm_bench.c \
 *       /tmp/qs8_mulld_1.o /tmp/qs8_mulld_4.o build/dev/libtsp_kernels.a -lm -o /tmp/qs8_spmm_bench
 * (without the two variant objects and -DQS8_BENCH_MULLD it times the
 * library's kernels only), or with CMake via benchmarks/CMakeLists.txt.
 * Run: qs8_spmm_bench [runs=30] [ld|hw] [layers]
 *   ld (default): nc = the padded row length; hw: nc = H*W, as the delegate
 *   calls the kernels (49 and 196 columns leave masked remainders);
 *   "layers" adds a per-layer table of medians (ms).
 *
 * Weights: block 1 unstructured (each weight zero with p = 0.9), blocks 2
 * and 4 whole 2 x 1 / 4 x 1 tiles zeroed with p = 0.9; the int8 and f32 matrices share the
 * pattern. Rows are padded to ld = round_up(H*W, 16) elements; nc = ld, or
 * H*W with "hw".
 * Network order: each layer's input is read just before its call (as the
 * depthwise conv that produces it would have written it). Variants are
 * interleaved in one process; the table shows medians over runs. GOPS counts
 * 2 ops per stored non-zero (explicit zeros inside kept blocks included) per
 * column. */
#ifdef QS8_BENCH_VARIANT
/* ---- a variant kernel of the template, built as its own object ---- */
#if QS8_BENCH_VARIANT == 1
#define QS8_NAME qs8_spmm_32x1_mulld__avx2
#define QS8_B 1
#else
#define QS8_NAME qs8_spmm_32x4_mulld__avx2
#define QS8_B 4
#endif
#define QS8_SCHEME QS8_MULLD
#include "spmm/qs8_spmm_avx2_template.h"
#else /* the benchmark */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels.h"
#include "qs8_spmm.h"
#include "ukernels.h"

#include "bench_util.h"
#include "mobilenet_v1_pw_layers.h"

#define NUM_LAYERS NUM_POINTWISE_LAYERS
#define SPARSITY 0.9
#define MAX_RUNS 1000
#define MAX_VARIANTS 32

#ifdef QS8_BENCH_MULLD
void qs8_spmm_32x1_mulld__avx2(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input,
                               int8_t* output, size_t output_stride, const tsp_qs8_output* q);
void qs8_spmm_32x4_mulld__avx2(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input,
                               int8_t* output, size_t output_stride, const tsp_qs8_output* q);
#endif

enum { BLOCKS = 3 }; /* blocks 1, 2 and 4 */
static const uint32_t kBlocks[BLOCKS] = {1, 2, 4};

typedef struct {
  tsp_spmm_packed f32[BLOCKS][NUM_LAYERS];
  tsp_qs8_spmm_packed qs8[BLOCKS][NUM_LAYERS];
  float* in_f32[NUM_LAYERS];
  float* out_f32[NUM_LAYERS];
  int8_t* in_qs8[NUM_LAYERS];
  int8_t* out_qs8[NUM_LAYERS];
  size_t ld[NUM_LAYERS];
} bench_data;

/* Same pattern for both types: block x 1 tiles kept with p = 1 - SPARSITY. */
static void make_weights(uint64_t* rng, const pw_layer* l, uint32_t block, float* wf,
                         int8_t* wq) {
  for (uint32_t r0 = 0; r0 < l->out; r0 += block) {
    for (uint32_t ci = 0; ci < l->in; ++ci) {
      const int keep = rng_unit(rng) >= SPARSITY;
      for (uint32_t r = r0; r < r0 + block && r < l->out; ++r) {
        const size_t i = (size_t)r * l->in + ci;
        wf[i] = keep ? rng_value(rng) : 0.0f;
        int8_t q = (int8_t)(rng_next(rng) & 0xFF);
        wq[i] = keep ? (q == 0 ? 1 : q) : 0;
      }
    }
  }
}

static void setup(bench_data* d) {
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const pw_layer* l = &kPointwiseLayers[i];
    const size_t ld = tsp_chw_ld(l->hw);
    d->ld[i] = ld;
    d->in_f32[i] = xalloc(l->in * ld * sizeof(float));
    d->out_f32[i] = xalloc(l->out * ld * sizeof(float));
    d->in_qs8[i] = xalloc(l->in * ld);
    d->out_qs8[i] = xalloc(l->out * ld);
    for (size_t j = 0; j < l->in * ld; ++j) {
      d->in_f32[i][j] = rng_value(&rng);
      d->in_qs8[i][j] = (int8_t)(rng_next(&rng) & 0xFF);
    }
    float* bias = xalloc(l->out * sizeof(float));
    int32_t* qbias = xalloc(l->out * sizeof(int32_t));
    int32_t* mult = xalloc(l->out * sizeof(int32_t));
    int32_t* shift = xalloc(l->out * sizeof(int32_t));
    for (uint32_t j = 0; j < l->out; ++j) {
      bias[j] = rng_value(&rng);
      qbias[j] = (int32_t)(rng_next(&rng) % 20001) - 10000;
      tsp_qs8_quantize_multiplier((0.5 + 0.5 * rng_unit(&rng)) / 256.0, &mult[j], &shift[j]);
    }
    float* wf = xalloc((size_t)l->out * l->in * sizeof(float));
    int8_t* wq = xalloc((size_t)l->out * l->in);
    for (int b = 0; b < BLOCKS; ++b) {
      make_weights(&rng, l, kBlocks[b], wf, wq);
      if (tsp_spmm_pack(wf, bias, l->out, l->in, kBlocks[b], ld * sizeof(float),
                        &d->f32[b][i]) != 0 ||
          tsp_qs8_spmm_pack(wq, qbias, mult, shift, -5, l->out, l->in, kBlocks[b], ld,
                            &d->qs8[b][i]) != 0) {
        fprintf(stderr, "pack failed\n");
        exit(1);
      }
    }
    free(wq);
    free(wf);
    free(shift);
    free(mult);
    free(qbias);
    free(bias);
  }
}

static float touch_f32(const float* x, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; i += 16) s += x[i];
  return s;
}

static int touch_qs8(const int8_t* x, size_t n) {
  int s = 0;
  for (size_t i = 0; i < n; i += 64) s += x[i];
  return s;
}

/* A variant: f32 (tsp_spmm_select of table t32) or int8 (fnq) kernel of
 * block index b. */
typedef struct {
  const char* name;
  int b;
  const tsp_kernel_table* t32;
  tsp_qs8_spmm_fn fnq;
  int is_f32;
} variant;

static int g_nc_hw; /* nc = H*W instead of ld */

/* Returns the network's total; per_layer[i] gets layer i's time. */
static double run_network(const bench_data* d, const variant* v, double* sink,
                          double* per_layer) {
  const tsp_minmax clamp = {0.0f, 6.0f};
  const tsp_qs8_output q = {-128, -128, 127, 0};
  double total = 0.0;
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const pw_layer* l = &kPointwiseLayers[i];
    const size_t ld = d->ld[i], nc = g_nc_hw ? l->hw : ld;
    double t0;
    if (v->is_f32) {
      const tsp_spmm_fn fn = tsp_spmm_select(v->t32, kBlocks[v->b], l->in);
      *sink += touch_f32(d->in_f32[i], l->in * ld);
      t0 = now_s();
      fn(nc, &d->f32[v->b][i].view, d->in_f32[i], d->out_f32[i], ld * sizeof(float), &clamp);
    } else {
      *sink += touch_qs8(d->in_qs8[i], l->in * ld);
      t0 = now_s();
      v->fnq(nc, &d->qs8[v->b][i].view, d->in_qs8[i], d->out_qs8[i], ld, &q);
    }
    const double dt = now_s() - t0;
    per_layer[i] = dt;
    total += dt;
  }
  return total;
}

static double nnz_ops(const bench_data* d, int b) {
  double ops = 0.0;
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const double nc = g_nc_hw ? kPointwiseLayers[i].hw : d->ld[i];
    ops += 2.0 * d->qs8[b][i].nnz_blocks * kBlocks[b] * nc;
  }
  return ops;
}

int main(int argc, char** argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 30;
  if (runs < 1 || runs > MAX_RUNS) runs = 30;
  g_nc_hw = argc > 2 && strcmp(argv[2], "hw") == 0;
  const int show_layers = argc > 3 && strcmp(argv[3], "layers") == 0;
  const tsp_kernel_table* t = tsp_kernels(TSP_ISA_AVX2);
  if (!t) {
    printf("AVX2 not supported by this CPU\n");
    return 0;
  }
  const tsp_kernel_table* t512 = tsp_kernels(TSP_ISA_AVX512);
  __builtin_cpu_init();
  const int vnni = t512 && __builtin_cpu_supports("avx512vnni");
  static bench_data d;
  setup(&d);
  variant vars[MAX_VARIANTS];
  int nv = 0;
#define ADD(name, b, t32, fnq, is_f32) vars[nv++] = (variant){name, b, t32, fnq, is_f32}
  /* Per block index: the int8 kernels timed, NULL where none. */
#define K(name) {#name, name}
  static const struct {
    const char* name;
    tsp_qs8_spmm_fn fn;
  } kInt8[BLOCKS][8] = {
      {K(qs8_spmm_32x1__avx2), K(qs8_spmm_64x1__avx2), K(qs8_spmm_64x1__avx512),
       K(qs8_spmm_128x1__avx512), K(qs8_spmm_64x1__avx512vnni), K(qs8_spmm_128x1__avx512vnni)},
      {K(qs8_spmm_32x2__avx2), K(qs8_spmm_64x2__avx2), K(qs8_spmm_64x2__avx512),
       K(qs8_spmm_128x2__avx512), K(qs8_spmm_64x2__avx512vnni), K(qs8_spmm_128x2__avx512vnni)},
      {K(qs8_spmm_32x4__avx2), K(qs8_spmm_64x4__avx2), K(qs8_spmm_64x4__avx512),
       K(qs8_spmm_128x4__avx512), K(qs8_spmm_64x4__avx512vnni), K(qs8_spmm_128x4__avx512vnni)},
  };
#undef K
  for (int b = 0; b < BLOCKS; ++b) {
    ADD("f32 avx2 (select)", b, t, NULL, 1);
    if (t512) ADD("f32 avx512 (select)", b, t512, NULL, 1);
    for (int k = 0; k < 6; ++k) {
      if (k >= 2 && !t512) continue;
      if (k >= 4 && !vnni) continue;
      ADD(kInt8[b][k].name, b, NULL, kInt8[b][k].fn, 0);
#ifdef QS8_BENCH_MULLD
      if (k == 1 && b != 1) { /* the vpmulld variants exist for blocks 1 and 4 */
        ADD(b ? "qs8 32x4 vpmulld (alt)" : "qs8 32x1 vpmulld (alt)", b, NULL,
            b ? qs8_spmm_32x4_mulld__avx2 : qs8_spmm_32x1_mulld__avx2, 0);
      }
#endif
    }
  }
#undef ADD
  static double s[MAX_VARIANTS][MAX_RUNS];
  static double layer_s[MAX_VARIANTS][NUM_LAYERS][MAX_RUNS];
  double sink = 0.0, per_layer[NUM_LAYERS];
  for (int r = -2; r < runs; ++r) { /* two warm-up runs */
    for (int v = 0; v < nv; ++v) {
      const double sec = run_network(&d, &vars[v], &sink, per_layer);
      if (r < 0) continue;
      s[v][r] = sec;
      for (size_t i = 0; i < NUM_LAYERS; ++i) layer_s[v][i][r] = per_layer[i];
    }
  }
  printf("MobileNet v1 1.0 pointwise layers, 90%% sparse, 1 thread, nc = %s, network order, "
         "median of %d runs%s\n", g_nc_hw ? "H*W" : "ld", runs, sink == 12345.0 ? " " : "");
  printf("%-6s %-28s %9s %12s\n", "block", "kernel", "ms", "GOPS nnz");
  for (int v = 0; v < nv; ++v) {
    const double ms = median(s[v], runs) * 1e3;
    printf("%-6u %-28s %9.3f %12.1f\n", kBlocks[vars[v].b], vars[v].name, ms,
           nnz_ops(&d, vars[v].b) / ms * 1e-6);
  }
  if (show_layers) {
    printf("\nper layer (median ms; layer: in x out @ H*W)\n");
    for (int v = 0; v < nv; ++v) {
      printf("b%u %-28s", kBlocks[vars[v].b], vars[v].name);
      for (size_t i = 0; i < NUM_LAYERS; ++i) printf(" %6.3f", median(layer_s[v][i], runs) * 1e3);
      printf("\n");
    }
    printf("layers:");
    for (size_t i = 0; i < NUM_LAYERS; ++i) {
      printf(" %zu:%ux%u@%u", i, kPointwiseLayers[i].in, kPointwiseLayers[i].out,
             kPointwiseLayers[i].hw);
    }
    printf("\n");
  }
  return 0;
}
#endif
