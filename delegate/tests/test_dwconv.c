/* Depthwise CHW convolution: the scalar reference against a naive
 * double-precision direct convolution, every SIMD kernel against the scalar
 * one, on awkward shapes, all pads 0..2, TF SAME/VALID/explicit output sizes,
 * the three clamps, 1..23 channels per call and channel strides that are
 * exact, 16-rounded or random. Buffers are exact-size mallocs so ASan catches
 * any access past the last plane; outputs start as NaN so unwritten values
 * fail, output gaps hold a sentinel that must survive, input gaps hold huge
 * values so reading them shows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

typedef struct {
  const char* name;
  size_t k, stride;
  tsp_dwconv2d_chw_fn fn[TSP_ISA_COUNT];
} kernel_set;

/* Per-ISA entries; ISAs this build does not link stay NULL. */
#if defined(TSP_TEST_X86)
#define FNS(k)                                                                       \
  {[TSP_ISA_SCALAR] = f32_dwconv2d_chw_##k##__scalar,                                \
   [TSP_ISA_AVX2] = f32_dwconv2d_chw_##k##__avx2,                                    \
   [TSP_ISA_AVX512] = f32_dwconv2d_chw_##k##__avx512}
#elif defined(TSP_TEST_NEON)
#define FNS(k) \
  {[TSP_ISA_SCALAR] = f32_dwconv2d_chw_##k##__scalar, [TSP_ISA_NEON] = f32_dwconv2d_chw_##k##__neon}
#else
#define FNS(k) {[TSP_ISA_SCALAR] = f32_dwconv2d_chw_##k##__scalar}
#endif
static const kernel_set kKernels[] = {
    {"3x3s1", 3, 1, FNS(3x3s1)},
    {"3x3s2", 3, 2, FNS(3x3s2)},
    {"5x5s1", 5, 1, FNS(5x5s1)},
    {"5x5s2", 5, 2, FNS(5x5s2)},
};

static const tsp_minmax kClamps[3] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};

typedef struct {
  size_t in_h, in_w, out_h, out_w, pad_top, pad_left;
} shape;

static float* exact_alloc(size_t n) { /* no rounding up: ASan sees the true end */
  float* p = malloc(n * sizeof(float));
  if (p == NULL) abort();
  return p;
}

static void naive(const kernel_set* ks, const shape* s, const float* in, const float* w,
                  const tsp_minmax* c, float* out) {
  for (size_t oy = 0; oy < s->out_h; ++oy) {
    for (size_t ox = 0; ox < s->out_w; ++ox) {
      double acc = w[0];
      for (size_t ky = 0; ky < ks->k; ++ky) {
        for (size_t kx = 0; kx < ks->k; ++kx) {
          const long iy = (long)(oy * ks->stride + ky) - (long)s->pad_top;
          const long ix = (long)(ox * ks->stride + kx) - (long)s->pad_left;
          if (iy < 0 || ix < 0 || iy >= (long)s->in_h || ix >= (long)s->in_w) continue;
          acc += (double)in[iy * (long)s->in_w + ix] * w[1 + ky * ks->k + kx];
        }
      }
      acc = acc < c->min ? c->min : acc;
      out[oy * s->out_w + ox] = (float)(acc > c->max ? c->max : acc);
    }
  }
}

/* Row strides (floats between channel planes) for n floats per plane: exact,
 * the delegate's 16-float rounding, or a random gap. */
static size_t pick_stride(size_t n, tsp_rng* rng) {
  switch (rng_below(rng, 3)) {
    case 0: return n;
    case 1: return n == 1 ? 1 : tsp_chw_ld(n);
    default: return n + rng_below(rng, 19);
  }
}

#define GAP_IN 1.0e30f /* finite garbage between input planes */
#define GAP_OUT 12345.0f /* sentinel between output planes: must survive */

/* Runs one shape with `channels` planes through every supported ISA; returns
 * 1 when all match. Input gaps hold huge finite values so reading them shows;
 * both buffers end exactly at the last plane so ASan sees overreads. */
static int check_shape_c(const kernel_set* ks, const shape* s, size_t channels,
                         const tsp_minmax* clamp, tsp_rng* rng) {
  const size_t n_in = s->in_h * s->in_w, n_out = s->out_h * s->out_w;
  const size_t taps = 1 + ks->k * ks->k;
  const size_t in_stride = pick_stride(n_in, rng), out_stride = pick_stride(n_out, rng);
  const size_t in_size = (channels - 1) * in_stride + n_in;
  const size_t out_size = (channels - 1) * out_stride + n_out;
  float* in = exact_alloc(in_size);
  float* w = exact_alloc(taps * channels);
  float* want = exact_alloc(out_size);
  float* ref = exact_alloc(out_size);
  float* got = exact_alloc(out_size);
  for (size_t i = 0; i < in_size; ++i) in[i] = GAP_IN;
  for (size_t c = 0; c < channels; ++c) {
    for (size_t i = 0; i < n_in; ++i) in[c * in_stride + i] = rng_uniform(rng, -3.0f, 3.0f);
  }
  for (size_t i = 0; i < taps * channels; ++i) w[i] = rng_uniform(rng, -1.0f, 1.0f);
  for (size_t i = 0; i < out_size; ++i) want[i] = GAP_OUT;
  for (size_t c = 0; c < channels; ++c) {
    naive(ks, s, in + c * in_stride, w + c * taps, clamp, want + c * out_stride);
  }
  for (size_t i = 0; i < out_size; ++i) ref[i] = GAP_OUT;
  for (size_t c = 0; c < channels; ++c) {
    for (size_t i = 0; i < n_out; ++i) ref[c * out_stride + i] = NAN;
  }
  ks->fn[TSP_ISA_SCALAR](channels, s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top,
                         s->pad_left, in, in_stride, w, ref, out_stride, clamp);
  char what[200];
  snprintf(what, sizeof what,
           "%s scalar c %zu in %zux%zu (stride %zu) out %zux%zu (stride %zu) pad %zu,%zu "
           "clamp [%g,%g]",
           ks->name, channels, s->in_h, s->in_w, in_stride, s->out_h, s->out_w, out_stride,
           s->pad_top, s->pad_left, clamp->min, clamp->max);
  int ok = expect_close(what, ref, want, out_size, 1e-5f, 1e-4f);
  for (int isa = TSP_ISA_SCALAR + 1; isa < TSP_ISA_COUNT; ++isa) {
    if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)ks->fn[isa])) continue;
    for (size_t i = 0; i < out_size; ++i) got[i] = GAP_OUT;
    for (size_t c = 0; c < channels; ++c) {
      for (size_t i = 0; i < n_out; ++i) got[c * out_stride + i] = NAN;
    }
    ks->fn[isa](channels, s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, in,
                in_stride, w, got, out_stride, clamp);
    snprintf(what, sizeof what,
             "%s %s c %zu in %zux%zu (stride %zu) out %zux%zu (stride %zu) pad %zu,%zu "
             "clamp [%g,%g]",
             ks->name, tsp_isa_name((tsp_isa)isa), channels, s->in_h, s->in_w, in_stride,
             s->out_h, s->out_w, out_stride, s->pad_top, s->pad_left, clamp->min, clamp->max);
    ok &= expect_close(what, got, ref, out_size, 1e-5f, 1e-4f);
  }
  free(in);
  free(w);
  free(want);
  free(ref);
  free(got);
  return ok;
}

/* Channel counts 1..5 (the kernels may process several channels at once). */
static int check_shape(const kernel_set* ks, const shape* s, const tsp_minmax* clamp,
                       tsp_rng* rng) {
  return check_shape_c(ks, s, 1 + rng_below(rng, 5), clamp, rng);
}

/* Candidate output sizes along one axis: TF SAME, VALID, and explicit bottom
 * padding 0..2 (all deduplicated, all >= 1). Returns the count. */
static size_t out_sizes(size_t in, size_t pad, size_t k, size_t stride, size_t out[5]) {
  size_t n = 0;
  const size_t cand[5] = {
      (in + stride - 1) / stride,                              /* SAME */
      in >= k ? (in - k) / stride + 1 : 0,                     /* VALID */
      in + pad >= k ? (in + pad - k) / stride + 1 : 0,         /* pad, 0 after */
      in + pad + 1 >= k ? (in + pad + 1 - k) / stride + 1 : 0, /* pad, 1 after */
      in + pad + 2 >= k ? (in + pad + 2 - k) / stride + 1 : 0, /* pad, 2 after */
  };
  for (size_t i = 0; i < 5; ++i) {
    int dup = cand[i] == 0;
    for (size_t j = 0; j < n && !dup; ++j) dup = out[j] == cand[i];
    if (!dup) out[n++] = cand[i];
  }
  return n;
}

/* Every pad pair 0..2 and a random choice among the output sizes; the clamp
 * cycles through all three. */
static void sweep_plane(const kernel_set* ks, size_t in_h, size_t in_w, tsp_rng* rng,
                        size_t* counter) {
  for (size_t pt = 0; pt <= 2; ++pt) {
    for (size_t pl = 0; pl <= 2; ++pl) {
      size_t oh[5], ow[5];
      const size_t nh = out_sizes(in_h, pt, ks->k, ks->stride, oh);
      const size_t nw = out_sizes(in_w, pl, ks->k, ks->stride, ow);
      if (nh == 0 || nw == 0) continue;
      const shape s = {in_h, in_w, oh[rng_below(rng, (uint32_t)nh)], ow[rng_below(rng, (uint32_t)nw)],
                       pt, pl};
      check_shape(ks, &s, &kClamps[(*counter)++ % 3], rng);
    }
  }
}

static void test_kernel(const kernel_set* ks, tsp_rng* rng) {
  size_t counter = 0;
  static const size_t heights[] = {1, 2, 3, 4, 7, 8};
  for (size_t hi = 0; hi < sizeof heights / sizeof heights[0]; ++hi) {
    for (size_t w = 1; w <= 100; ++w) sweep_plane(ks, heights[hi], w, rng, &counter);
  }
  static const size_t widths[] = {1, 2, 5, 7, 14, 16, 17, 33};
  for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; ++wi) {
    for (size_t h = 1; h <= 40; ++h) sweep_plane(ks, h, widths[wi], rng, &counter);
  }
  /* Row widths around multiples of 16 (block ends of the wide-row kernels),
   * odd and even output heights (row pairing), every pad and output size. */
  static const size_t edge_w[] = {15, 16, 17, 29, 31, 32, 33, 34, 47, 49, 63, 65, 111, 113};
  static const size_t edge_h[] = {5, 6};
  for (size_t wi = 0; wi < sizeof edge_w / sizeof edge_w[0]; ++wi) {
    for (size_t hi = 0; hi < sizeof edge_h / sizeof edge_h[0]; ++hi) {
      for (size_t p = 0; p <= 2; ++p) {
        size_t oh[5], ow[5];
        const size_t nh = out_sizes(edge_h[hi], p, ks->k, ks->stride, oh);
        const size_t nw = out_sizes(edge_w[wi], p, ks->k, ks->stride, ow);
        for (size_t a = 0; a < nh; ++a) {
          for (size_t b = 0; b < nw; ++b) {
            const shape s = {edge_h[hi], edge_w[wi], oh[a], ow[b], p, 2 - p};
            check_shape(ks, &s, &kClamps[(counter++) % 3], rng);
          }
        }
      }
    }
  }
  /* MobileNet planes, TF SAME (both pad conventions at stride 2). */
  static const size_t planes[] = {112, 56, 28, 14, 7};
  for (size_t i = 0; i < sizeof planes / sizeof planes[0]; ++i) {
    const size_t in = planes[i], out = (in + ks->stride - 1) / ks->stride;
    const size_t same_pad = ((out - 1) * ks->stride + ks->k - in) / 2; /* floor */
    for (size_t c = 0; c < 3; ++c) {
      const shape s = {in, in, out, out, same_pad, same_pad};
      check_shape_c(ks, &s, 3 + c, &kClamps[c], rng);
      const shape sym = {in, in, out, out, ks->k / 2, ks->k / 2};
      check_shape_c(ks, &sym, 3 + c, &kClamps[c], rng);
    }
  }
  /* Windows much larger than the plane and output bigger than the input. */
  const shape tiny = {1, 1, 3, 3, 2, 2};
  for (size_t c = 1; c <= 9; ++c) check_shape_c(ks, &tiny, c, &kClamps[c % 3], rng);
  /* Many channels of small planes (channel blocking, stride 1 planes). */
  static const size_t small[] = {1, 2, 3, 5, 7, 9, 14};
  for (size_t i = 0; i < sizeof small / sizeof small[0]; ++i) {
    for (size_t p = 0; p <= 2; ++p) {
      const size_t n = small[i], out = (n + ks->stride - 1) / ks->stride;
      const shape sq = {n, n, out, out, p, p};
      check_shape_c(ks, &sq, 17 + i, &kClamps[p], rng);
    }
  }
  /* Every small plane with the centred window and in == out size (the
   * flat-plane schemes: column-mask periods, top/bottom boundary vectors),
   * and every pad of row widths that fill 1..3 AVX2 blocks at stride 2. */
  for (size_t h = 1; h <= 20; ++h) {
    for (size_t w = 1; w <= 40; ++w) {
      const shape same = {h, w, h, w, ks->k / 2, ks->k / 2};
      check_shape_c(ks, &same, 2, &kClamps[(counter++) % 3], rng);
    }
  }
  /* Heights 1..7, widths 1..40, pads 0 and 1 on each side and every output
   * size, stride 2 (the NEON kernel's fast path: pad_left 0/1, the last window
   * ending inside or one column past the row, left / interior / overlapping
   * right vectors, odd and even output heights, top / bottom rows outside).
   * 3x3 only: 5x5 stride 2 runs the row kernel the sweeps above cover, and
   * this sweep is the slowest part of the aarch64 ASan run under qemu. */
  for (size_t h = 1; h <= 7 && ks->stride == 2 && ks->k == 3; ++h) {
    for (size_t w = 1; w <= 40; ++w) {
      for (size_t pt = 0; pt <= 1; ++pt) {
        for (size_t pl = 0; pl <= 1; ++pl) {
          size_t oh[5], ow[5];
          const size_t nh = out_sizes(h, pt, ks->k, ks->stride, oh);
          const size_t nw = out_sizes(w, pl, ks->k, ks->stride, ow);
          for (size_t a = 0; a < nh; ++a) {
            for (size_t b = 0; b < nw; ++b) {
              const shape s = {h, w, oh[a], ow[b], pt, pl};
              check_shape_c(ks, &s, 1 + (counter % 3), &kClamps[counter % 3], rng);
              ++counter;
            }
          }
        }
      }
    }
  }
  for (size_t w = 14; w <= 52; ++w) {
    for (size_t p = 0; p <= 2; ++p) {
      const shape s = {9, w, (9 + 2 * p - ks->k) / ks->stride + 1,
                       (w + 2 * p - ks->k) / ks->stride + 1, p, p};
      check_shape_c(ks, &s, 2, &kClamps[(counter++) % 3], rng);
    }
  }
}

int main(void) {
  tsp_rng rng;
  rng_seed(&rng, 42);
  for (size_t i = 0; i < sizeof kKernels / sizeof kKernels[0]; ++i) test_kernel(&kKernels[i], &rng);
  for (int isa = 0; isa < TSP_ISA_COUNT; ++isa) {
    printf("%s: %s\n", tsp_isa_name((tsp_isa)isa),
           tsp_isa_supported((tsp_isa)isa) ? "tested" : "skipped (not supported)");
  }
  return test_summary();
}
