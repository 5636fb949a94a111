/* Where unstructured SpMM time goes: MobileNet v1 1.0's 13 pointwise layers
 * at 90% (block 1), one thread, against this core's measured FMA peak.
 *
 * Build: cmake --build build --target spmm_roofline  (or, by hand:
 *   gcc -O3 -std=c11 -Idelegate/kernels benchmarks/spmm_roofline.c \
 *       build/libtsp_kernels.a -lm -o /tmp/spmm_roofline)
 * Run:   spmm_roofline [--isa avx2|avx512|neon] [--runs 30] [--block 1]
 *                      [--shape INxOUT@HW ...]   (default: MobileNet v1's 13 layers)
 *
 * For each layer the selected kernel runs three ways, interleaved in one
 * process, medians:
 *   net   the layer as in the network: 8 MB written elsewhere first (weights
 *         and output out of L1/L2), then its input read, as the depthwise
 *         conv feeding it would have just written it;
 *   warm  the same call again at once: weights and input as cached as they
 *         get;
 *   l1    the same number of non-zeros per output row and the same columns,
 *         but drawn from only ~nnz/0.9 input channels, so the column strip
 *         the kernel re-reads (in x tile floats) fits in L1.
 * warm vs l1 isolates the cost of serving the strip from L2 instead of L1;
 * l1 vs the load-port bound isolates the instruction mix. The bound assumes
 * the kernel issues, per stored non-zero, tile/lanes vector loads + FMAs,
 * one broadcast load and half a diff load, at 2 vector loads and 2 FMAs per
 * cycle (Zen 3/4/5 for 256-bit ops); it prints as a fraction of peak. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "mobilenet_v1_pw_layers.h"
#include "dispatch.h"
#include "kernels.h"

#define MAX_LAYERS 32
#define SPARSITY 0.9
#define MAX_RUNS 1000
enum { NET, WARM, L1, WAYS };

typedef struct {
  tsp_spmm_packed packed[2]; /* [0]: real shape (net, warm); [1]: l1 */
  uint32_t in[2];
  float* input[2];
  float* output;
  size_t ld;
  tsp_spmm_fn fn;
  size_t tile;
} layer_data;

/* Weights out x in with block x 1 tiles kept with probability density. */
static void pack_layer(uint64_t* rng, uint32_t out, uint32_t in, uint32_t block,
                       double density, size_t ld, tsp_spmm_packed* packed) {
  float* w = xalloc((size_t)out * in * sizeof(float));
  float* bias = xalloc(out * sizeof(float));
  for (uint32_t r0 = 0; r0 < out; r0 += block) {
    for (uint32_t ci = 0; ci < in; ++ci) {
      const int keep = rng_unit(rng) < density;
      for (uint32_t r = r0; r < r0 + block && r < out; ++r) {
        w[(size_t)r * in + ci] = keep ? rng_value(rng) : 0.0f;
      }
    }
  }
  for (uint32_t j = 0; j < out; ++j) bias[j] = rng_value(rng);
  if (tsp_spmm_pack(w, bias, out, in, block, ld * sizeof(float), packed) != 0) {
    fprintf(stderr, "pack failed\n");
    exit(1);
  }
  free(w);
  free(bias);
}

static float* make_input(uint64_t* rng, uint32_t in, size_t ld) {
  float* x = xalloc((size_t)in * ld * sizeof(float));
  for (size_t j = 0; j < (size_t)in * ld; ++j) x[j] = rng_value(rng);
  return x;
}

/* The column strip of `in` channels, tile floats each, fits in about half of
 * a 32 KB L1 (the weights stream through the other half). */
static uint32_t l1_channels(uint32_t in, size_t tile, double nnz_per_row) {
  const uint32_t fit = (uint32_t)(16384 / (tile * sizeof(float)));
  uint32_t c = (uint32_t)ceil(nnz_per_row / 0.9);
  if (c > fit) c = fit;
  if (c < 1) c = 1;
  return c < in ? c : in;
}

static float touch(const float* x, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; i += 16) sum += x[i];
  return sum;
}

static double now_us(void) { return now_s() * 1e6; }

/* Before a "net" call: writes 8 MB elsewhere (flushing L1/L2 and much of
 * L3 of the weights and outputs), then reads the input, as the depthwise
 * conv feeding the layer in the network would have just written it. */
static float g_evict[2 << 20];
static void evict(void) {
  for (size_t i = 0; i < sizeof(g_evict) / sizeof(g_evict[0]); i += 16) g_evict[i] += 1.0f;
}

static double run_way(layer_data* d, int way, float* sink) {
  const tsp_minmax clamp = {0.0f, 6.0f};
  const int k = way == L1;
  const size_t stride = d->ld * sizeof(float);
  const tsp_spmm_weights* w = &d->packed[k].view;
  if (way == NET) evict();
  *sink += touch(d->input[k], (size_t)d->in[k] * d->ld);
  if (way != NET) d->fn(d->ld, w, d->input[k], d->output, stride, &clamp);
  const double t0 = now_us();
  d->fn(d->ld, w, d->input[k], d->output, stride, &clamp);
  return now_us() - t0;
}

int main(int argc, char** argv) {
  int runs = 30;
  uint32_t block = 1;
  static pw_layer layers[MAX_LAYERS];
  size_t num_layers = 0;
  tsp_isa isa = tsp_isa_best();
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc && num_layers < MAX_LAYERS) {
      pw_layer* l = &layers[num_layers++];
      if (sscanf(argv[++i], "%ux%u@%u", &l->in, &l->out, &l->hw) != 3 || !l->in || !l->out ||
          !l->hw) {
        fprintf(stderr, "--shape wants INxOUT@SPATIAL, e.g. 512x512@196\n");
        return 2;
      }
    }
    else if (strcmp(argv[i], "--block") == 0 && i + 1 < argc) block = (uint32_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) {
      if (tsp_isa_from_name(argv[++i], &isa) != 0) {
        fprintf(stderr, "unknown --isa %s\n", argv[i]);
        return 2;
      }
    } else {
      fprintf(stderr, "usage: %s [--isa NAME] [--runs N] [--block 1|2|4] [--shape INxOUT@HW]...\n", argv[0]);
      return 2;
    }
  }
  if (runs < 1 || runs > MAX_RUNS) runs = 30;
  const int default_shapes = num_layers == 0;
  if (default_shapes) {
    num_layers = NUM_POINTWISE_LAYERS;
    memcpy(layers, kPointwiseLayers, sizeof(kPointwiseLayers));
  }
  const tsp_kernel_table* t = tsp_kernels(isa);
  if (!t || (block != 1 && block != 2 && block != 4)) {
    fprintf(stderr, "isa %s not supported here, or bad block\n", tsp_isa_name(isa));
    return 2;
  }
  const double peak = tsp_fma_peak_gflops(t);

  uint64_t rng = 0x9E3779B97F4A7C15ull;
  static layer_data d[MAX_LAYERS];
  for (size_t i = 0; i < num_layers; ++i) {
    const pw_layer* l = &layers[i];
    d[i].ld = tsp_chw_ld(l->hw);
    d[i].fn = tsp_spmm_select(t, block, l->in);
    d[i].tile = tsp_spmm_tile_of(t, block, d[i].fn);
    d[i].in[0] = l->in;
    d[i].in[1] = l1_channels(l->in, d[i].tile, (1.0 - SPARSITY) * l->in);
    d[i].output = xalloc((size_t)l->out * d[i].ld * sizeof(float));
    for (int k = 0; k < 2; ++k) {
      const double density = k ? (1.0 - SPARSITY) * l->in / d[i].in[1] : 1.0 - SPARSITY;
      pack_layer(&rng, l->out, d[i].in[k], block, density > 1.0 ? 1.0 : density, d[i].ld,
                 &d[i].packed[k]);
      d[i].input[k] = make_input(&rng, d[i].in[k], d[i].ld);
    }
  }

  static double us[MAX_LAYERS][WAYS][MAX_RUNS];
  float sink = 0.0f;
  for (int r = -2; r < runs; ++r) {
    for (size_t i = 0; i < num_layers; ++i) {
      for (int way = 0; way < WAYS; ++way) {
        const double v = run_way(&d[i], way, &sink);
        if (r >= 0) us[i][way][r] = v;
      }
    }
  }

  printf("SpMM roofline: %s at 90%%, block %u, isa %s, 1 thread, median of %d runs%s\n",
         default_shapes ? "MobileNet v1 1.0 pointwise layers" : "given shapes", block, t->name,
         runs, sink == 12345.0f ? " " : "");
  printf("FMA peak of this core at %s: %.1f GFLOP/s (measured)\n\n", t->name, peak);
  printf("%-17s %4s %7s %8s %5s | %7s %7s %7s | %5s %5s %5s %6s\n", "layer", "tile", "nnz/row",
         "strip KB", "l1 in", "net", "warm", "l1", "net", "warm", "l1", "bound");
  double total[WAYS] = {0}, flops_total = 0.0;
  for (size_t i = 0; i < num_layers; ++i) {
    const pw_layer* l = &layers[i];
    double m[WAYS];
    for (int way = 0; way < WAYS; ++way) {
      m[way] = median(us[i][way], (size_t)runs);
      total[way] += m[way];
    }
    /* FLOPs on stored values over the columns the kernel computes (ld). */
    const double flops[2] = {2.0 * d[i].packed[0].nnz_blocks * block * d[i].ld,
                             2.0 * d[i].packed[1].nnz_blocks * block * d[i].ld};
    flops_total += flops[0];
    const double vecs = (double)d[i].tile / (double)t->lanes;
    const double loads = vecs + block + 0.5, fmas = vecs * block;
    const double bound = fmas / (loads > fmas ? loads : fmas);
    char name[32];
    snprintf(name, sizeof name, "%u->%u @%u", l->in, l->out, l->hw);
    double pct[WAYS];
    for (int way = 0; way < WAYS; ++way) {
      pct[way] = 100.0 * flops[way == L1] / (m[way] * 1e3) / peak;
    }
    printf("%-17s %4zu %7.1f %8.1f %5u | %7.1f %7.1f %7.1f | %4.0f%% %4.0f%% %4.0f%% %5.0f%%\n",
           name, d[i].tile, (double)d[i].packed[0].nnz_blocks / (l->out / block),
           l->in * d[i].tile * 4.0 / 1024.0, d[i].in[1], m[NET], m[WARM], m[L1], pct[NET],
           pct[WARM], pct[L1], 100.0 * bound);
  }
  printf("%-17s %4s %7s %8s %5s | %7.1f %7.1f %7.1f | %4.0f%% %4.0f%%\n", "all", "", "", "",
         "", total[NET], total[WARM], total[L1], 100.0 * flops_total / (total[NET] * 1e3) / peak,
         100.0 * flops_total / (total[WARM] * 1e3) / peak);
  printf("\nus per layer, then GFLOP/s on stored non-zeros as a share of the peak; bound: the "
         "load-port bound of the kernel's instruction mix.\n");
  return 0;
}
