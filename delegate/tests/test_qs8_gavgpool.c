/* QS8 global average pool (CHW) tests:
 *  - tsp_qs8_gavgpool_params_init{,_no_keep_dims} against the formulas
 *    written out here, and their refusals;
 *  - the scalar reference against a naive formula (64-bit sums, rounding by
 *    explicit division) and against outputs of stock TFLite 2.21 (builtin
 *    kernels, XNNPACK off) on inputs from a fixed LCG, keep_dims or not;
 *  - every SIMD kernel against the scalar one, bit-exact: spatial 1..300 and
 *    12544, channels 1..70, ld > spatial with random padding bytes (reading
 *    them shows as a mismatch), random scales / zero points incl. extremes.
 * Buffers are exact-size mallocs so ASan catches any read past the last row;
 * the output is exact-size too, with a sentinel byte after it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "gavgpool/qs8_gavgpool.h"
#include "test_util.h"
#include "ukernels.h"

typedef void (*qs8_gap_fn)(size_t spatial, size_t channels, const int8_t* input, size_t ld,
                           const struct tsp_qs8_gavgpool_params* params, int8_t* output);

static const qs8_gap_fn kFns[TSP_ISA_COUNT] = {
    [TSP_ISA_SCALAR] = qs8_gavgpool_chw__scalar,
#if defined(TSP_TEST_X86)
    [TSP_ISA_AVX2] = qs8_gavgpool_chw__avx2,
    [TSP_ISA_AVX512] = qs8_gavgpool_chw__avx2,
#endif
};

static int g_isa_ok[TSP_ISA_COUNT];

/* ------------------------------------------------------ naive formula --- */

static int32_t naive_high_mul(int32_t a, int32_t b) { /* gemmlowp SRDHM */
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * b;
  const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

static int64_t floor_div(int64_t a, int64_t d) { return a >= 0 ? a / d : -((-a + d - 1) / d); }

/* TFLite's vector blocks: ties toward +inf (vrshl); the tail: ties away
 * from zero (RoundingDivideByPOT). */
static int32_t naive_round_shift(int32_t x, int e, int up) {
  if (e == 0) return x;
  const int64_t d = INT64_C(1) << e;
  if (up) return (int32_t)floor_div((int64_t)x + d / 2, d);
  const int64_t ax = x < 0 ? -(int64_t)x : x, q = (ax + d / 2) / d;
  return (int32_t)(x < 0 ? -q : q);
}

static int8_t naive_one(const int8_t* row, size_t n, const struct tsp_qs8_gavgpool_params* p,
                        int up) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += row[i];
  if (!p->keep_dims) { /* QuantizedMeanOrSum: MBQM(sum - zi * n) + zo */
    sum -= p->sum_zero;
    up = 0;
  }
  const int left = p->shift > 0 ? p->shift : 0, right = p->shift > 0 ? 0 : -p->shift;
  const int32_t x = (int32_t)(uint32_t)((uint64_t)sum << left);
  const int32_t r = naive_round_shift(naive_high_mul(x, p->multiplier), right, up);
  int64_t y = p->keep_dims ? (int64_t)(int32_t)((uint32_t)r + (uint32_t)p->bias)
                           : (int64_t)r + p->bias;
  if (y < -128) y = -128;
  if (y > 127) y = 127;
  return (int8_t)y;
}

static void naive(size_t spatial, size_t channels, const int8_t* in, size_t ld,
                  const struct tsp_qs8_gavgpool_params* p, int8_t* out) {
  for (size_t c = 0; c < channels; ++c) {
    out[c] = naive_one(in + c * ld, spatial, p, c < channels / 16 * 16);
  }
}

/* ------------------------------------------------------- params init --- */

static void test_params(void) {
  struct tsp_qs8_gavgpool_params p;
  /* MobileNet-like: 7x7, scales equal, zero points equal. */
  EXPECT(tsp_qs8_gavgpool_params_init(0.0235, -128, 0.0235, -128, 49, &p) == 0);
  {
    const float real = 0.0235f / (49.0f * 0.0235f);
    int32_t m, s;
    tsp_qs8_quantize_multiplier((double)real, &m, &s);
    EXPECT(p.multiplier == m && p.shift == s && p.bias == 0);
  }
  /* bias: out_zp - round half away from zero of the float zi * si / so. */
  EXPECT(tsp_qs8_gavgpool_params_init(0.5, 3, 1.0, 10, 4, &p) == 0 && p.bias == 10 - 2);
  EXPECT(tsp_qs8_gavgpool_params_init(0.5, -3, 1.0, 10, 4, &p) == 0 && p.bias == 10 + 2);
  EXPECT(tsp_qs8_gavgpool_params_init(0.5, 1, 1.0, 0, 4, &p) == 0 && p.bias == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.5, -1, 1.0, 0, 4, &p) == 0 && p.bias == 1);
  EXPECT(tsp_qs8_gavgpool_params_init(1.0, 0, 1.0, 0, 1, &p) == 0 && p.multiplier == 1 << 30 &&
         p.shift == 1 && p.bias == 0);
  /* Tiny ratio: the multiplier flushes to 0, the output is the bias. */
  EXPECT(tsp_qs8_gavgpool_params_init(1e-30, 5, 1.0, 7, 12544, &p) == 0 && p.multiplier == 0 &&
         p.bias == 7);
  /* Refusals. */
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 0, 0.1, 0, 0, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 0, 0.1, 0, ((size_t)1 << 24) + 1, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 0, 0.1, 0, (size_t)1 << 24, &p) == 0);
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 128, 0.1, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 0, 0.1, -129, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.0, 0, 0.1, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(0.1, 0, -0.1, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(NAN, 0, 0.1, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init(1e300, 0, 0.1, 0, 4, &p) == -1); /* inf as float */
  EXPECT(tsp_qs8_gavgpool_params_init(1e-50, 0, 0.1, 0, 4, &p) == -1); /* 0 as float */
  EXPECT(tsp_qs8_gavgpool_params_init(1e9, 0, 1e-3, 0, 1, &p) == -1);  /* real >= 2^31 */
  EXPECT(tsp_qs8_gavgpool_params_init(1e9, 100, 1e-1, 0, 1 << 20, &p) == -1); /* |t| >= 2^30 */
  EXPECT(p.multiplier == 0 && p.shift == 0 && p.bias == 0);

  /* keep_dims = false: M = (M0 << k) / n, s = s0 - k, k = floor(log2 n)
   * capped at 32 and 31 + s0. */
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(0.0235, -128, 0.0235, 7, 49, &p) == 0);
  EXPECT(p.keep_dims == 0 && p.multiplier == 701219150 && p.shift == 1 - 5 &&
         p.sum_zero == -128 * 49 && p.bias == 7);
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(0.3, 5, 0.1, 0, 1, &p) == 0);
  {
    int32_t m, sh;
    tsp_qs8_quantize_multiplier((double)0.3f / (double)0.1f, &m, &sh);
    EXPECT(p.multiplier == m && p.shift == sh && p.sum_zero == 5);
  }
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(ldexp(1.0, -30), 0, 1.0, 0, 49, &p) == 0);
  EXPECT(p.multiplier == 87652393 && p.shift == -31); /* k capped at 31 + s0 = 2 */
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(1.0, 0, 1.0, 0, (size_t)1 << 24, &p) == 0);
  EXPECT(p.multiplier == 1 << 30 && p.shift == 1 - 24);
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(0.1, 0, 0.1, 0, 0, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(0.1, -129, 0.1, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(0.1, 0, 0.0, 0, 4, &p) == -1);
  EXPECT(tsp_qs8_gavgpool_params_init_no_keep_dims(1e9, 0, 1e-3, 0, 4, &p) == -1);
  EXPECT(p.multiplier == 0 && p.keep_dims == 0 && p.sum_zero == 0);
}

/* ------------------------------------------- outputs of stock TFLite --- */

/* tf.lite.Interpreter (TF 2.21, BUILTIN_WITHOUT_DEFAULT_DELEGATES, one
 * thread) on a [1, H, W, C] int8 MEAN(axis [1, 2], keepdims) model with
 * these scales; input element (p, c) of the NHWC tensor is the
 * (p * C + c)-th value of lcg_next. Cases 0 and 3 have ties that round
 * differently in the blocks and the tail. */
typedef struct {
  size_t spatial, channels;
  double si;
  int32_t zi;
  double so;
  int32_t zo;
  int8_t out[48];
} golden;

static const golden kGoldenKeep[] = {
    {49, 40, 0.0662585944, 101, 0.0662585944, 101,
     /* tail rounding everywhere: 3 off, vrshl everywhere: 0 off */
     {7, -5, -10, -5, 1, -8, -3, -6, -3, 10, -12, -16, 1, 0, 17, -9, 18, -1, 11, -10, -5, -4, 3,
      6, -17, 17, 0, 11, 9, -4, 22, 25, -14, -10, 3, -1, 10, -7, 17, -10}},
    {100, 37, 0.0302686468, -128, 0.0336318314, -52,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {63, 62, 67, 55, 61, 73, 71, 50, 53, 73, 52, 66, 51, 75, 65, 75, 68, 77, 70, 59, 60, 62, 60,
      58, 70, 57, 72, 64, 82, 56, 70, 57, 62, 53, 68, 59, 61}},
    {196, 16, 0.0884143114, 127, 0.0884143114, -87,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
      -128}},
    {7, 21, 0.0510175526, 41, 0.0566861704, -66,
     /* tail rounding everywhere: 1 off, vrshl everywhere: 0 off */
     {-74, -93, -101, -100, -109, -128, -77, -128, -56, -102, -123, -128, -123, -117, -93, -74,
      -80, -60, -86, -117, -99}},
    {1, 40, 0.0248857997, -1, 0.0108199129, -93,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {121, -128, -128, 6, -128, 12, -128, -128, 116, 127, 10, -128, -128, -128, -128, -128, -107,
      -128, 127, -128, 127, -128, 17, -128, -128, -128, 10, 29, -128, -128, -128, -128, -109,
      -121, -128, 127, 127, -128, 15, 35}},
    {49, 33, 0.0356080942, -115, 0.00593468221, 91,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
      127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127}},
    {100, 48, 0.0217094515, 28, 0.0586741939, -10,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {-19, -18, -21, -17, -24, -23, -18, -21, -21, -18, -26, -25, -20, -20, -27, -20, -21, -17,
      -21, -23, -18, -22, -21, -19, -19, -20, -21, -24, -22, -21, -14, -16, -25, -22, -20, -18,
      -15, -20, -11, -21, -13, -18, -22, -17, -17, -19, -20, -20}},
    {196, 19, 0.0420858935, 22, 0.0182982143, 59,
     /* tail rounding everywhere: 0 off, vrshl everywhere: 0 off */
     {27, 16, 0, 27, 23, 1, 5, 16, 6, 2, 21, 9, 11, 7, -14, 8, 12, 6, -1}},
};

/* The same inputs and scales (and a MobileNet-like equal-scale case), with
 * keep_dims = false (Keras' default GlobalAveragePooling2D). */
static const golden kGoldenNoKeep[] = {
    {49, 40, 0.0662585944, 101, 0.0662585944, 101, /* keep_dims formula: 5 off */
     {7, -5, -10, -6, 0, -8, -3, -7, -3, 10, -12, -16, 1, 0, 17, -9, 18, -1, 11, -10, -5, -4, 3,
      6, -18, 17, 0, 11, 9, -4, 22, 25, -14, -10, 3, -1, 10, -7, 16, -10}},
    {100, 37, 0.0302686468, -128, 0.0336318314, -52, /* keep_dims formula: 7 off */
     {63, 62, 67, 55, 61, 73, 71, 50, 53, 73, 52, 67, 51, 75, 66, 76, 68, 78, 70, 60, 60, 62, 60,
      58, 70, 57, 72, 64, 82, 57, 70, 58, 62, 53, 68, 59, 61}},
    {196, 16, 0.0884143114, 127, 0.0884143114, -87, /* keep_dims formula: 0 off */
     {-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
      -128}},
    {7, 21, 0.0510175526, 41, 0.0566861704, -66, /* keep_dims formula: 2 off */
     {-75, -93, -102, -100, -109, -128, -77, -128, -56, -102, -123, -128, -123, -117, -93, -74,
      -80, -60, -86, -117, -99}},
    {1, 40, 0.0248857997, -1, 0.0108199129, -93, /* keep_dims formula: 4 off */
     {121, -128, -128, 6, -128, 13, -128, -128, 116, 127, 11, -128, -128, -128, -128, -128, -107,
      -128, 127, -128, 127, -128, 17, -128, -128, -128, 11, 29, -128, -128, -128, -128, -109,
      -121, -128, 127, 127, -128, 15, 36}},
    {49, 33, 0.0356080942, -115, 0.00593468221, 91, /* keep_dims formula: 0 off */
     {127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
      127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127}},
    {12544, 19, 0.0420858935, 22, 0.0182982143, 59, /* keep_dims formula: 6 off */
     {9, 7, 6, 8, 7, 5, 7, 5, 4, 6, 8, 8, 9, 6, 4, 6, 6, 5, 8}},
    {49, 48, 0.0235, -128, 0.0235, -128, /* keep_dims formula: 4 off */
     {-2, 9, 4, 5, -21, -6, -2, -4, -4, 14, -19, -22, -11, -2, -5, -2, 1, 2, 9, -9, 4, -11, 23,
      -3, -8, 5, -1, 1, 5, -4, 15, 14, -11, -19, 4, -2, 16, -6, 23, -2, 26, 0, -5, 2, 17, 9, 0, 3}},
};

static int8_t lcg_next(uint32_t* st) {
  *st = *st * 1103515245u + 12345u;
  return (int8_t)(((*st >> 16) & 0xFF) - 128);
}

typedef int (*init_fn)(double, int32_t, double, int32_t, size_t, struct tsp_qs8_gavgpool_params*);

static void test_golden(const golden* table, size_t count, init_fn init, const char* what) {
  for (size_t g = 0; g < count; ++g) {
    const golden* k = &table[g];
    int8_t* in = test_exact_alloc(k->spatial * k->channels);
    uint32_t st = 12345;
    for (size_t p = 0; p < k->spatial; ++p) {
      for (size_t c = 0; c < k->channels; ++c) in[c * k->spatial + p] = lcg_next(&st);
    }
    struct tsp_qs8_gavgpool_params prm;
    EXPECT(init(k->si, k->zi, k->so, k->zo, k->spatial, &prm) == 0);
    for (int isa = 0; isa < TSP_ISA_COUNT; ++isa) {
      if (!g_isa_ok[isa] || kFns[isa] == NULL) continue;
      int8_t out[48];
      kFns[isa](k->spatial, k->channels, in, k->spatial, &prm, out);
      int ok = memcmp(out, k->out, k->channels) == 0;
      if (!ok) {
        fprintf(stderr, "golden %s %zu (%s) differs from TFLite\n", what, g,
                tsp_isa_name((tsp_isa)isa));
      }
      test_record(ok);
    }
    free(in);
  }
}

/* ------------------------------------------------------ random sweeps --- */

static double rng_scale(tsp_rng* rng) { /* 2^-16 .. 2^4, log-uniform */
  return ldexp(1.0 + rng_below(rng, 1u << 20) / (double)(1u << 20), (int)rng_below(rng, 21) - 16);
}

static int32_t rng_zp(tsp_rng* rng) {
  switch (rng_below(rng, 4)) {
    case 0: return -128;
    case 1: return 127;
    default: return (int32_t)rng_below(rng, 256) - 128;
  }
}

static int pick_params(tsp_rng* rng, size_t spatial, struct tsp_qs8_gavgpool_params* p) {
  for (;;) {
    const double si = rng_scale(rng);
    const int32_t zi = rng_zp(rng);
    double so;
    int32_t zo;
    switch (rng_below(rng, 4)) {
      case 0: so = si; zo = zi; break; /* Keras GAP: scales equal */
      case 1: so = si * (0.5 + rng_below(rng, 1000) / 1000.0); zo = rng_zp(rng); break;
      default: so = rng_scale(rng); zo = rng_zp(rng); break;
    }
    const int keep = rng_below(rng, 3) != 0;
    if ((keep ? tsp_qs8_gavgpool_params_init : tsp_qs8_gavgpool_params_init_no_keep_dims)(
            si, zi, so, zo, spatial, p) == 0) {
      return 0;
    }
  }
}

static int check(size_t spatial, size_t channels, size_t ld, int extreme, tsp_rng* rng) {
  const size_t in_size = (channels - 1) * ld + spatial;
  int8_t* in = test_exact_alloc(in_size);
  int8_t* want = test_exact_alloc(channels + 1);
  int8_t* ref = test_exact_alloc(channels + 1);
  int8_t* got = test_exact_alloc(channels + 1);
  const int8_t fill = (int8_t)(rng_below(rng, 2) ? 127 : -128);
  for (size_t i = 0; i < in_size; ++i) {
    const int pad = i % ld >= spatial;
    in[i] = (extreme && !pad) ? (extreme == 1 ? fill : (rng_below(rng, 2) ? 127 : -128))
                              : rng_i8(rng);
  }
  struct tsp_qs8_gavgpool_params p;
  pick_params(rng, spatial, &p);
  want[channels] = ref[channels] = got[channels] = 0x5A;
  naive(spatial, channels, in, ld, &p, want);
  kFns[TSP_ISA_SCALAR](spatial, channels, in, ld, &p, ref);
  int ok = memcmp(want, ref, channels + 1) == 0;
  const char* who = "scalar vs naive";
  for (int isa = 1; isa < TSP_ISA_COUNT && ok; ++isa) {
    if (!g_isa_ok[isa] || kFns[isa] == NULL) continue;
    memset(got, 0x33, channels);
    kFns[isa](spatial, channels, in, ld, &p, got);
    ok = memcmp(got, ref, channels + 1) == 0;
    who = tsp_isa_name((tsp_isa)isa);
  }
  if (!ok) {
    fprintf(stderr, "%s: spatial %zu channels %zu ld %zu keep %d mult %d shift %d bias %d\n", who,
            spatial, channels, ld, p.keep_dims, p.multiplier, p.shift, p.bias);
  }
  free(in);
  free(want);
  free(ref);
  free(got);
  test_record(ok);
  return ok;
}

static size_t pick_ld(size_t spatial, tsp_rng* rng) {
  switch (rng_below(rng, 3)) {
    case 0: return spatial;
    case 1: return (spatial + 31) / 32 * 32;
    default: return spatial + 1 + rng_below(rng, 40);
  }
}

int main(void) {
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    g_isa_ok[i] = tsp_isa_supported((tsp_isa)i);
    printf("%s: %s\n", tsp_isa_name((tsp_isa)i),
           !g_isa_ok[i] ? "skipped (CPU lacks it)"
                        : kFns[i] ? "tested" : "skipped (no QS8 gavgpool kernel)");
  }
  test_params();
  test_golden(kGoldenKeep, sizeof kGoldenKeep / sizeof kGoldenKeep[0],
              tsp_qs8_gavgpool_params_init, "keep_dims");
  test_golden(kGoldenNoKeep, sizeof kGoldenNoKeep / sizeof kGoldenNoKeep[0],
              tsp_qs8_gavgpool_params_init_no_keep_dims, "no keep_dims");
  tsp_rng rng;
  rng_seed(&rng, 29);
  size_t counter = 0;
  for (size_t spatial = 1; spatial <= 300; ++spatial) {
    for (int k = 0; k < 4; ++k) {
      const size_t channels = 1 + rng_below(&rng, 70);
      const int extreme = counter++ % 5 == 4 ? 1 + k % 2 : 0;
      check(spatial, channels, pick_ld(spatial, &rng), extreme, &rng);
    }
  }
  for (size_t channels = 1; channels <= 70; ++channels) {
    const size_t spatial = 1 + rng_below(&rng, 80);
    check(spatial, channels, pick_ld(spatial, &rng), 0, &rng);
    check(49, channels, pick_ld(49, &rng), channels % 3 == 0, &rng);
  }
  for (int k = 0; k < 6; ++k) { /* 112x112 */
    check(12544, 1 + rng_below(&rng, 40), pick_ld(12544, &rng), k % 3, &rng);
  }
  /* All-extreme rows at the largest plane: the sums at their limits. */
  check(12544, 33, 12544, 1, &rng);
  check(12544, 17, 12544 + 7, 1, &rng);
  return test_summary();
}
