/* QS8 depthwise 3x3 and 5x5 CHW tests: the scalar reference against a
 * naive formula (unfolded zero point, 64-bit sums, requantization written
 * out from gemmlowp's and ruy's definitions), every SIMD kernel against the
 * scalar one, bit-exact, on awkward shapes: plane sweeps (1..9 x 1..40, and
 * heights 10..20 at the widths around 8 and 16), MobileNet squares, pads 0..2,
 * TF SAME / VALID / explicit output sizes, zero points -128 / 0 / 127,
 * clamps, extreme weights and inputs, random multipliers / shifts in
 * TFLite's range (and a few outside it: INT32_MIN, huge biases).
 *
 * Buffers are exact-size mallocs so ASan catches any access past the last
 * plane; input gaps between planes hold random bytes (reading them shows as
 * a mismatch), output gaps hold a sentinel that must survive. ISAs without
 * a QS8 depthwise kernel in this build (NEON for now) are skipped, as are
 * the AVX-512 VNNI kernels on CPUs without avx512vnni and avx512vbmi. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__) || defined(__APPLE__)
#define QS8_TEST_GUARD_PAGES 1
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

typedef void (*qs8_dw_fn)(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                          size_t pad_top, size_t pad_left, const int8_t* input,
                          size_t input_stride, const int8_t* weights, const int32_t* bias,
                          const int32_t* multiplier, const int32_t* shift,
                          int32_t input_zero_point, const tsp_qs8_output* out_params,
                          int8_t* output, size_t output_stride);

/* Kernel slots: the tsp_isa values, plus the AVX-512 VNNI (+ VBMI) kernels,
 * which are not a tsp_isa of their own (dispatch.c swaps them into the
 * AVX-512 table). */
enum { SLOT_AVX512VNNI = TSP_ISA_COUNT, SLOT_COUNT };

typedef struct {
  const char* name;
  size_t k, stride;
  qs8_dw_fn fn[SLOT_COUNT];
} kernel_set;

#if defined(TSP_TEST_X86)
#define FNS(k) \
  {[TSP_ISA_SCALAR] = qs8_dwconv2d_chw_##k##__scalar, [TSP_ISA_AVX2] = qs8_dwconv2d_chw_##k##__avx2}
/* kernels that also have an AVX-512 version */
#define FNS512(k)                                                                            \
  {[TSP_ISA_SCALAR] = qs8_dwconv2d_chw_##k##__scalar, [TSP_ISA_AVX2] = qs8_dwconv2d_chw_##k##__avx2, \
   [TSP_ISA_AVX512] = qs8_dwconv2d_chw_##k##__avx512, [SLOT_AVX512VNNI] = qs8_dwconv2d_chw_##k##__avx512vnni}
#else
#define FNS(k) {[TSP_ISA_SCALAR] = qs8_dwconv2d_chw_##k##__scalar}
#define FNS512(k) FNS(k)
#endif
static const kernel_set kKernels[] = {
    {"qs8 3x3s1", 3, 1, FNS512(3x3s1)},
    {"qs8 3x3s2", 3, 2, FNS512(3x3s2)},
    {"qs8 5x5s1", 5, 1, FNS(5x5s1)},
    {"qs8 5x5s2", 5, 2, FNS(5x5s2)},
};

static int g_isa_ok[SLOT_COUNT];

static const char* slot_name(int slot) {
  return slot == SLOT_AVX512VNNI ? "avx512vnni" : tsp_isa_name((tsp_isa)slot);
}

typedef struct {
  size_t in_h, in_w, out_h, out_w, pad_top, pad_left;
} shape;

/* ------------------------------------------ naive TFLite arithmetic --- */

static int32_t ref_high_mul(int32_t a, int32_t b) { /* SaturatingRoundingDoublingHighMul */
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * b;
  const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

static int32_t ref_div_pot(int32_t x, int e) { /* RoundingDivideByPOT, ties away from 0 */
  if (e == 0) return x;
  const int64_t d = INT64_C(1) << e, ax = x < 0 ? -(int64_t)x : x;
  const int64_t q = (ax + d / 2) / d;
  return (int32_t)(x < 0 ? -q : q);
}

static int32_t ref_shift_up(int32_t x, int e) { /* ruy's rounding shift, ties toward +inf */
  if (e == 0) return x;
  const int64_t d = INT64_C(1) << e, sum = (int64_t)x + d / 2;
  return (int32_t)(sum >= 0 ? sum / d : -((-sum + d - 1) / d)); /* floor */
}

static int8_t ref_requant(int64_t acc64, int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  const int32_t acc = (int32_t)(uint32_t)(uint64_t)acc64; /* int32 accumulation wraps */
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t x = (int32_t)(uint32_t)((uint64_t)(int64_t)acc << left);
  const int32_t h = ref_high_mul(x, mult);
  int64_t y = (int64_t)(q->ties_up ? ref_shift_up(h, right) : ref_div_pot(h, right)) + q->zero_point;
  if (y < q->min) y = q->min;
  if (y > q->max) y = q->max;
  return (int8_t)y;
}

static void naive(size_t k, size_t stride, const shape* s, const int8_t* in, const int8_t* w, int32_t bias,
                  int32_t mult, int32_t shift, int32_t zx, const tsp_qs8_output* q,
                  int8_t* out) {
  for (size_t oy = 0; oy < s->out_h; ++oy) {
    for (size_t ox = 0; ox < s->out_w; ++ox) {
      int64_t acc = bias;
      for (long ky = 0; ky < (long)k; ++ky) {
        for (long kx = 0; kx < (long)k; ++kx) {
          const long iy = (long)(oy * stride) + ky - (long)s->pad_top;
          const long ix = (long)(ox * stride) + kx - (long)s->pad_left;
          const int inside = iy >= 0 && ix >= 0 && iy < (long)s->in_h && ix < (long)s->in_w;
          const int32_t x = inside ? in[iy * (long)s->in_w + ix] : zx;
          acc += (int64_t)w[ky * (long)k + kx] * (x - zx);
        }
      }
      out[oy * s->out_w + ox] = ref_requant(acc, mult, shift, q);
    }
  }
}

static void test_ref_arithmetic(void) {
  EXPECT(ref_div_pot(5, 1) == 3 && ref_div_pot(-5, 1) == -3 && ref_div_pot(-1, 31) == 0);
  EXPECT(ref_div_pot(INT32_MIN, 31) == -1 && ref_div_pot(INT32_MAX, 31) == 1);
  EXPECT(ref_high_mul(3, 1 << 30) == 2 && ref_high_mul(-3, 1 << 30) == -1);
  tsp_rng rng;
  rng_seed(&rng, 5);
  int ok = 1;
  for (int i = 0; i < 100000 && ok; ++i) {
    const int32_t x = rng_i32(&rng), m = rng_i32(&rng);
    const int32_t sh = (int32_t)rng_below(&rng, 63) - 31;
    ok = ref_div_pot(ref_high_mul((int32_t)((uint32_t)x << (sh > 0 ? sh : 0)), m),
                     sh > 0 ? 0 : -sh) == tsp_qs8_mbqm(x, m, sh);
  }
  EXPECT(ok);
}

/* ------------------------------------------------------ one shape --- */

#define GAP_OUT 0x5A /* sentinel between output planes */

typedef struct {
  int32_t zx;
  tsp_qs8_output q;
  int extreme; /* 0: random; 1: inputs / weights at the int8 extremes; 2: huge biases */
} qparams;

static size_t pick_stride(size_t n, tsp_rng* rng) {
  switch (rng_below(rng, 3)) {
    case 0: return n;
    case 1: return (n + 15) / 16 * 16;
    default: return n + rng_below(rng, 19);
  }
}

static int check_shape_c(const kernel_set* ks, const shape* s, size_t channels, const qparams* qp,
                         tsp_rng* rng) {
  const size_t n_in = s->in_h * s->in_w, n_out = s->out_h * s->out_w;
  const size_t in_stride = pick_stride(n_in, rng), out_stride = pick_stride(n_out, rng);
  const size_t in_size = (channels - 1) * in_stride + n_in;
  const size_t out_size = (channels - 1) * out_stride + n_out;
  int8_t* in = test_exact_alloc(in_size);
  const size_t taps = ks->k * ks->k;
  int8_t* w = test_exact_alloc(taps * channels);
  int32_t* bias = test_exact_alloc(channels * sizeof(int32_t));
  int32_t* mult = test_exact_alloc(channels * sizeof(int32_t));
  int32_t* shift = test_exact_alloc(channels * sizeof(int32_t));
  int8_t* want = test_exact_alloc(out_size);
  int8_t* ref = test_exact_alloc(out_size);
  int8_t* got = test_exact_alloc(out_size);
  for (size_t i = 0; i < in_size; ++i) {
    in[i] = qp->extreme == 1 ? (rng_below(rng, 2) ? 127 : -128) : rng_i8(rng);
  }
  for (size_t i = 0; i < taps * channels; ++i) {
    w[i] = qp->extreme == 1 ? (rng_below(rng, 2) ? 127 : -128) : rng_i8(rng);
  }
  for (size_t c = 0; c < channels; ++c) {
    if (qp->extreme == 2) {
      bias[c] = rng_below(rng, 2) ? INT32_MAX - (int32_t)rng_below(rng, 300000)
                                  : INT32_MIN + (int32_t)rng_below(rng, 300000);
    } else {
      bias[c] = (int32_t)rng_below(rng, 200001) - 100000;
    }
    /* TFLite's range: a real scale in ~[2^-20, 2^2), from QuantizeMultiplier. */
    const double real = (1.0 + rng_below(rng, 1u << 20) / (double)(1u << 20)) *
                        (double)(1u << rng_below(rng, 23)) / (double)(1u << 20);
    if (tsp_qs8_quantize_multiplier(real, &mult[c], &shift[c]) != 0) abort();
    switch (rng_below(rng, 16)) { /* raw values, outside what the converter makes */
      case 0: mult[c] = INT32_MIN; shift[c] = (int32_t)rng_below(rng, 63) - 31; break;
      case 1: mult[c] = rng_i32(rng); shift[c] = (int32_t)rng_below(rng, 63) - 31; break;
      case 2: mult[c] = INT32_MAX; shift[c] = -31; break;
      default: break;
    }
  }
  memset(want, GAP_OUT, out_size);
  for (size_t c = 0; c < channels; ++c) {
    naive(ks->k, ks->stride, s, in + c * in_stride, w + taps * c, bias[c], mult[c], shift[c], qp->zx, &qp->q,
          want + c * out_stride);
  }
  memset(ref, GAP_OUT, out_size);
  for (size_t c = 0; c < channels; ++c) memset(ref + c * out_stride, (int8_t)~GAP_OUT, n_out);
  ks->fn[TSP_ISA_SCALAR](channels, s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left,
                         in, in_stride, w, bias, mult, shift, qp->zx, &qp->q, ref, out_stride);
  int ok = 1;
  for (int isa = TSP_ISA_SCALAR; isa < SLOT_COUNT && ok; ++isa) {
    const int8_t* expect = want;
    int8_t* out = ref;
    if (isa != TSP_ISA_SCALAR) {
      if (!g_isa_ok[isa] || ks->fn[isa] == NULL) continue;
      expect = ref;
      out = got;
      memset(got, GAP_OUT, out_size);
      for (size_t c = 0; c < channels; ++c) memset(got + c * out_stride, (int8_t)~GAP_OUT, n_out);
      ks->fn[isa](channels, s->in_h, s->in_w, s->out_h, s->out_w, s->pad_top, s->pad_left, in,
                  in_stride, w, bias, mult, shift, qp->zx, &qp->q, got, out_stride);
    }
    for (size_t i = 0; i < out_size; ++i) {
      if (out[i] != expect[i]) {
        const size_t c = i / out_stride, r = i % out_stride;
        fprintf(stderr,
                "%s %s: c %zu/%zu in %zux%zu (stride %zu) out %zux%zu (stride %zu) pad %zu,%zu "
                "zx %d zy %d [%d,%d] mult %d shift %d: at %zu (y %zu x %zu) got %d want %d\n",
                ks->name, slot_name(isa), c, channels, s->in_h, s->in_w, in_stride,
                s->out_h, s->out_w, out_stride, s->pad_top, s->pad_left, qp->zx,
                qp->q.zero_point, qp->q.min, qp->q.max, c < channels ? mult[c] : 0,
                c < channels ? shift[c] : 0, i, s->out_w ? r / s->out_w : 0,
                s->out_w ? r % s->out_w : 0, out[i], expect[i]);
        ok = 0;
        break;
      }
    }
  }
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

/* Zero points and clamps, cycled: zx -128 / 0 / 127 and random, outputs
 * unclamped, ReLU-like, ReLU6-like, narrow. */
static qparams pick_q(size_t counter, tsp_rng* rng) {
  static const int32_t zxs[4] = {-128, 0, 127, 0};
  static const tsp_qs8_output qs[4] = {
      {-128, -128, 127, 0}, {-5, -5, 127, 0}, {10, -20, 60, 0}, {0, 3, 3, 0}};
  qparams p;
  p.zx = (counter % 4 == 3) ? (int32_t)rng_below(rng, 256) - 128 : zxs[counter % 4];
  p.q = qs[(counter / 4) % 4];
  if (counter % 5 == 4) p.q.zero_point = (int32_t)rng_below(rng, 256) - 128;
  p.q.ties_up = (int32_t)(counter % 3 == 1); /* both of TFLite's depthwise roundings */
  p.extreme = counter % 7 == 5 ? 1 : counter % 7 == 6 ? 2 : 0;
  return p;
}

/* Output sizes along one axis: TF SAME, VALID, explicit end padding 0..2. */
static size_t out_sizes(size_t in, size_t pad, size_t stride, size_t k, size_t out[5]) {
  size_t n = 0;
  const size_t cand[5] = {
      (in + stride - 1) / stride,
      in >= k ? (in - k) / stride + 1 : 0,
      in + pad >= k ? (in + pad - k) / stride + 1 : 0,
      in + pad + 1 >= k ? (in + pad + 1 - k) / stride + 1 : 0,
      in + pad + 2 >= k ? (in + pad + 2 - k) / stride + 1 : 0,
  };
  for (size_t i = 0; i < 5; ++i) {
    int dup = cand[i] == 0;
    for (size_t j = 0; j < n && !dup; ++j) dup = out[j] == cand[i];
    if (!dup) out[n++] = cand[i];
  }
  return n;
}

static void test_kernel(const kernel_set* ks, tsp_rng* rng) {
  size_t counter = 0;
  /* Planes 1x1 .. 9x40 (5x5: 20x40): every pad pair, every output size. */
  const size_t max_h = ks->k == 3 ? 9 : 20;
  for (size_t h = 1; h <= max_h; ++h) {
    for (size_t wd = 1; wd <= 40; ++wd) {
      for (size_t pt = 0; pt <= 2; ++pt) {
        for (size_t pl = 0; pl <= 2; ++pl) {
          size_t oh[5], ow[5];
          const size_t nh = out_sizes(h, pt, ks->stride, ks->k, oh);
          const size_t nw = out_sizes(wd, pl, ks->stride, ks->k, ow);
          for (size_t a = 0; a < nh; ++a) {
            for (size_t b = 0; b < nw; ++b) {
              const shape s = {h, wd, oh[a], ow[b], pt, pl};
              const qparams qp = pick_q(counter++, rng);
              check_shape_c(ks, &s, 1 + rng_below(rng, 3), &qp, rng);
            }
          }
        }
      }
    }
  }
  /* Taller planes (heights 10..20, odd and even) at the widths where the
   * AVX-512 kernels change lane layout (two rows per vector up to 8 outputs,
   * 16-column blocks above), pads 0 / 1, every output size. */
  static const size_t tall_w[] = {1, 2, 7, 8, 9, 14, 15, 16, 17, 18, 28, 33};
  for (size_t h = 10; h <= 20; ++h) {
    for (size_t i = 0; i < sizeof tall_w / sizeof tall_w[0]; ++i) {
      for (size_t p = 0; p <= 1; ++p) {
        size_t oh[5], ow[5];
        const size_t nh = out_sizes(h, p, ks->stride, ks->k, oh);
        const size_t nw = out_sizes(tall_w[i], p, ks->stride, ks->k, ow);
        for (size_t a = 0; a < nh; ++a) {
          for (size_t b = 0; b < nw; ++b) {
            const shape s = {h, tall_w[i], oh[a], ow[b], p, p};
            const qparams qp = pick_q(counter++, rng);
            check_shape_c(ks, &s, 1 + rng_below(rng, 3), &qp, rng);
          }
        }
      }
    }
  }
  /* Channel counts that are not multiples of 16 on the small MobileNet planes. */
  static const size_t many_c[] = {17, 33};
  for (size_t i = 0; i < 2; ++i) {
    for (size_t in = 7; in <= 14; in += 7) {
      const size_t out = (in + ks->stride - 1) / ks->stride;
      const qparams qp = pick_q(counter++, rng);
      const shape s = {in, in, out, out, ks->stride == 1 ? 1 : 0, ks->stride == 1 ? 1 : 0};
      check_shape_c(ks, &s, many_c[i], &qp, rng);
    }
  }
  /* Wider rows around multiples of 8 and 16. */
  static const size_t wide[] = {47, 48, 49, 63, 64, 65, 111, 112, 113};
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; ++i) {
    for (size_t p = 0; p <= 2; ++p) {
      size_t ow[5];
      const size_t nw = out_sizes(wide[i], p, ks->stride, ks->k, ow);
      for (size_t b = 0; b < nw; ++b) {
        const shape s = {ks->k + p, wide[i], (ks->k + p + ks->stride - 1) / ks->stride, ow[b], p,
                         2 - p};
        const qparams qp = pick_q(counter++, rng);
        check_shape_c(ks, &s, 2, &qp, rng);
      }
    }
  }
  /* MobileNet planes, TF SAME (TF's pad and the symmetric one). */
  static const size_t planes[] = {112, 56, 28, 14, 7};
  for (size_t i = 0; i < sizeof planes / sizeof planes[0]; ++i) {
    const size_t in = planes[i], out = (in + ks->stride - 1) / ks->stride;
    const size_t same_pad = ((out - 1) * ks->stride + ks->k - in) / 2;
    for (size_t c = 0; c < 3; ++c) {
      const qparams qp = pick_q(counter++, rng);
      const shape s = {in, in, out, out, same_pad, same_pad};
      check_shape_c(ks, &s, 2 + c, &qp, rng);
      const shape sym = {in, in, out, out, ks->k / 2, ks->k / 2};
      check_shape_c(ks, &sym, 2 + c, &qp, rng);
      const size_t vout = (in - ks->k) / ks->stride + 1;
      const shape valid = {in, in, vout, vout, 0, 0};
      check_shape_c(ks, &valid, 1 + c, &qp, rng);
    }
  }
  /* Windows larger than the plane, outputs larger than the input. */
  for (size_t c = 1; c <= 9; ++c) {
    const qparams qp = pick_q(counter++, rng);
    const shape tiny = {1, 1, 3, 3, 2, 2};
    check_shape_c(ks, &tiny, c, &qp, rng);
    if (ks->k == 5) { /* most of the window outside, both ends of a row */
      const shape edge = {2, 3, 4, 5, 2, 2};
      check_shape_c(ks, &edge, c, &qp, rng);
    }
  }
  if (ks->k == 5) { /* rows around the AVX2 padded-row limit (512 bytes) and past it */
    static const size_t rows5[] = {480, 481, 482, 488, 489, 600, 1100};
    for (size_t i = 0; i < sizeof rows5 / sizeof rows5[0]; ++i) {
      const qparams qp = pick_q(counter++, rng);
      const size_t out = (rows5[i] + ks->stride - 1) / ks->stride;
      const shape s = {6, rows5[i], (6 + ks->stride - 1) / ks->stride, out, 2, 2};
      check_shape_c(ks, &s, 2, &qp, rng);
      const shape v = {5, rows5[i], 1, (rows5[i] - 5) / ks->stride + 1, 0, 0};
      check_shape_c(ks, &v, 1, &qp, rng);
    }
  }
}

#ifdef QS8_TEST_GUARD_PAGES
/* The input right after / right before an inaccessible page, so that any
 * read before the first plane or past the last one faults, whatever the
 * sanitizer instruments (masked loads are not instrumented by every
 * compiler). Outputs are checked against the scalar kernel. */
static void test_guard_pages(const kernel_set* ks, tsp_rng* rng) {
  static const shape shapes[] = {
      {7, 7, 7, 7, 1, 1},    {7, 7, 4, 4, 0, 0},    {14, 14, 14, 14, 1, 1}, {14, 14, 7, 7, 0, 0},
      {1, 1, 1, 1, 1, 1},    {3, 5, 3, 5, 1, 1},    {5, 17, 5, 17, 1, 1},   {4, 33, 2, 17, 1, 1},
      {9, 16, 8, 16, 0, 0},  {2, 40, 2, 40, 1, 1},  {6, 9, 3, 5, 1, 1},     {8, 8, 8, 8, 2, 2},
  };
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
    const shape* sh = &shapes[i];
    const size_t channels = 3, n_in = sh->in_h * sh->in_w, n_out = sh->out_h * sh->out_w;
    const size_t in_size = channels * n_in, span = (in_size + page - 1) / page * page;
    uint8_t* base = mmap(NULL, span + 2 * page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) continue;
    mprotect(base, page, PROT_NONE);
    mprotect(base + page + span, page, PROT_NONE);
    int8_t w[25 * 3];
    int32_t bias[3], mult[3], shift[3];
    for (size_t k = 0; k < ks->k * ks->k * channels; ++k) w[k] = rng_i8(rng);
    for (size_t c = 0; c < channels; ++c) {
      bias[c] = (int32_t)rng_below(rng, 2001) - 1000;
      if (tsp_qs8_quantize_multiplier(0.01 + 0.001 * (double)c, &mult[c], &shift[c]) != 0) abort();
    }
    const tsp_qs8_output q = {-3, -128, 127, 0};
    int8_t ref[3 * 64 * 64], got[3 * 64 * 64];
    for (int at_end = 0; at_end <= 1; ++at_end) {
      int8_t* in = (int8_t*)(base + page + (at_end ? span - in_size : 0));
      for (size_t k = 0; k < in_size; ++k) in[k] = rng_i8(rng);
      ks->fn[TSP_ISA_SCALAR](channels, sh->in_h, sh->in_w, sh->out_h, sh->out_w, sh->pad_top,
                             sh->pad_left, in, n_in, w, bias, mult, shift, 5, &q, ref, n_out);
      for (int isa = TSP_ISA_SCALAR + 1; isa < SLOT_COUNT; ++isa) {
        if (!g_isa_ok[isa] || ks->fn[isa] == NULL) continue;
        memset(got, 0x5A, sizeof got);
        ks->fn[isa](channels, sh->in_h, sh->in_w, sh->out_h, sh->out_w, sh->pad_top,
                    sh->pad_left, in, n_in, w, bias, mult, shift, 5, &q, got, n_out);
        const int ok = memcmp(got, ref, channels * n_out) == 0 &&
                       (unsigned char)got[channels * n_out] == 0x5A;
        if (!ok) {
          fprintf(stderr, "%s %s: guard-page shape %zu (%zux%zu) at_end %d mismatch\n", ks->name,
                  slot_name(isa), i, sh->in_h, sh->in_w, at_end);
        }
        test_record(ok);
      }
    }
    munmap(base, span + 2 * page);
  }
}
#endif

int main(void) {
  for (int i = 0; i < SLOT_COUNT; ++i) {
    if (i < TSP_ISA_COUNT) g_isa_ok[i] = tsp_isa_supported((tsp_isa)i);
#if defined(TSP_TEST_X86)
    if (i == SLOT_AVX512VNNI) { /* what dispatch.c checks before using these kernels */
      __builtin_cpu_init();
      g_isa_ok[i] = g_isa_ok[TSP_ISA_AVX512] && __builtin_cpu_supports("avx512vnni") &&
                    __builtin_cpu_supports("avx512vbmi");
    }
#endif
    const int has = kKernels[0].fn[i] != NULL;
    printf("%s: %s\n", slot_name(i),
           !g_isa_ok[i] ? "skipped (CPU lacks it)" : has ? "tested" : "skipped (no QS8 dwconv kernel)");
  }
  test_ref_arithmetic();
  tsp_rng rng;
  rng_seed(&rng, 13);
  for (size_t k = 0; k < sizeof kKernels / sizeof kKernels[0]; ++k) test_kernel(&kKernels[k], &rng);
#ifdef QS8_TEST_GUARD_PAGES
  for (size_t k = 0; k < sizeof kKernels / sizeof kKernels[0]; ++k) {
    test_guard_pages(&kKernels[k], &rng);
  }
#endif
  return test_summary();
}
