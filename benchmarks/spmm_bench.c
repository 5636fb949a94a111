/* SpMM benchmark: MobileNet v1 1.0 (224x224)'s 13 pointwise layers at 90%
 * sparsity, one thread, every ISA x output-channel block x tile choice.
 *
 * Build (from the repository root), either through CMake:
 *   cmake -S . -B build && cmake --build build --target spmm_bench
 * (after the top level adds `add_subdirectory(benchmarks)`), or directly:
 *   gcc -O3 -std=c11 -Idelegate/kernels benchmarks/spmm_bench.c \
 *       build/libtsp_kernels.a -lm -o /tmp/spmm_bench
 * Run: spmm_bench [runs=50] [--nc-hw] [--warm] [--layers]
 *   --nc-hw   pass nc = H*W instead of the padded row length ld (masked tails)
 *   --warm    time each layer's second back-to-back call (weights, input and
 *             output cached) instead of network order (input just touched,
 *             weights from L3/DRAM)
 *   --layers  also print per-layer medians of every tile (to tune the rule
 *             in spmm_select.c)
 *
 * Weights: block 1 is unstructured (each weight zero with p = 0.9); blocks 2
 * and 4 zero whole block x input-channel tiles with p = 0.9. Rows are padded
 * to ld = round_up(H*W, 16) floats as in the delegate. Variants are timed
 * interleaved in one process (every run times every variant) so machine
 * noise hits them alike; the table shows medians over runs. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "kernels.h"

#include "bench_util.h"
#include "mobilenet_v1_pw_layers.h"

#define NUM_LAYERS NUM_POINTWISE_LAYERS
#define SPARSITY 0.9
#define MAX_RUNS 1000
/* Tile choice: TSP_SPMM_TILES fixed tiles, then the tsp_spmm_select rule. */
#define CHOICES (TSP_SPMM_TILES + 1)

typedef struct {
  tsp_spmm_packed packed[3][NUM_LAYERS]; /* by block index */
  float* input[NUM_LAYERS];
  float* output[NUM_LAYERS];
  size_t ld[NUM_LAYERS];
} bench_data;

/* Dense weights with block x 1 tiles zeroed with probability SPARSITY. */
static float* make_weights(uint64_t* rng, const pw_layer* l, uint32_t block) {
  float* w = xalloc((size_t)l->out * l->in * sizeof(float));
  for (uint32_t r0 = 0; r0 < l->out; r0 += block) {
    for (uint32_t ci = 0; ci < l->in; ++ci) {
      const int keep = rng_unit(rng) >= SPARSITY;
      for (uint32_t r = r0; r < r0 + block && r < l->out; ++r) {
        w[(size_t)r * l->in + ci] = keep ? rng_value(rng) : 0.0f;
      }
    }
  }
  return w;
}

static void setup(bench_data* d) {
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  const uint32_t blocks[3] = {1, 2, 4};
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const pw_layer* l = &kPointwiseLayers[i];
    d->ld[i] = tsp_chw_ld(l->hw);
    d->input[i] = xalloc(l->in * d->ld[i] * sizeof(float));
    d->output[i] = xalloc(l->out * d->ld[i] * sizeof(float));
    for (size_t j = 0; j < l->in * d->ld[i]; ++j) d->input[i][j] = rng_value(&rng);
    float* bias = xalloc(l->out * sizeof(float));
    for (uint32_t j = 0; j < l->out; ++j) bias[j] = rng_value(&rng);
    for (int b = 0; b < 3; ++b) {
      float* w = make_weights(&rng, l, blocks[b]);
      if (tsp_spmm_pack(w, bias, l->out, l->in, blocks[b], d->ld[i] * sizeof(float),
                        &d->packed[b][i]) != 0) {
        fprintf(stderr, "pack failed\n");
        exit(1);
      }
      free(w);
    }
    free(bias);
  }
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static tsp_spmm_fn choose(const tsp_kernel_table* t, int b, int choice, uint32_t in) {
  return choice < TSP_SPMM_TILES ? t->spmm[b][choice] : tsp_spmm_select(t, 1u << b, in);
}

/* Reads a layer's input before timing it, as the depthwise convolution that
 * produces it in the network would have just written it: it then sits in L2
 * (when it fits) while the weights come from L3, as in a real inference. */
static float touch(const float* x, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; i += 16) sum += x[i];
  return sum;
}

/* Runs the 13 layers once with one variant; per-layer microseconds in us[].
 * warm: call each layer twice and time the second call (everything the
 * layer touches is then cached, as in a loop over one layer). */
static float run_network(const bench_data* d, const tsp_kernel_table* t, int b, int choice,
                         int nc_hw, int warm, double* us) {
  const tsp_minmax clamp = {0.0f, 6.0f};
  float sink = 0.0f;
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const tsp_spmm_fn fn = choose(t, b, choice, kPointwiseLayers[i].in);
    const size_t nc = nc_hw ? kPointwiseLayers[i].hw : d->ld[i];
    const size_t stride = d->ld[i] * sizeof(float);
    sink += touch(d->input[i], kPointwiseLayers[i].in * d->ld[i]);
    if (warm) fn(nc, &d->packed[b][i].view, d->input[i], d->output[i], stride, &clamp);
    const double t0 = now_us();
    fn(nc, &d->packed[b][i].view, d->input[i], d->output[i], stride, &clamp);
    us[i] = now_us() - t0;
  }
  return sink;
}

/* FLOPs of block b: (non-zero, dense), as 2 * MACs over all layers. */
static void count_flops(const bench_data* d, int b, double* nnz_flops, double* dense_flops) {
  *nnz_flops = *dense_flops = 0.0;
  for (size_t i = 0; i < NUM_LAYERS; ++i) {
    const pw_layer* l = &kPointwiseLayers[i];
    *nnz_flops += 2.0 * d->packed[b][i].nnz_blocks * (1u << b) * l->hw;
    *dense_flops += 2.0 * l->in * l->out * l->hw;
  }
}

typedef struct {
  double total[MAX_RUNS];
  double layer[NUM_LAYERS][MAX_RUNS];
} samples;

int main(int argc, char** argv) {
  int runs = 50, nc_hw = 0, per_layer = 0, warm = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--nc-hw") == 0) nc_hw = 1;
    else if (strcmp(argv[i], "--warm") == 0) warm = 1;
    else if (strcmp(argv[i], "--layers") == 0) per_layer = 1;
    else runs = atoi(argv[i]);
  }
  if (runs < 1 || runs > MAX_RUNS) runs = 50;
  static bench_data d;
  setup(&d);
  const tsp_isa isas[2] = {TSP_ISA_AVX2, TSP_ISA_AVX512};
  /* samples per [isa][block][choice] */
  samples* s = calloc(2 * 3 * CHOICES, sizeof(samples));
  if (!s) return 1;
  double us[NUM_LAYERS];
  float sink = 0.0f;
  for (int r = -2; r < runs; ++r) { /* two warm-up runs */
    for (int a = 0; a < 2; ++a) {
      const tsp_kernel_table* t = tsp_kernels(isas[a]);
      if (!t) continue;
      for (int b = 0; b < 3; ++b) {
        for (int c = 0; c < CHOICES; ++c) {
          sink += run_network(&d, t, b, c, nc_hw, warm, us);
          if (r < 0) continue;
          samples* v = &s[(a * 3 + b) * CHOICES + c];
          v->total[r] = 0.0;
          for (size_t i = 0; i < NUM_LAYERS; ++i) {
            v->total[r] += us[i];
            v->layer[i][r] = us[i];
          }
        }
      }
    }
  }
  printf("MobileNet v1 1.0 pointwise layers, 90%% sparse, 1 thread, nc = %s, %s, "
         "median of %d runs%s\n", nc_hw ? "H*W" : "ld (padded)",
         warm ? "warm (each layer run twice, 2nd timed)" : "network order (input in cache)",
         runs, sink == 12345.0f ? " " : "");
  printf("%-7s %-5s %-9s %9s %13s %13s\n", "isa", "block", "tile", "ms", "GFLOP/s nnz",
         "GFLOP/s eff");
  for (int a = 0; a < 2; ++a) {
    const tsp_kernel_table* t = tsp_kernels(isas[a]);
    if (!t) {
      printf("%-7s (not supported by this CPU)\n", tsp_isa_name(isas[a]));
      continue;
    }
    for (int b = 0; b < 3; ++b) {
      double nnz_flops, dense_flops;
      count_flops(&d, b, &nnz_flops, &dense_flops);
      for (int c = 0; c < CHOICES; ++c) {
        samples* v = &s[(a * 3 + b) * CHOICES + c];
        const double ms = median(v->total, runs) * 1e-3;
        char tile[16];
        if (c < TSP_SPMM_TILES) snprintf(tile, sizeof(tile), "%zu", t->spmm_tile[b][c]);
        else snprintf(tile, sizeof(tile), "select");
        printf("%-7s %-5d %-9s %9.3f %13.1f %13.1f\n", tsp_isa_name(isas[a]), 1 << b, tile, ms,
               nnz_flops / ms * 1e-6, dense_flops / ms * 1e-6);
      }
    }
  }
  if (per_layer) {
    printf("\nPer-layer median us by tile (* = fastest, s = selected)\n");
    for (int a = 0; a < 2; ++a) {
      const tsp_kernel_table* t = tsp_kernels(isas[a]);
      if (!t) continue;
      for (int b = 0; b < 3; ++b) {
        printf("%s block %d:\n", tsp_isa_name(isas[a]), 1 << b);
        for (size_t i = 0; i < NUM_LAYERS; ++i) {
          double m[TSP_SPMM_TILES];
          int best = 0;
          const tsp_spmm_fn sel = tsp_spmm_select(t, 1u << b, kPointwiseLayers[i].in);
          for (int c = 0; c < TSP_SPMM_TILES; ++c) {
            m[c] = median(s[(a * 3 + b) * CHOICES + c].layer[i], runs);
            if (m[c] < m[best]) best = c;
          }
          printf("  %4u->%-4u @%5u:", kPointwiseLayers[i].in, kPointwiseLayers[i].out, kPointwiseLayers[i].hw);
          for (int c = 0; c < TSP_SPMM_TILES; ++c) {
            printf("  %3zu: %8.1f%c%c", t->spmm_tile[b][c], m[c], c == best ? '*' : ' ',
                   t->spmm[b][c] == sel ? 's' : ' ');
          }
          printf("\n");
        }
      }
    }
  }
  free(s);
  return 0;
}
