/* The parallel drivers: for every ISA this CPU runs, each driver with 1-5
 * threads gives bit for bit what the kernel gives in one single-threaded
 * call over the whole problem, on awkward shapes (columns not a multiple of
 * the tile, channel counts not a multiple of the block, empty rows, 100%
 * sparse, 1x1 maps, odd planes, both paddings). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels.h"
#include "conv/conv_hwc2chw_pack.h"
#include "parallel.h"
#include "qs8_spmm.h"
#include "test_util.h"
#include "threadpool.h"

#define MAX_THREADS 5

static tsp_threadpool* g_pools[MAX_THREADS + 1];

static void fill(tsp_rng* rng, float* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = rng_uniform(rng, -1.0f, 1.0f);
}

static int same_bits(const char* what, const float* got, const float* want, size_t n) {
  if (memcmp(got, want, n * sizeof(float)) == 0) return 1;
  for (size_t i = 0; i < n; ++i)
    if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      fprintf(stderr, "%s: element %zu differs: %.9g vs %.9g\n", what, i, got[i], want[i]);
      break;
    }
  return 0;
}

/* ------------------------------------------------------------------ SpMM */

static void check_spmm(const tsp_kernel_table* table, uint32_t out_channels, uint32_t in_channels,
                       uint32_t block, double sparsity, size_t spatial, tsp_rng* rng) {
  const size_t ld = tsp_chw_ld(spatial);
  float* weights = test_alloc((size_t)out_channels * in_channels * sizeof(float) + 4);
  float* bias = test_alloc(out_channels * sizeof(float) + 4);
  float* input = test_alloc(in_channels * ld * sizeof(float) + 4);
  float* want = test_alloc(out_channels * ld * sizeof(float) + 4);
  float* got = test_alloc(out_channels * ld * sizeof(float) + 4);
  fill(rng, bias, out_channels);
  fill(rng, input, in_channels * ld);
  for (uint32_t r = 0; r < out_channels; ++r)
    for (uint32_t c = 0; c < in_channels; ++c) {
      const int keep = r % 7 != 3 && rng_uniform(rng, 0.0f, 1.0f) >= sparsity; /* row 3 mod 7 empty */
      weights[(size_t)r * in_channels + c] = keep ? rng_uniform(rng, -1.0f, 1.0f) : 0.0f;
    }
  tsp_spmm_packed packed;
  if (tsp_spmm_pack(weights, bias, out_channels, in_channels, block, ld * sizeof(float), &packed)) {
    fprintf(stderr, "pack failed\n");
    test_record(0);
    return;
  }
  const tsp_minmax clamp = {0.0f, 6.0f};
  const uint32_t bi = block == 4 ? 2 : block == 2 ? 1 : 0;
  for (int t = 0; t < TSP_SPMM_TILES; ++t) {
    const tsp_spmm_fn kernel = table->spmm[bi][t];
    const size_t tile = table->spmm_tile[bi][t];
    kernel(ld, &packed.view, input, want, ld * sizeof(float), &clamp);
    const uint32_t groups = packed.view.full_groups + packed.view.tail_rows;
    const size_t counts[] = {tsp_spmm_parts_for(ld, tile, groups), 1, 3, groups + 2};
    for (size_t pc = 0; pc < sizeof(counts) / sizeof(counts[0]); ++pc) {
      tsp_spmm_parts parts;
      if (tsp_spmm_parts_make(&packed, counts[pc], &parts)) abort();
      for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
        memset(got, 0xff, out_channels * ld * sizeof(float));
        tsp_parallel_spmm(g_pools[threads], kernel, tile, &parts, ld, input, got,
                          ld * sizeof(float), &clamp, NULL);
        char what[160];
        snprintf(what, sizeof(what), "%s spmm %ux%u b%u tile %zu spatial %zu parts %zu threads %zu",
                 table->name, out_channels, in_channels, block, tile, spatial, parts.count, threads);
        test_record(same_bits(what, got, want, out_channels * ld));
      }
      tsp_spmm_parts_release(&parts);
    }
  }
  tsp_spmm_release(&packed);
  test_free(weights);
  test_free(bias);
  test_free(input);
  test_free(want);
  test_free(got);
}

static void test_spmm(const tsp_kernel_table* table, tsp_rng* rng) {
  static const struct { uint32_t out, in, block; double sparsity; size_t spatial; } cases[] = {
      {64, 32, 4, 0.9, 3136},  {30, 17, 4, 0.8, 196}, {33, 20, 2, 0.7, 49}, {13, 9, 1, 0.5, 1},
      {96, 64, 1, 0.9, 49},    {8, 8, 4, 1.0, 100},   {5, 3, 2, 0.0, 17},   {1, 1, 1, 0.0, 1},
      {1024, 64, 4, 0.95, 49}, {40, 24, 1, 0.85, 225},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
    check_spmm(table, cases[i].out, cases[i].in, cases[i].block, cases[i].sparsity,
               cases[i].spatial, rng);
}

/* ------------------------------------------------------------- depthwise */

static void check_dwconv(const tsp_kernel_table* table, int k, int stride, size_t channels,
                         size_t in_h, size_t in_w, tsp_rng* rng) {
  const tsp_dwconv2d_chw_fn kernel = k == 3 ? (stride == 1 ? table->dwconv3x3s1 : table->dwconv3x3s2)
                                            : (stride == 1 ? table->dwconv5x5s1 : table->dwconv5x5s2);
  const size_t pad_total = (size_t)(k - 1);
  const size_t out_h = (in_h + pad_total - (size_t)k) / (size_t)stride + 1;
  const size_t out_w = (in_w + pad_total - (size_t)k) / (size_t)stride + 1;
  const size_t pad = stride == 1 ? pad_total / 2 : (pad_total - 1) / 2; /* TF SAME */
  const size_t in_stride = tsp_chw_ld(in_h * in_w), out_stride = tsp_chw_ld(out_h * out_w);
  const size_t wpc = (size_t)(k * k + 1);
  float* input = test_alloc(channels * in_stride * sizeof(float));
  float* weights = test_alloc(channels * wpc * sizeof(float));
  float* want = test_alloc(channels * out_stride * sizeof(float));
  float* got = test_alloc(channels * out_stride * sizeof(float));
  fill(rng, input, channels * in_stride);
  fill(rng, weights, channels * wpc);
  const tsp_minmax clamp = {-INFINITY, INFINITY};
  memset(want, 0, channels * out_stride * sizeof(float));
  kernel(channels, in_h, in_w, out_h, out_w, pad, pad, input, in_stride, weights, want,
         out_stride, &clamp);
  for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
    memset(got, 0, channels * out_stride * sizeof(float));
    tsp_parallel_dwconv(g_pools[threads], kernel, (size_t)k, channels, in_h, in_w, out_h, out_w,
                        pad, pad, input, in_stride, weights, got, out_stride, &clamp, NULL);
    char what[160];
    snprintf(what, sizeof(what), "%s dwconv %dx%ds%d c%zu %zux%zu threads %zu", table->name, k, k,
             stride, channels, in_h, in_w, threads);
    test_record(same_bits(what, got, want, channels * out_stride));
  }
  test_free(input);
  test_free(weights);
  test_free(want);
  test_free(got);
}

static void test_dwconv(const tsp_kernel_table* table, tsp_rng* rng) {
  static const struct { size_t c, h, w; } shapes[] = {
      {32, 112, 112}, {37, 14, 14}, {200, 7, 7}, {3, 9, 13}, {1, 1, 1}, {64, 28, 28}, {17, 5, 31},
      {5, 9, 11},     {3, 17, 8},   {600, 8, 8},
  };
  for (int k = 3; k <= 5; k += 2)
    for (int stride = 1; stride <= 2; ++stride)
      for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); ++i)
        check_dwconv(table, k, stride, shapes[i].c, shapes[i].h, shapes[i].w, rng);
}

/* ------------------------------------------------------------ first conv */

static void check_conv(const tsp_kernel_table* table, size_t in_h, size_t in_w, size_t pad_top,
                       size_t out_channels, tsp_rng* rng) {
  const size_t out_h = (in_h + 1) / 2, out_w = (in_w + 1) / 2; /* TF SAME, stride 2 */
  const size_t pad_left = pad_top;
  const size_t out_stride = tsp_chw_ld(out_h * out_w);
  float* input = test_alloc(in_h * in_w * 3 * sizeof(float));
  float* weights = test_alloc(out_channels * 27 * sizeof(float));
  float* bias = test_alloc(out_channels * sizeof(float));
  float* packed = test_alloc(tsp_conv_hwc2chw_packed_size(out_channels) * sizeof(float));
  float* want = test_alloc(out_channels * out_stride * sizeof(float));
  float* got = test_alloc(out_channels * out_stride * sizeof(float));
  fill(rng, input, in_h * in_w * 3);
  fill(rng, weights, out_channels * 27);
  fill(rng, bias, out_channels);
  tsp_conv_hwc2chw_pack(out_channels, weights, bias, packed);
  const tsp_minmax clamp = {0.0f, 6.0f};
  memset(want, 0, out_channels * out_stride * sizeof(float));
  table->conv3x3s2c3(in_h, in_w, out_h, out_w, pad_top, pad_left, out_channels, input, packed,
                     want, out_stride, &clamp);
  for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
    memset(got, 0, out_channels * out_stride * sizeof(float));
    tsp_parallel_conv_hwc2chw(g_pools[threads], table->conv3x3s2c3, in_h, in_w, out_h, out_w,
                              pad_top, pad_left, out_channels, input, packed, got, out_stride,
                              &clamp);
    char what[160];
    snprintf(what, sizeof(what), "%s conv %zux%zu pad %zu co %zu threads %zu", table->name, in_h,
             in_w, pad_top, out_channels, threads);
    test_record(same_bits(what, got, want, out_channels * out_stride));
  }
  test_free(input);
  test_free(weights);
  test_free(bias);
  test_free(packed);
  test_free(want);
  test_free(got);
}

static void test_conv(const tsp_kernel_table* table, tsp_rng* rng) {
  check_conv(table, 224, 224, 0, 32, rng);
  check_conv(table, 193, 161, 1, 24, rng);
  check_conv(table, 33, 17, 0, 16, rng);
  check_conv(table, 3, 3, 1, 5, rng);
}

/* --------------------------------------------------------------- pooling */

static void test_gavgpool(const tsp_kernel_table* table, tsp_rng* rng) {
  static const struct { size_t spatial, channels; } cases[] = {{49, 1280}, {1, 7}, {3136, 33}, {17, 1}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    const size_t ld = tsp_chw_ld(cases[i].spatial), channels = cases[i].channels;
    float* input = test_alloc(channels * ld * sizeof(float));
    float* want = test_alloc(channels * sizeof(float));
    float* got = test_alloc(channels * sizeof(float));
    fill(rng, input, channels * ld);
    table->gavgpool(cases[i].spatial, channels, input, ld, want);
    for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
      tsp_parallel_gavgpool(g_pools[threads], table->gavgpool, cases[i].spatial, channels, input,
                            ld, got);
      test_record(same_bits("gavgpool", got, want, channels));
    }
    test_free(input);
    test_free(want);
    test_free(got);
  }
}

/* ------------------------------------------- fused post op, element-wise */

/* SpMM then swish on the whole output == SpMM with swish fused per piece;
 * depthwise likewise. */
static void test_post(const tsp_kernel_table* table, tsp_rng* rng) {
  const tsp_minmax none = {-INFINITY, INFINITY};
  const uint32_t out_channels = 45, in_channels = 24;
  const size_t spatial = 196, ld = tsp_chw_ld(spatial);
  float* weights = test_alloc((size_t)out_channels * in_channels * sizeof(float));
  float* input = test_alloc(in_channels * ld * sizeof(float));
  float* want = test_alloc(out_channels * ld * sizeof(float));
  float* got = test_alloc(out_channels * ld * sizeof(float));
  fill(rng, input, in_channels * ld);
  for (size_t i = 0; i < (size_t)out_channels * in_channels; ++i)
    weights[i] = rng_uniform(rng, 0.0f, 1.0f) < 0.8f ? 0.0f : rng_uniform(rng, -1.0f, 1.0f);
  tsp_spmm_packed packed;
  tsp_spmm_parts parts;
  if (tsp_spmm_pack(weights, NULL, out_channels, in_channels, 2, ld * sizeof(float), &packed) ||
      tsp_spmm_parts_make(&packed, 4, &parts))
    abort();
  table->spmm[1][0](ld, &packed.view, input, want, ld * sizeof(float), &none);
  table->vswish(out_channels * ld, want, want, &none);
  for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
    tsp_parallel_spmm(g_pools[threads], table->spmm[1][0], table->spmm_tile[1][0], &parts, ld, input,
                      got, ld * sizeof(float), &none, table->vswish);
    test_record(same_bits("spmm + swish", got, want, out_channels * ld));
  }
  tsp_spmm_parts_release(&parts);
  tsp_spmm_release(&packed);

  const size_t channels = 40, h = 14, w = 14, plane = tsp_chw_ld(h * w);
  float* dw_weights = test_alloc(channels * 10 * sizeof(float));
  float* dw_input = test_alloc(channels * plane * sizeof(float));
  fill(rng, dw_weights, channels * 10);
  fill(rng, dw_input, channels * plane);
  memset(want, 0, channels * plane * sizeof(float));
  table->dwconv3x3s1(channels, h, w, h, w, 1, 1, dw_input, plane, dw_weights, want, plane, &none);
  for (size_t c = 0; c < channels; ++c) table->vhswish(h * w, want + c * plane, want + c * plane, &none);
  for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
    memset(got, 0, channels * plane * sizeof(float));
    tsp_parallel_dwconv(g_pools[threads], table->dwconv3x3s1, 3, channels, h, w, h, w, 1, 1, dw_input,
                        plane, dw_weights, got, plane, &none, table->vhswish);
    test_record(same_bits("dwconv + hard swish", got, want, channels * plane));
  }
  test_free(dw_weights);
  test_free(dw_input);
  test_free(weights);
  test_free(input);
  test_free(want);
  test_free(got);
}

static void test_elementwise(const tsp_kernel_table* table, tsp_rng* rng) {
  static const size_t sizes[] = {0, 1, 63, 64, 1000, 16384 * 3 + 17, 200704};
  const tsp_minmax relu6 = {0.0f, 6.0f};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); ++i) {
    const size_t n = sizes[i];
    float* a = test_alloc(n * sizeof(float) + 4);
    float* b = test_alloc(n * sizeof(float) + 4);
    float* want = test_alloc(n * sizeof(float) + 4);
    float* got = test_alloc(n * sizeof(float) + 4);
    fill(rng, a, n);
    fill(rng, b, n);
    table->vadd(n, a, b, want, &relu6);
    for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
      tsp_parallel_vbinary(g_pools[threads], table->vadd, n, a, b, got, &relu6);
      test_record(same_bits("vadd", got, want, n));
    }
    table->vsigmoid(n, a, want, &relu6);
    for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
      tsp_parallel_vunary(g_pools[threads], table->vsigmoid, n, a, got, &relu6);
      test_record(same_bits("vsigmoid", got, want, n));
    }
    test_free(a);
    test_free(b);
    test_free(want);
    test_free(got);
  }
  const size_t channels = 96, ld = tsp_chw_ld(28 * 28);
  float* x = test_alloc(channels * ld * sizeof(float));
  float* scale = test_alloc(channels * sizeof(float));
  float* want = test_alloc(channels * ld * sizeof(float));
  float* got = test_alloc(channels * ld * sizeof(float));
  fill(rng, x, channels * ld);
  fill(rng, scale, channels);
  table->vmulc_chw(channels, ld, x, ld, scale, want, &relu6);
  for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
    tsp_parallel_vmulc_chw(g_pools[threads], table->vmulc_chw, channels, ld, x, ld, scale, got, &relu6);
    test_record(same_bits("vmulc_chw", got, want, channels * ld));
  }
  test_free(x);
  test_free(scale);
  test_free(want);
  test_free(got);
}

/* ------------------------------------------------------------- int8 SpMM */

/* Int8 SpMM through its parallel driver, with the shape's own part count and
 * others (1, 3, more than there are groups), against one whole call. Rows
 * cover negative and positive shifts and a zero multiplier; the sparsities
 * include 100% (no stored block) and empty rows. */
static void check_qs8_spmm(const tsp_kernel_table* table, tsp_rng* rng, uint32_t out_channels,
                           uint32_t in_channels, uint32_t block, float sparsity, size_t nc) {
  const size_t b = block == 4 ? 2 : block == 2 ? 1 : 0;
  const tsp_qs8_spmm_fn kernel = table->qs8_spmm[b];
  if (!kernel) return;
  const size_t tile = table->qs8_spmm_tile[b];
  int8_t* weights = test_alloc((size_t)out_channels * in_channels);
  int32_t* bias = test_alloc(out_channels * sizeof(int32_t));
  int32_t* mult = test_alloc(out_channels * sizeof(int32_t));
  int32_t* shift = test_alloc(out_channels * sizeof(int32_t));
  for (uint32_t r = 0; r < out_channels; ++r) {
    const int empty_row = r % 7 == 3;
    for (uint32_t k = 0; k < in_channels; ++k) {
      const int keep = !empty_row && rng_uniform(rng, 0.0f, 1.0f) >= sparsity;
      weights[(size_t)r * in_channels + k] = keep ? (int8_t)((int)rng_below(rng, 255) - 127) : 0;
    }
    bias[r] = (int32_t)rng_below(rng, 20001) - 10000;
    mult[r] = r % 11 == 5 ? 0 : (int32_t)(0x40000000u + rng_below(rng, 0x3fffffffu));
    shift[r] = (int32_t)rng_below(rng, 12) - 9; /* -9 .. 2 */
  }
  const size_t ld = nc + 5; /* rows not a multiple of anything */
  int8_t* input = test_alloc(in_channels * ld);
  int8_t* want = test_alloc(out_channels * ld);
  int8_t* got = test_alloc(out_channels * ld);
  for (size_t i = 0; i < in_channels * ld; ++i) input[i] = (int8_t)((int)rng_below(rng, 256) - 128);
  tsp_qs8_spmm_packed packed;
  if (tsp_qs8_spmm_pack(weights, bias, mult, shift, -3, out_channels, in_channels, block, ld,
                        &packed))
    abort();
  const tsp_qs8_output q = {.zero_point = 5, .min = -100, .max = 127};
  memset(want, 0x55, out_channels * ld);
  kernel(nc, &packed.view, input, want, ld, &q);
  const uint32_t groups = packed.view.full_groups + packed.view.tail_rows;
  const size_t counts[] = {tsp_spmm_parts_for(nc, tile, groups), 1, 3, groups + 2};
  for (size_t pc = 0; pc < sizeof(counts) / sizeof(counts[0]); ++pc) {
    tsp_qs8_spmm_parts parts;
    if (tsp_qs8_spmm_parts_make(&packed, counts[pc], &parts)) abort();
    for (size_t threads = 1; threads <= MAX_THREADS; ++threads) {
      memset(got, 0x55, out_channels * ld);
      tsp_parallel_qs8_spmm(g_pools[threads], kernel, tile, &parts, nc, input, got, ld, &q);
      int same = memcmp(got, want, out_channels * ld) == 0;
      if (!same) {
        fprintf(stderr, "%s qs8 spmm %ux%u b%u tile %zu spatial %zu parts %zu threads %zu differs\n",
                table->name, out_channels, in_channels, block, tile, nc, parts.count, threads);
      }
      test_record(same);
    }
    tsp_qs8_spmm_parts_release(&parts);
  }
  tsp_qs8_spmm_release(&packed);
  test_free(weights);
  test_free(bias);
  test_free(mult);
  test_free(shift);
  test_free(input);
  test_free(want);
  test_free(got);
}

static void test_qs8_spmm(const tsp_kernel_table* table, tsp_rng* rng) {
  static const struct {
    uint32_t out, in, block;
    float sparsity;
    size_t nc;
  } cases[] = {
      {64, 48, 4, 0.9f, 49},   /* 7x7: one tile, rows split */
      {66, 40, 4, 0.8f, 196},  /* 14x14, a tail of 2 rows */
      {37, 29, 2, 0.7f, 7},    /* a 1-row tail, few columns */
      {33, 64, 1, 0.95f, 300}, /* several tiles and a remainder */
      {24, 16, 4, 1.0f, 49},   /* 100% sparse: no stored block */
      {16, 8, 1, 0.5f, 1},     /* a 1x1 map */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
    check_qs8_spmm(table, rng, cases[i].out, cases[i].in, cases[i].block, cases[i].sparsity,
                   cases[i].nc);
}

int main(void) {
  for (size_t t = 1; t <= MAX_THREADS; ++t) {
    g_pools[t] = tsp_threadpool_create(t);
    if (!g_pools[t]) abort();
  }
  tsp_rng rng;
  rng_seed(&rng, 42);
  for (int isa = 0; isa < TSP_ISA_COUNT; ++isa) {
    if (!tsp_isa_supported((tsp_isa)isa)) continue;
    const tsp_kernel_table* table = tsp_kernels((tsp_isa)isa);
    test_spmm(table, &rng);
    test_qs8_spmm(table, &rng);
    test_dwconv(table, &rng);
    test_conv(table, &rng);
    test_gavgpool(table, &rng);
    test_post(table, &rng);
    test_elementwise(table, &rng);
  }
  for (size_t t = 1; t <= MAX_THREADS; ++t) tsp_threadpool_destroy(g_pools[t]);
  return test_summary();
}
