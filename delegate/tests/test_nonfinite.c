/* NaN and infinity in, NaN and infinity out: every SIMD kernel of every
 * supported ISA gives what the scalar reference gives when inputs, weights or
 * biases hold NaN, +Inf or -Inf, under each fused clamp (none, ReLU, ReLU6).
 *
 * The trap this guards: x86 max/min return their second operand when either
 * operand is NaN, so min(max(acc, lo), hi) turns a NaN accumulator into lo.
 * Stock TFLite and our scalar kernels keep the NaN; a model fed a NaN would
 * give finite logits with the delegate and NaN without it. The kernels are
 * reached through the dispatch tables, so a kernel added to a table is
 * covered here without editing this file.
 *
 * One case is compared only away from the borders: a non-finite weight of a
 * tap that falls on zero padding. The SIMD kernels multiply padding zeros by
 * the weight (NaN, as XNNPACK gives); the reference skips the tap (finite, as
 * TFLite's reference kernels give). Such a weight makes every interior output
 * of its channel non-finite, so the model's result is NaN either way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv_hwc2chw_pack.h"
#include "dispatch.h"
#include "kernels.h"
#include "test_util.h"

static const tsp_minmax kClamps[3] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};
static const char* const kClampNames[3] = {"none", "relu", "relu6"};

/* Small finite values (no overflow, whatever the summation order), with
 * about one value in `one_in` replaced by NaN, +Inf or -Inf. */
static void fill(tsp_rng* rng, float* x, size_t n, uint32_t one_in) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng_uniform(rng, -2.0f, 2.0f);
    if (rng_below(rng, one_in) == 0) {
      const uint32_t kind = rng_below(rng, 3);
      x[i] = kind == 0 ? NAN : kind == 1 ? INFINITY : -INFINITY;
    }
  }
}

static float* buffer(size_t n) { return test_alloc((n ? n : 1) * sizeof(float)); }

static int count_nan(const float* x, size_t n) {
  int k = 0;
  for (size_t i = 0; i < n; ++i) k += isnan(x[i]) != 0;
  return k;
}

/* Each case must actually carry NaN to the output, else it proves nothing. */
static void expect_some_nan(const char* what, const float* ref, size_t n) {
  const int ok = count_nan(ref, n) > 0;
  if (!ok) fprintf(stderr, "%s: the scalar output holds no NaN; the case tests nothing\n", what);
  test_record(ok);
}

static void test_spmm(const tsp_kernel_table* simd, tsp_rng* rng) {
  static const uint32_t blocks[3] = {1, 2, 4};
  const uint32_t out = 12, in = 19;
  const size_t nc = 71; /* not a multiple of any tile */
  float* w = buffer((size_t)out * in);
  float* bias = buffer(out);
  float* x = buffer((size_t)in * nc);
  float* ref = buffer((size_t)out * nc);
  float* got = buffer((size_t)out * nc);
  for (int b = 0; b < 3; ++b) {
    for (int c = 0; c < 3; ++c) {
      fill(rng, w, (size_t)out * in, 23);
      for (size_t i = 0; i < (size_t)out * in; ++i) {
        if (rng_below(rng, 3) == 0) w[i] = 0.0f; /* some sparsity */
      }
      fill(rng, bias, out, 7);
      fill(rng, x, (size_t)in * nc, 97);
      tsp_spmm_packed p;
      if (tsp_spmm_pack(w, bias, out, in, blocks[b], nc * sizeof(float), &p) != 0) {
        EXPECT(!"tsp_spmm_pack failed");
        continue;
      }
      char what[128];
      f32_spmm__scalar(nc, &p.view, x, ref, nc * sizeof(float), &kClamps[c]);
      snprintf(what, sizeof what, "spmm block %u clamp %s", blocks[b], kClampNames[c]);
      expect_some_nan(what, ref, (size_t)out * nc);
      for (int t = 0; t < TSP_SPMM_TILES; ++t) {
        for (size_t i = 0; i < (size_t)out * nc; ++i) got[i] = -7.0f;
        simd->spmm[b][t](nc, &p.view, x, got, nc * sizeof(float), &kClamps[c]);
        snprintf(what, sizeof what, "%s spmm block %u tile %zu clamp %s", simd->name, blocks[b],
                 simd->spmm_tile[b][t], kClampNames[c]);
        expect_close(what, got, ref, (size_t)out * nc, 1e-5f, 1e-4f);
      }
      tsp_spmm_release(&p);
    }
  }
  test_free(got);
  test_free(ref);
  test_free(x);
  test_free(bias);
  test_free(w);
}

/* Outputs whose k x k window (stride s, padding pt/pl) lies inside the
 * in_h x in_w image; the rest of got is overwritten with ref. */
static void keep_interior(float* got, const float* ref, size_t channels, size_t stride,
                          size_t out_h, size_t out_w, size_t k, size_t s, size_t pt, size_t pl,
                          size_t in_h, size_t in_w) {
  for (size_t c = 0; c < channels; ++c) {
    for (size_t oy = 0; oy < out_h; ++oy) {
      for (size_t ox = 0; ox < out_w; ++ox) {
        const int inside = oy * s >= pt && oy * s - pt + k <= in_h && ox * s >= pl &&
                           ox * s - pl + k <= in_w;
        const size_t i = c * stride + oy * out_w + ox;
        if (!inside) got[i] = ref[i];
      }
    }
  }
}

static void test_dwconv(const tsp_kernel_table* scalar, const tsp_kernel_table* simd,
                        tsp_rng* rng) {
  const struct {
    const char* name;
    size_t k, stride;
    tsp_dwconv2d_chw_fn ref, fn;
  } kinds[4] = {
      {"dwconv3x3s1", 3, 1, scalar->dwconv3x3s1, simd->dwconv3x3s1},
      {"dwconv3x3s2", 3, 2, scalar->dwconv3x3s2, simd->dwconv3x3s2},
      {"dwconv5x5s1", 5, 1, scalar->dwconv5x5s1, simd->dwconv5x5s1},
      {"dwconv5x5s2", 5, 2, scalar->dwconv5x5s2, simd->dwconv5x5s2},
  };
  const size_t channels = 5, in_h = 13, in_w = 37;
  const size_t in_stride = tsp_chw_ld(in_h * in_w);
  for (int kind = 0; kind < 4; ++kind) {
    const size_t k = kinds[kind].k, s = kinds[kind].stride, pad = k / 2;
    const size_t out_h = (in_h + 2 * pad - k) / s + 1, out_w = (in_w + 2 * pad - k) / s + 1;
    const size_t out_stride = tsp_chw_ld(out_h * out_w), taps = 1 + k * k;
    float* x = buffer(channels * in_stride);
    float* w = buffer(channels * taps);
    float* ref = buffer(channels * out_stride);
    float* got = buffer(channels * out_stride);
    for (int mode = 0; mode < 6; ++mode) { /* clamp = mode % 3; weights non-finite from 3 */
      const int c = mode % 3, weights_nonfinite = mode >= 3;
      fill(rng, x, channels * in_stride, 1u << 30); /* finite gaps between planes */
      for (size_t ch = 0; ch < channels; ++ch) fill(rng, x + ch * in_stride, in_h * in_w, 131);
      fill(rng, w, channels * taps, weights_nonfinite ? 41 : 1u << 30);
      for (size_t ch = 0; ch < channels; ++ch) {
        if (rng_below(rng, 3) == 0) w[ch * taps] = NAN; /* the bias */
      }
      char what[128];
      kinds[kind].ref(channels, in_h, in_w, out_h, out_w, pad, pad, x, in_stride, w, ref,
                      out_stride, &kClamps[c]);
      snprintf(what, sizeof what, "%s clamp %s", kinds[kind].name, kClampNames[c]);
      expect_some_nan(what, ref, channels * out_stride);
      memcpy(got, ref, channels * out_stride * sizeof(float)); /* the gaps between planes */
      for (size_t ch = 0; ch < channels; ++ch) {
        for (size_t i = 0; i < out_h * out_w; ++i) got[ch * out_stride + i] = -7.0f;
      }
      kinds[kind].fn(channels, in_h, in_w, out_h, out_w, pad, pad, x, in_stride, w, got,
                     out_stride, &kClamps[c]);
      if (weights_nonfinite) {
        keep_interior(got, ref, channels, out_stride, out_h, out_w, k, s, pad, pad, in_h, in_w);
      }
      snprintf(what, sizeof what, "%s %s clamp %s%s", simd->name, kinds[kind].name,
               kClampNames[c], weights_nonfinite ? " (non-finite weights, interior)" : "");
      expect_close(what, got, ref, channels * out_stride, 1e-5f, 1e-4f);
    }
    test_free(got);
    test_free(ref);
    test_free(w);
    test_free(x);
  }
}

static void test_first_conv(const tsp_kernel_table* scalar, const tsp_kernel_table* simd,
                            tsp_rng* rng) {
  const size_t in_h = 17, in_w = 23, out_h = 9, out_w = 12, co = 21; /* pad 1, 1 */
  const size_t stride = tsp_chw_ld(out_h * out_w);
  float* x = buffer(in_h * in_w * 3);
  float* w = buffer(co * 27);
  float* bias = buffer(co);
  float* packed = buffer(tsp_conv_hwc2chw_packed_size(co));
  float* ref = buffer(co * stride);
  float* got = buffer(co * stride);
  for (int mode = 0; mode < 6; ++mode) { /* clamp = mode % 3; weights non-finite from 3 */
    const int c = mode % 3, weights_nonfinite = mode >= 3;
    fill(rng, x, in_h * in_w * 3, 89);
    fill(rng, w, co * 27, weights_nonfinite ? 53 : 1u << 30);
    fill(rng, bias, co, 11);
    tsp_conv_hwc2chw_pack(co, w, bias, packed);
    for (size_t i = 0; i < co * stride; ++i) ref[i] = got[i] = -7.0f;
    scalar->conv3x3s2c3(in_h, in_w, out_h, out_w, 1, 1, co, x, packed, ref, stride, &kClamps[c]);
    char what[128];
    snprintf(what, sizeof what, "conv3x3s2c3 clamp %s", kClampNames[c]);
    expect_some_nan(what, ref, co * stride);
    simd->conv3x3s2c3(in_h, in_w, out_h, out_w, 1, 1, co, x, packed, got, stride, &kClamps[c]);
    if (weights_nonfinite) keep_interior(got, ref, co, stride, out_h, out_w, 3, 2, 1, 1, in_h, in_w);
    snprintf(what, sizeof what, "%s conv3x3s2c3 clamp %s%s", simd->name, kClampNames[c],
             weights_nonfinite ? " (non-finite weights, interior)" : "");
    expect_close(what, got, ref, co * stride, 1e-5f, 1e-4f);
  }
  test_free(got);
  test_free(ref);
  test_free(packed);
  test_free(bias);
  test_free(w);
  test_free(x);
}

static void test_gavgpool(const tsp_kernel_table* scalar, const tsp_kernel_table* simd,
                          tsp_rng* rng) {
  const size_t spatial = 49, channels = 37, ld = tsp_chw_ld(spatial);
  float* x = buffer(channels * ld);
  float* ref = buffer(channels);
  float* got = buffer(channels);
  fill(rng, x, channels * ld, 211);
  scalar->gavgpool(spatial, channels, x, ld, ref);
  expect_some_nan("gavgpool", ref, channels);
  simd->gavgpool(spatial, channels, x, ld, got);
  char what[64];
  snprintf(what, sizeof what, "%s gavgpool", simd->name);
  expect_close(what, got, ref, channels, 1e-5f, 1e-4f);
  test_free(got);
  test_free(ref);
  test_free(x);
}

static void test_elementwise(const tsp_kernel_table* scalar, const tsp_kernel_table* simd,
                             tsp_rng* rng) {
  const size_t n = 203; /* not a multiple of any vector width */
  float* a = buffer(n);
  float* b = buffer(n);
  float* ref = buffer(n);
  float* got = buffer(n);
  const struct {
    const char* name;
    tsp_vunary_fn ref, fn;
  } unary[4] = {
      {"vclamp", scalar->vclamp, simd->vclamp},
      {"vsigmoid", scalar->vsigmoid, simd->vsigmoid},
      {"vswish", scalar->vswish, simd->vswish},
      {"vhswish", scalar->vhswish, simd->vhswish},
  };
  char what[96];
  for (int u = 0; u < 4; ++u) {
    for (int c = 0; c < 3; ++c) {
      fill(rng, a, n, 9);
      unary[u].ref(n, a, ref, &kClamps[c]);
      snprintf(what, sizeof what, "%s clamp %s", unary[u].name, kClampNames[c]);
      expect_some_nan(what, ref, n);
      unary[u].fn(n, a, got, &kClamps[c]);
      snprintf(what, sizeof what, "%s %s clamp %s", simd->name, unary[u].name, kClampNames[c]);
      expect_close(what, got, ref, n, 1e-5f, 1e-5f);
    }
  }
  const struct {
    const char* name;
    tsp_vbinary_fn ref, fn;
  } binary[2] = {{"vadd", scalar->vadd, simd->vadd}, {"vmul", scalar->vmul, simd->vmul}};
  for (int v = 0; v < 2; ++v) {
    for (int c = 0; c < 3; ++c) {
      fill(rng, a, n, 9);
      fill(rng, b, n, 9);
      binary[v].ref(n, a, b, ref, &kClamps[c]);
      snprintf(what, sizeof what, "%s clamp %s", binary[v].name, kClampNames[c]);
      expect_some_nan(what, ref, n);
      binary[v].fn(n, a, b, got, &kClamps[c]);
      snprintf(what, sizeof what, "%s %s clamp %s", simd->name, binary[v].name, kClampNames[c]);
      expect_close(what, got, ref, n, 1e-6f, 0.0f);
    }
  }
  /* Per-channel scale of squeeze-excitation: NaN in the plane or the scale. */
  const size_t channels = 7, plane = 29, stride = tsp_chw_ld(plane);
  float* x = buffer(channels * stride);
  float* y_ref = buffer(channels * stride);
  float* y_got = buffer(channels * stride);
  for (int c = 0; c < 3; ++c) {
    fill(rng, x, channels * stride, 37);
    fill(rng, b, channels, 4);
    for (size_t i = 0; i < channels * stride; ++i) y_ref[i] = y_got[i] = -7.0f;
    scalar->vmulc_chw(channels, plane, x, stride, b, y_ref, &kClamps[c]);
    snprintf(what, sizeof what, "vmulc_chw clamp %s", kClampNames[c]);
    expect_some_nan(what, y_ref, channels * stride);
    simd->vmulc_chw(channels, plane, x, stride, b, y_got, &kClamps[c]);
    snprintf(what, sizeof what, "%s vmulc_chw clamp %s", simd->name, kClampNames[c]);
    expect_close(what, y_got, y_ref, channels * stride, 1e-6f, 0.0f);
  }
  test_free(y_got);
  test_free(y_ref);
  test_free(x);
  test_free(got);
  test_free(ref);
  test_free(b);
  test_free(a);
}

int main(void) {
  const tsp_kernel_table* scalar = tsp_kernels(TSP_ISA_SCALAR);
  int simd_isas = 0;
  for (int isa = TSP_ISA_SCALAR + 1; isa < TSP_ISA_COUNT; ++isa) {
    const tsp_kernel_table* simd = tsp_kernels((tsp_isa)isa);
    if (simd == NULL) continue;
    ++simd_isas;
    tsp_rng rng;
    rng_seed(&rng, 11 + (uint64_t)isa);
    test_spmm(simd, &rng);
    test_dwconv(scalar, simd, &rng);
    if (simd->conv3x3s2c3 != NULL) test_first_conv(scalar, simd, &rng);
    test_gavgpool(scalar, simd, &rng);
    test_elementwise(scalar, simd, &rng);
  }
  if (simd_isas == 0) fprintf(stderr, "note: no SIMD ISA on this CPU; nothing compared\n");
  return test_summary();
}
