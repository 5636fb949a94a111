/* QS8 first convolution (3x3 stride 2, 3 input channels, HWC in, CHW out)
 * tests: the scalar reference against a naive TFLite CONV_2D written here on
 * the unpacked OHWI weights (unfolded zero point, 64-bit sums, the
 * requantization spelled out from gemmlowp's definitions), which also checks
 * the packer; every other kernel in the supported ISAs' dispatch tables
 * (AVX2; AVX-512, or its VNNI variant on VNNI CPUs, and then the plain
 * AVX-512 one too; NEON) against the scalar one, bit-exact. Shapes: inputs
 * 1..20 x 1..20 with pads 0 / 1 and TF SAME / VALID / explicit output
 * sizes, rows across the 8- and 16-pixel tile widths, 224 / 225 images;
 * out_channels 1..40 and 65 / 72 / 129; zero points -128 / 0 / 127 /
 * random; clamps; extreme inputs, weights, biases (wrap-around), multipliers
 * and shifts (saturation).
 *
 * Exact-size mallocs so ASan catches any access past the input or the last
 * plane; the output gaps between planes hold a sentinel that must survive,
 * the planes a value that every output must overwrite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__) || defined(__APPLE__)
#define QS8_TEST_GUARD_PAGES 1
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "conv/qs8_conv_hwc2chw_pack.h"
#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

typedef struct {
  size_t in_h, in_w, out_h, out_w, pad_top, pad_left;
} shape;

typedef struct {
  int32_t zx;
  tsp_qs8_output q;
  /* 0 random; 1 inputs / weights at -128 / 127; 2 biases near INT32_MIN / MAX;
   * 3 every input = zx (so acc = bias) with biases INT32_MIN or the
   * channel's multiplier: the high-mul's one overflow, and its fix-up that
   * must stay in its own lane */
  int extreme;
} qparams;

/* The distinct non-scalar kernels of the supported ISAs' tables, plus the
 * plain AVX-512 one, which the table hides behind its VNNI copy on VNNI
 * CPUs. */
static tsp_qs8_conv_hwc2chw_fn g_fns[TSP_ISA_COUNT + 1];
static const char* g_names[TSP_ISA_COUNT + 1];
static int g_nfns;

static void add_fn(tsp_qs8_conv_hwc2chw_fn fn, const char* name) {
  int dup = fn == qs8_conv_hwc2chw_3x3s2c3__scalar;
  for (int k = 0; k < g_nfns && !dup; ++k) dup = g_fns[k] == fn;
  if (dup) return;
  g_names[g_nfns] = name;
  g_fns[g_nfns++] = fn;
}

/* ------------------------------------------ naive TFLite arithmetic --- */

static int32_t naive_high_mul(int32_t a, int32_t b) { /* SaturatingRoundingDoublingHighMul */
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * b;
  const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

static int32_t naive_div_pot(int32_t x, int e) { /* RoundingDivideByPOT: nearest, ties away */
  if (e == 0) return x;
  const int64_t d = INT64_C(1) << e, ax = x < 0 ? -(int64_t)x : x;
  const int64_t q = (ax + d / 2) / d;
  return (int32_t)(x < 0 ? -q : q);
}

/* ruy's rounding right shift (TFLite's int8 CONV_2D): nearest, ties up. */
static int32_t naive_shift_up(int32_t x, int e) {
  if (e == 0) return x;
  const int64_t d = INT64_C(1) << e, sum = (int64_t)x + d / 2;
  return (int32_t)(sum >= 0 ? sum / d : -((-sum + d - 1) / d)); /* floor */
}

static int8_t naive_requant(int64_t acc64, int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  const int32_t acc = (int32_t)(uint32_t)(uint64_t)acc64; /* int32 accumulation wraps */
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t x = (int32_t)(uint32_t)((uint64_t)(uint32_t)acc << left);
  int64_t y = (int64_t)naive_shift_up(naive_high_mul(x, mult), right) + q->zero_point;
  if (y < q->min) y = q->min;
  if (y > q->max) y = q->max;
  return (int8_t)y;
}

static void naive(const shape* s, size_t channels, const int8_t* in, const int8_t* w_ohwi,
                  const int32_t* bias, const int32_t* mult, const int32_t* shift, int32_t zx,
                  const tsp_qs8_output* q, int8_t* out, size_t out_stride) {
  for (size_t co = 0; co < channels; ++co) {
    for (size_t oy = 0; oy < s->out_h; ++oy) {
      for (size_t ox = 0; ox < s->out_w; ++ox) {
        int64_t acc = bias != NULL ? bias[co] : 0;
        for (long ky = 0; ky < 3; ++ky) {
          for (long kx = 0; kx < 3; ++kx) {
            const long iy = (long)(2 * oy) + ky - (long)s->pad_top;
            const long ix = (long)(2 * ox) + kx - (long)s->pad_left;
            const int inside = iy >= 0 && ix >= 0 && iy < (long)s->in_h && ix < (long)s->in_w;
            for (long ci = 0; ci < 3; ++ci) {
              const int32_t x = inside ? in[(iy * (long)s->in_w + ix) * 3 + ci] : zx;
              acc += (int64_t)w_ohwi[((co * 3 + (size_t)ky) * 3 + (size_t)kx) * 3 + (size_t)ci] *
                     (x - zx);
            }
          }
        }
        out[co * out_stride + oy * s->out_w + ox] = naive_requant(acc, mult[co], shift[co], q);
      }
    }
  }
}

static void test_naive_arithmetic(void) {
  EXPECT(naive_div_pot(5, 1) == 3 && naive_div_pot(-5, 1) == -3 && naive_div_pot(-1, 31) == 0);
  EXPECT(naive_shift_up(5, 1) == 3 && naive_shift_up(-5, 1) == -2 && naive_shift_up(-1, 31) == 0);
  EXPECT(naive_div_pot(INT32_MIN, 31) == -1 && naive_div_pot(INT32_MAX, 31) == 1);
  EXPECT(naive_high_mul(3, 1 << 30) == 2 && naive_high_mul(-3, 1 << 30) == -1);
  EXPECT(naive_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
  tsp_rng rng;
  rng_seed(&rng, 7);
  int ok = 1;
  for (int i = 0; i < 100000 && ok; ++i) {
    const int32_t x = rng_i32(&rng), m = rng_i32(&rng);
    const int32_t sh = (int32_t)rng_below(&rng, 63) - 31;
    const int32_t h = naive_high_mul((int32_t)((uint32_t)x << (sh > 0 ? sh : 0)), m);
    ok = naive_div_pot(h, sh > 0 ? 0 : -sh) == tsp_qs8_mbqm(x, m, sh) &&
         naive_shift_up(h, sh > 0 ? 0 : -sh) == tsp_qs8_mbqm_conv(x, m, sh);
  }
  EXPECT(ok);
}

/* ------------------------------------------------------- the packer --- */

static void test_pack_args(void) {
  int8_t w[27 * 3];
  int32_t bias[3] = {1, 2, 3}, mult[3] = {1 << 30, 1 << 30, 1 << 30}, shift[3] = {0, -31, 31};
  for (int i = 0; i < 81; ++i) w[i] = (int8_t)(i - 40);
  struct tsp_qs8_conv_hwc2chw_weights pw;
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, -128, &pw) == 0);
  EXPECT(pw.out_channels == 3 && pw.input_zero_point == -128);
  int ok = 1;
  for (size_t co = 0; co < 3; ++co) {
    for (size_t t = 0; t < 27; ++t) {
      ok &= tsp_qs8_conv_hwc2chw_tap(&pw, co, t / 9, t % 9) == w[co * 27 + t];
    }
  }
  /* padded lanes and the 10th tap of each row are 0 */
  for (size_t co = 3; co < TSP_QS8_CONV_HWC2CHW_GROUP; ++co) {
    ok &= pw.bias[co] == 0 && pw.multiplier[co] == 0 && pw.shift[co] == 0;
    for (size_t t = 0; t < 27; ++t) ok &= tsp_qs8_conv_hwc2chw_tap(&pw, co, t / 9, t % 9) == 0;
  }
  for (size_t co = 0; co < TSP_QS8_CONV_HWC2CHW_GROUP; ++co) {
    for (size_t ky = 0; ky < 3; ++ky) ok &= tsp_qs8_conv_hwc2chw_tap(&pw, co, ky, 9) == 0;
  }
  EXPECT(ok);
  tsp_qs8_conv_hwc2chw_release(&pw);
  EXPECT(pw.taps == NULL && pw.bias == NULL && pw.out_channels == 0);
  tsp_qs8_conv_hwc2chw_release(&pw); /* released twice: a no-op */
  tsp_qs8_conv_hwc2chw_release(NULL);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, NULL, mult, shift, 127, &pw) == 0 && pw.bias[2] == 0);
  tsp_qs8_conv_hwc2chw_release(&pw);
  /* bad arguments: -1 and a zeroed struct */
  EXPECT(tsp_qs8_conv_hwc2chw_pack(0, w, bias, mult, shift, 0, &pw) == -1 && pw.taps == NULL);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, NULL, bias, mult, shift, 0, &pw) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, NULL, shift, 0, &pw) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, NULL, 0, &pw) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, 0, NULL) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, 128, &pw) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, -129, &pw) == -1);
  shift[1] = 32;
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, 0, &pw) == -1 && pw.taps == NULL);
  shift[1] = -32;
  EXPECT(tsp_qs8_conv_hwc2chw_pack(3, w, bias, mult, shift, 0, &pw) == -1);
  EXPECT(tsp_qs8_conv_hwc2chw_pack(SIZE_MAX, w, bias, mult, shift, 0, &pw) == -1 ||
         (tsp_qs8_conv_hwc2chw_release(&pw), 0));
}

/* ------------------------------------------------------ one shape --- */

#define GAP_OUT 0x5A /* sentinel between output planes */

static int check(const shape* s, size_t channels, const qparams* qp, tsp_rng* rng) {
  const size_t n_in = s->in_h * s->in_w * 3, plane = s->out_h * s->out_w;
  const size_t out_stride = plane + (rng_below(rng, 3) == 0 ? 0 : rng_below(rng, 20));
  const size_t out_size = (channels - 1) * out_stride + plane;
  int8_t* in = test_exact_alloc(n_in);
  int8_t* w = test_exact_alloc(27 * channels);
  int32_t* bias = rng_below(rng, 8) == 0 ? NULL : test_exact_alloc(channels * sizeof(int32_t));
  int32_t* mult = test_exact_alloc(channels * sizeof(int32_t));
  int32_t* shift = test_exact_alloc(channels * sizeof(int32_t));
  int8_t* want = test_exact_alloc(out_size);
  int8_t* ref = test_exact_alloc(out_size);
  int8_t* got = test_exact_alloc(out_size);
  for (size_t i = 0; i < n_in; ++i) {
    in[i] = qp->extreme == 1 ? (rng_below(rng, 2) ? 127 : -128)
            : qp->extreme == 3 ? (int8_t)qp->zx : rng_i8(rng);
  }
  for (size_t i = 0; i < 27 * channels; ++i) {
    w[i] = qp->extreme == 1 ? (rng_below(rng, 2) ? 127 : -128) : rng_i8(rng);
  }
  for (size_t c = 0; c < channels; ++c) {
    if (bias != NULL) {
      if (qp->extreme == 2) { /* tap sums up to ~2^20 push these across the wrap */
        bias[c] = rng_below(rng, 2) ? INT32_MAX - (int32_t)rng_below(rng, 1000000)
                                    : INT32_MIN + (int32_t)rng_below(rng, 1000000);
      } else {
        bias[c] = (int32_t)rng_below(rng, 400001) - 200000;
      }
    }
    /* TFLite's range: a real scale in ~[2^-22, 2^3) through QuantizeMultiplier;
     * the large ones saturate the output. */
    const double real = (1.0 + rng_below(rng, 1u << 20) / (double)(1u << 20)) *
                        (double)(1u << rng_below(rng, 25)) / (double)(1u << 22);
    if (tsp_qs8_quantize_multiplier(real, &mult[c], &shift[c]) != 0) abort();
    switch (rng_below(rng, 12)) { /* raw values, outside what the converter makes */
      case 0: mult[c] = INT32_MIN; shift[c] = (int32_t)rng_below(rng, 63) - 31; break;
      case 1: mult[c] = rng_i32(rng); shift[c] = (int32_t)rng_below(rng, 63) - 31; break;
      case 2: mult[c] = INT32_MAX; shift[c] = rng_below(rng, 2) ? -31 : 31; break;
      case 3: mult[c] = 1 << 30; shift[c] = 31; break;
      default: break;
    }
    if (qp->extreme == 3 && bias != NULL) {
      if (rng_below(rng, 2)) {
        mult[c] = INT32_MIN;
        shift[c] = -(int32_t)rng_below(rng, 32);
      }
      bias[c] = rng_below(rng, 2) ? INT32_MIN : mult[c];
      if (shift[c] > 0 && rng_below(rng, 2)) shift[c] = 0;
    }
  }
  struct tsp_qs8_conv_hwc2chw_weights pw;
  if (tsp_qs8_conv_hwc2chw_pack(channels, w, bias, mult, shift, qp->zx, &pw) != 0) abort();
  memset(want, GAP_OUT, out_size);
  naive(s, channels, in, w, bias, mult, shift, qp->zx, &qp->q, want, out_stride);
  int ok = 1;
  for (int k = -1; k < g_nfns && ok; ++k) {
    /* k = -1: the scalar kernel against the naive one; then each SIMD one against it */
    int8_t* out = k < 0 ? ref : got;
    const int8_t* expect = k < 0 ? want : ref;
    memset(out, GAP_OUT, out_size);
    for (size_t c = 0; c < channels; ++c) memset(out + c * out_stride, (int8_t)~GAP_OUT, plane);
    const tsp_qs8_conv_hwc2chw_fn fn = k < 0 ? qs8_conv_hwc2chw_3x3s2c3__scalar : g_fns[k];
    fn(s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, in, &pw, out, out_stride,
       &qp->q);
    for (size_t i = 0; i < out_size; ++i) {
      if (out[i] != expect[i]) {
        const size_t c = i / out_stride, r = i % out_stride;
        fprintf(stderr,
                "%s: co %zu/%zu in %zux%zu out %zux%zu (stride %zu) pad %zu,%zu zx %d "
                "zy %d [%d,%d] bias %d mult %d shift %d: at %zu (y %zu x %zu) got %d want %d\n",
                k < 0 ? "scalar" : g_names[k], c, channels, s->in_h, s->in_w, s->out_h,
                s->out_w, out_stride, s->pad_top, s->pad_left, qp->zx, qp->q.zero_point,
                qp->q.min, qp->q.max, c < channels && bias ? bias[c] : 0,
                c < channels ? mult[c] : 0, c < channels ? shift[c] : 0, i,
                r / s->out_w, r % s->out_w, out[i], expect[i]);
        ok = 0;
        break;
      }
    }
  }
  tsp_qs8_conv_hwc2chw_release(&pw);
  free(in);
  free(w);
  free(bias);
  free(mult);
  free(shift);
  free(want);
  free(ref);
  free(got);
  test_record(ok);
  return ok;
}

/* Zero points and clamps, cycled. */
static qparams pick_q(size_t counter, tsp_rng* rng) {
  static const int32_t zxs[4] = {-128, 0, 127, 0};
  static const tsp_qs8_output qs[5] = {
      {-128, -128, 127, 0}, {-5, -5, 127, 0}, {10, -20, 60, 0}, {0, 3, 3, 0}, {127, -128, 127, 0}};
  qparams p;
  p.zx = (counter % 4 == 3) ? (int32_t)rng_below(rng, 256) - 128 : zxs[counter % 4];
  p.q = qs[(counter / 4) % 5];
  if (counter % 7 == 4) p.q.zero_point = (int32_t)rng_below(rng, 256) - 128;
  p.extreme = counter % 8 >= 5 ? (int)(counter % 8) - 4 : 0;
  return p;
}

/* Output sizes along one axis (stride 2): TF SAME, VALID, explicit end
 * padding 0..1; distinct, non-zero. */
static size_t out_sizes(size_t in, size_t pad, size_t out[4]) {
  const size_t cand[4] = {
      (in + 1) / 2,
      in >= 3 ? (in - 3) / 2 + 1 : 0,
      in + pad >= 3 ? (in + pad - 3) / 2 + 1 : 0,
      in + pad + 1 >= 3 ? (in + pad + 1 - 3) / 2 + 1 : 0,
  };
  size_t n = 0;
  for (size_t i = 0; i < 4; ++i) {
    int dup = cand[i] == 0;
    for (size_t j = 0; j < n && !dup; ++j) dup = out[j] == cand[i];
    if (!dup) out[n++] = cand[i];
  }
  return n;
}

static size_t same_pad(size_t in) { /* TF SAME, stride 2, kernel 3: the top / left pad */
  const size_t out = (in + 1) / 2, need = (out - 1) * 2 + 3;
  return need > in ? (need - in) / 2 : 0;
}

static void run_shapes(tsp_rng* rng) {
  size_t counter = 0;
  /* Small images, every pad pair and output size; channels mostly 1..12,
   * every fourth shape up to 40. */
  for (size_t h = 1; h <= 20; ++h) {
    for (size_t wd = 1; wd <= 20; ++wd) {
      for (size_t pt = 0; pt <= 1; ++pt) {
        for (size_t pl = 0; pl <= 1; ++pl) {
          size_t oh[4], ow[4];
          const size_t nh = out_sizes(h, pt, oh), nw = out_sizes(wd, pl, ow);
          for (size_t a = 0; a < nh; ++a) {
            for (size_t b = 0; b < nw; ++b) {
              const shape s = {h, wd, oh[a], ow[b], pt, pl};
              const qparams qp = pick_q(counter, rng);
              const size_t ch = counter % 4 == 0 ? 1 + rng_below(rng, 40) : 1 + rng_below(rng, 12);
              ++counter;
              check(&s, ch, &qp, rng);
            }
          }
        }
      }
    }
  }
  /* Rows across multiples of the 8- and 16-pixel tiles (17 / 33 input
   * pixels each). */
  static const size_t wide[] = {31, 32, 33, 34, 35, 36, 37, 47, 48, 49, 50,
                                63, 64, 65, 66, 97, 95, 96, 98, 129, 130, 131};
  static const size_t chans[] = {8, 9, 15, 16, 17, 24, 31, 32, 33, 40};
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; ++i) {
    for (size_t p = 0; p <= 1; ++p) {
      size_t ow[4];
      const size_t nw = out_sizes(wide[i], p, ow);
      for (size_t b = 0; b < nw; ++b) {
        const shape s = {3 + p + i % 3, wide[i], (3 + p + i % 3 + 1) / 2, ow[b], p, p};
        const qparams qp = pick_q(counter++, rng);
        check(&s, chans[(i + b + p) % 10], &qp, rng);
      }
    }
  }
  /* 224 (TF SAME pads 0) and 225 (pads 1), 32 channels as MobileNet; the
   * symmetric pad 1 on 224 too. */
  static const size_t big[] = {224, 225};
  for (size_t i = 0; i < 2; ++i) {
    const size_t in = big[i], out = (in + 1) / 2, pad = same_pad(in);
    const qparams qp = pick_q(counter++, rng);
    const shape s = {in, in, out, out, pad, pad};
    check(&s, 32, &qp, rng);
    const shape sym = {in, in, out, out, 1, 1};
    check(&sym, 3 + 4 * i, &qp, rng);
  }
  /* More channels than the AVX-512 kernels' 64-channel requantization
   * blocks (the tiles' pairs are rebuilt per block). */
  static const size_t many[] = {65, 72, 129};
  for (size_t i = 0; i < 3; ++i) {
    const qparams qp = pick_q(counter++, rng);
    const shape s = {5 + i, 35 + 31 * i, 3 + i / 2, 17 + 16 * i, i % 2, 1 - i % 2};
    check(&s, many[i], &qp, rng);
  }
  /* Windows larger than the image, outputs larger than the input. */
  for (size_t c = 1; c <= 12; ++c) {
    const qparams qp = pick_q(counter++, rng);
    const shape tiny = {1 + c % 2, 1 + c % 3, 2 + c % 2, 3 + c % 5, 1, 1};
    check(&tiny, c, &qp, rng);
  }
}

#ifdef QS8_TEST_GUARD_PAGES
/* Maps `bytes` right before (at_end) or right after an inaccessible page;
 * returns the buffer, *base / *span for munmap. */
static int8_t* guarded(size_t bytes, int at_end, uint8_t** base, size_t* span) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t body = (bytes + page - 1) / page * page;
  *span = body + 2 * page;
  *base = mmap(NULL, *span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*base == MAP_FAILED) return NULL;
  mprotect(*base, page, PROT_NONE);
  mprotect(*base + page + body, page, PROT_NONE);
  return (int8_t*)(*base + page + (at_end ? body - bytes : 0));
}

/* Input and output right after / right before an inaccessible page, so a
 * read before the image or past it (or a store past the last plane) faults
 * whatever the sanitizer instruments (masked loads are not instrumented by
 * every compiler). Outputs checked against the scalar kernel. */
static void test_guard_pages(tsp_rng* rng) {
  static const shape shapes[] = {
      {224, 224, 112, 112, 0, 0}, {225, 225, 112, 112, 0, 0}, {225, 225, 113, 113, 1, 1},
      {3, 33, 1, 16, 0, 0},       {3, 34, 2, 17, 1, 1},       {1, 1, 1, 1, 1, 1},
      {2, 3, 1, 1, 0, 0},         {5, 31, 3, 16, 1, 1},       {4, 66, 2, 33, 1, 0},
      {3, 40, 2, 24, 0, 1},
  };
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
    const shape* sh = &shapes[i];
    const size_t channels = 8 + 5 * (i % 3), n_in = sh->in_h * sh->in_w * 3;
    const size_t plane = sh->out_h * sh->out_w, n_out = channels * plane;
    int8_t w[27 * 18];
    int32_t bias[18], mult[18], shift[18];
    for (size_t k = 0; k < 27 * channels; ++k) w[k] = rng_i8(rng);
    for (size_t c = 0; c < channels; ++c) {
      bias[c] = (int32_t)rng_below(rng, 20001) - 10000;
      if (tsp_qs8_quantize_multiplier(0.001 + 0.0001 * (double)c, &mult[c], &shift[c]) != 0) abort();
    }
    struct tsp_qs8_conv_hwc2chw_weights pw;
    if (tsp_qs8_conv_hwc2chw_pack(channels, w, bias, mult, shift, -7, &pw) != 0) abort();
    const tsp_qs8_output q = {3, -128, 127, 0};
    int8_t* ref = test_exact_alloc(n_out);
    for (int at_end = 0; at_end <= 1; ++at_end) {
      uint8_t *ibase, *obase;
      size_t ispan, ospan;
      int8_t* in = guarded(n_in, at_end, &ibase, &ispan);
      int8_t* out = guarded(n_out, at_end, &obase, &ospan);
      if (in == NULL || out == NULL) abort();
      for (size_t k = 0; k < n_in; ++k) in[k] = rng_i8(rng);
      qs8_conv_hwc2chw_3x3s2c3__scalar(sh->in_h, sh->in_w, sh->out_h, sh->out_w, sh->pad_top,
                                       sh->pad_left, in, &pw, ref, plane, &q);
      for (int k = 0; k < g_nfns; ++k) {
        memset(out, 0x5A, n_out);
        g_fns[k](sh->in_h, sh->in_w, sh->out_h, sh->out_w, sh->pad_top, sh->pad_left, in, &pw,
                 out, plane, &q);
        const int ok = memcmp(out, ref, n_out) == 0;
        if (!ok) {
          fprintf(stderr, "%s: guard-page shape %zu (%zux%zu) at_end %d mismatch\n", g_names[k],
                  i, sh->in_h, sh->in_w, at_end);
        }
        test_record(ok);
      }
      munmap(ibase, ispan);
      munmap(obase, ospan);
    }
    free(ref);
    tsp_qs8_conv_hwc2chw_release(&pw);
  }
}
#endif

int main(void) {
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    const int supported = tsp_isa_supported((tsp_isa)i);
    printf("%s: %s\n", tsp_isa_name((tsp_isa)i), supported ? "tested" : "skipped (CPU lacks it)");
    if (!supported) continue;
    const tsp_kernel_table* t = tsp_kernels((tsp_isa)i);
    if (!test_isa_has_kernel(i, (const void*)t->qs8_conv3x3s2c3)) continue;
    add_fn(t->qs8_conv3x3s2c3, t->name); /* "avx512+vnni" for the VNNI copy */
  }
#ifdef TSP_TEST_X86
  if (tsp_isa_supported(TSP_ISA_AVX2)) EXPECT(g_nfns >= 1 && g_fns[0] == qs8_conv_hwc2chw_3x3s2c3__avx2);
  if (tsp_isa_supported(TSP_ISA_AVX512)) {
    /* the table's kernel is the VNNI one exactly when the CPU has VNNI */
    __builtin_cpu_init();
    const int vnni = __builtin_cpu_supports("avx512vnni");
    const tsp_kernel_table* t = tsp_kernels(TSP_ISA_AVX512);
    EXPECT(t->qs8_conv3x3s2c3 == (vnni ? qs8_conv_hwc2chw_3x3s2c3__avx512vnni
                                       : qs8_conv_hwc2chw_3x3s2c3__avx512));
    add_fn(qs8_conv_hwc2chw_3x3s2c3__avx512, "avx512");
    printf("avx512vnni: %s\n", vnni ? "tested" : "skipped (CPU lacks it)");
  }
#endif
  for (int k = 0; k < g_nfns; ++k) printf("kernel: %s\n", g_names[k]);
  test_naive_arithmetic();
  test_pack_args();
  tsp_rng rng;
  rng_seed(&rng, 29);
  run_shapes(&rng);
#ifdef QS8_TEST_GUARD_PAGES
  test_guard_pages(&rng);
#endif
  return test_summary();
}
