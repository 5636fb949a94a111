/* First convolution (3x3 stride 2, 3 input channels, HWC in, CHW out): the
 * scalar reference against a naive double-precision convolution on the
 * unpacked OHWI weights (which also checks tsp_conv_hwc2chw_pack), every SIMD
 * kernel against the scalar one. Exact-size buffers for ASan; the output
 * stride leaves gaps between planes that must stay untouched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "conv/conv_hwc2chw_pack.h"
#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

static const tsp_conv_hwc2chw_fn kFns[TSP_ISA_COUNT] = {
    [TSP_ISA_SCALAR] = f32_conv_hwc2chw_3x3s2c3__scalar,
#ifdef TSP_TEST_X86
    [TSP_ISA_AVX2] = f32_conv_hwc2chw_3x3s2c3__avx2,
    [TSP_ISA_AVX512] = f32_conv_hwc2chw_3x3s2c3__avx512,
#endif
#ifdef TSP_TEST_NEON
    [TSP_ISA_NEON] = f32_conv_hwc2chw_3x3s2c3__neon,
#endif
};

static const tsp_minmax kClamps[3] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};

typedef struct {
  size_t in_h, in_w, out_h, out_w, pad_top, pad_left, out_channels, gap;
} shape;

static const float kSentinel = -12345.0f; /* marks the gaps between planes */

static float* exact_alloc(size_t n) {
  float* p = malloc((n ? n : 1) * sizeof(float));
  if (p == NULL) abort();
  return p;
}

static void naive(const shape* s, const float* in, const float* w, const float* bias,
                  const tsp_minmax* c, float* out, size_t stride) {
  for (size_t co = 0; co < s->out_channels; ++co) {
    for (size_t oy = 0; oy < s->out_h; ++oy) {
      for (size_t ox = 0; ox < s->out_w; ++ox) {
        double acc = bias ? bias[co] : 0.0;
        for (size_t ky = 0; ky < 3; ++ky) {
          for (size_t kx = 0; kx < 3; ++kx) {
            const long iy = (long)(2 * oy + ky) - (long)s->pad_top;
            const long ix = (long)(2 * ox + kx) - (long)s->pad_left;
            if (iy < 0 || ix < 0 || iy >= (long)s->in_h || ix >= (long)s->in_w) continue;
            for (size_t ci = 0; ci < 3; ++ci) {
              acc += (double)in[(iy * (long)s->in_w + ix) * 3 + (long)ci] *
                     w[((co * 3 + ky) * 3 + kx) * 3 + ci];
            }
          }
        }
        acc = acc < c->min ? c->min : acc;
        out[co * stride + oy * s->out_w + ox] = (float)(acc > c->max ? c->max : acc);
      }
    }
  }
}

static void fill(float* p, size_t n, float v) {
  for (size_t i = 0; i < n; ++i) p[i] = v;
}

/* Output buffer: planes output_stride apart, the gap after each plane holds
 * the sentinel; NaN in the planes so unwritten values fail. */
static void reset_output(const shape* s, float* out, size_t stride, size_t total) {
  fill(out, total, kSentinel);
  for (size_t co = 0; co < s->out_channels; ++co) fill(out + co * stride, s->out_h * s->out_w, NAN);
}

static void check_shape(const shape* s, const tsp_minmax* clamp, int with_bias, tsp_rng* rng) {
  const size_t n_in = s->in_h * s->in_w * 3, plane = s->out_h * s->out_w;
  const size_t stride = plane + s->gap, total = (s->out_channels - 1) * stride + plane;
  float* in = exact_alloc(n_in);
  float* w = exact_alloc(s->out_channels * 27);
  float* bias = exact_alloc(s->out_channels);
  float* packed = exact_alloc(tsp_conv_hwc2chw_packed_size(s->out_channels));
  float* want = exact_alloc(total);
  float* ref = exact_alloc(total);
  float* got = exact_alloc(total);
  for (size_t i = 0; i < n_in; ++i) in[i] = rng_uniform(rng, -1.0f, 1.0f);
  for (size_t i = 0; i < s->out_channels * 27; ++i) w[i] = rng_uniform(rng, -1.0f, 1.0f);
  for (size_t i = 0; i < s->out_channels; ++i) bias[i] = rng_uniform(rng, -1.0f, 1.0f);
  const float* b = with_bias ? bias : NULL;
  tsp_conv_hwc2chw_pack(s->out_channels, w, b, packed);
  fill(want, total, kSentinel);
  naive(s, in, w, b, clamp, want, stride);
  reset_output(s, ref, stride, total);
  kFns[0](s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, s->out_channels, in,
          packed, ref, stride, clamp);
  char what[160];
  snprintf(what, sizeof what, "scalar in %zux%zu out %zux%zu pad %zu,%zu co %zu clamp [%g,%g]",
           s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, s->out_channels,
           clamp->min, clamp->max);
  expect_close(what, ref, want, total, 1e-5f, 1e-4f);
  for (int isa = TSP_ISA_SCALAR + 1; isa < TSP_ISA_COUNT; ++isa) {
    if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)kFns[isa])) continue;
    reset_output(s, got, stride, total);
    kFns[isa](s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, s->out_channels, in,
              packed, got, stride, clamp);
    snprintf(what, sizeof what, "%s in %zux%zu out %zux%zu pad %zu,%zu co %zu clamp [%g,%g]",
             tsp_isa_name((tsp_isa)isa), s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top,
             s->pad_left, s->out_channels, clamp->min, clamp->max);
    expect_close(what, got, ref, total, 1e-5f, 1e-4f);
  }
  free(in);
  free(w);
  free(bias);
  free(packed);
  free(want);
  free(ref);
  free(got);
}

/* Output size along one axis for pad `pad` before and `after` after. */
static size_t out_size(size_t in, size_t pad, size_t after) {
  return in + pad + after >= 3 ? (in + pad + after - 3) / 2 + 1 : 0;
}

int main(void) {
  tsp_rng rng;
  rng_seed(&rng, 7);
  static const size_t channels[] = {1, 3, 8, 15, 16, 17, 32, 40};
  size_t counter = 0;
  for (size_t in_w = 1; in_w <= 70; ++in_w) {
    static const size_t heights[] = {1, 2, 3, 4, 5};
    for (size_t hi = 0; hi < 5; ++hi) {
      const size_t in_h = heights[hi];
      for (size_t pad = 0; pad <= 2; ++pad) {
        const size_t pt = rng_below(&rng, 3), after = rng_below(&rng, 3);
        const size_t oh = out_size(in_h, pt, rng_below(&rng, 3)), ow = out_size(in_w, pad, after);
        if (oh == 0 || ow == 0) continue;
        const shape s = {in_h, in_w, oh, ow, pt, pad, channels[counter % 8], counter % 3};
        check_shape(&s, &kClamps[counter % 3], counter % 4 != 0, &rng);
        ++counter;
      }
    }
  }
  /* MobileNet stem: 224x224x3 -> 112x112x32, TF SAME (pad 0/1) and pad 1/1;
   * and an odd-sized image. */
  for (size_t c = 0; c < 3; ++c) {
    const shape same = {224, 224, 112, 112, 0, 0, 32, 0};
    check_shape(&same, &kClamps[c], 1, &rng);
    const shape sym = {224, 224, 112, 112, 1, 1, 32, 5};
    check_shape(&sym, &kClamps[c], 1, &rng);
    const shape odd = {37, 45, 19, 23, 1, 1, 24, 3};
    check_shape(&odd, &kClamps[c], 1, &rng);
  }
  return test_summary();
}
