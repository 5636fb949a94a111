/* QS8 ADD tests:
 *  - tsp_qs8_vadd_params_init against TFLite's Prepare written out here
 *    (frexp, round half away), on fixed and random scales, and its refusals;
 *  - both forms of qs8_vadd.h (vector: scalar reference kernel; scalar:
 *    tsp_qs8_vadd_scalar_form) against a naive formula in 64-bit integers
 *    with explicit divisions, over all 65536 (a, b) pairs for a set of
 *    scales (ties made frequent by power-of-two ratios), zero points
 *    -128 / 0 / 127 and random, clamps from none to one value;
 *  - every SIMD kernel against the scalar one, bit-exact: n = 0..300 and
 *    large, exact-size buffers (ASan sees a read past n) with a sentinel
 *    after the output, extreme inputs (saturation at -128 / 127). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"
#include "vbinary/qs8_vadd.h"

static const tsp_qs8_vadd_fn kFns[TSP_ISA_COUNT] = {
    [TSP_ISA_SCALAR] = qs8_vadd__scalar,
#if defined(TSP_TEST_X86)
    [TSP_ISA_AVX2] = qs8_vadd__avx2,
    [TSP_ISA_AVX512] = qs8_vadd__avx512,
#endif
};

static int g_isa_ok[TSP_ISA_COUNT];

/* ------------------------------------------------------ naive formula --- */

static void naive_quantize(double real, int32_t* m, int32_t* e) {
  int exp;
  const double q = frexp(real, &exp);
  int64_t r = (int64_t)floor(q * 2147483648.0 + 0.5); /* positive: half away */
  if (r == (INT64_C(1) << 31)) {
    r /= 2;
    ++exp;
  }
  *m = (int32_t)r;
  *e = exp;
}

static int64_t floor_div(int64_t a, int64_t d) { return a >= 0 ? a / d : -((-a + d - 1) / d); }

/* vqrdmulh: round(a * b / 2^31), ties toward +inf */
static int64_t naive_high_mul(int64_t a, int64_t b) {
  return floor_div(a * b + (INT64_C(1) << 30), INT64_C(1) << 31);
}

/* x / 2^e, ties away from zero */
static int64_t naive_div_pot(int64_t x, int e) {
  const int64_t d = INT64_C(1) << e, ax = x < 0 ? -x : x, q = (ax + d / 2) / d;
  return e == 0 ? x : x < 0 ? -q : q;
}

static int8_t naive_add(int a, int b, const struct tsp_qs8_vadd_params* p, int vector) {
  const int64_t xa = a - p->a_zero_point, xb = b - p->b_zero_point;
  int64_t ya, yb;
  if (vector) {
    ya = naive_high_mul(xa * (INT64_C(1) << (20 + p->a_shift)), p->a_multiplier);
    yb = naive_high_mul(xb * (INT64_C(1) << (20 + p->b_shift)), p->b_multiplier);
  } else {
    ya = naive_div_pot(naive_high_mul(xa * 1048576, p->a_multiplier), -p->a_shift);
    yb = naive_div_pot(naive_high_mul(xb * 1048576, p->b_multiplier), -p->b_shift);
  }
  int64_t y = naive_div_pot(naive_high_mul(ya + yb, p->out_multiplier), p->out_shift) +
              p->out_zero_point;
  y = y < p->min ? p->min : y > p->max ? p->max : y;
  return (int8_t)y;
}

/* ----------------------------------------------------------- params --- */

static void check_params(float sa, int za, float sb, int zb, float so, int zo, int lo, int hi) {
  struct tsp_qs8_vadd_params p;
  const int rc = tsp_qs8_vadd_params_init(sa, za, sb, zb, so, zo, lo, hi, &p);
  EXPECT(rc == 0);
  if (rc != 0) {
    fprintf(stderr, "  refused %g %d %g %d %g %d\n", sa, za, sb, zb, so, zo);
    return;
  }
  const double twice = 2.0 * fmax(sa, sb);
  int32_t m, e;
  naive_quantize(sa / twice, &m, &e);
  EXPECT(p.a_multiplier == m && p.a_shift == e);
  naive_quantize(sb / twice, &m, &e);
  EXPECT(p.b_multiplier == m && p.b_shift == e);
  naive_quantize(twice / (1048576.0 * so), &m, &e);
  EXPECT(p.out_multiplier == m && p.out_shift == -e);
  EXPECT(p.a_zero_point == za && p.b_zero_point == zb && p.out_zero_point == zo);
  EXPECT(p.min == lo && p.max == hi);
}

static void test_params(tsp_rng* rng) {
  struct tsp_qs8_vadd_params p;
  /* equal scales, output twice: a's and b's multiplier 0.5, the output's 2^-20 */
  EXPECT(tsp_qs8_vadd_params_init(0.5f, 0, 0.5f, 0, 1.0f, 0, -128, 127, &p) == 0);
  EXPECT(p.a_multiplier == 1 << 30 && p.a_shift == 0 && p.b_multiplier == 1 << 30);
  EXPECT(p.out_multiplier == 1 << 30 && p.out_shift == 19);
  check_params(0.02f, -3, 0.05f, 10, 0.07f, -128, -128, 127);
  check_params(1.0f, 127, 1.0f / 1048576.0f, -128, 3.0f, 127, 0, 127);
  for (int i = 0; i < 200; ++i) {
    const float sa = expf(rng_uniform(rng, -10.0f, 2.0f));
    const float sb = sa * expf(rng_uniform(rng, -8.0f, 8.0f));
    const float so = fmaxf(sa, sb) * expf(rng_uniform(rng, -2.0f, 4.0f));
    check_params(sa, (int)rng_below(rng, 256) - 128, sb, (int)rng_below(rng, 256) - 128, so,
                 (int)rng_below(rng, 256) - 128, -128, 127);
  }
  /* refusals */
  EXPECT(tsp_qs8_vadd_params_init(0.0f, 0, 1.0f, 0, 1.0f, 0, -128, 127, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, NAN, 0, 1.0f, 0, -128, 127, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, 0, INFINITY, 0, -128, 127, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 128, 1.0f, 0, 1.0f, 0, -128, 127, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, -129, 1.0f, 0, -128, 127, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, 0, 1.0f, 0, 10, 9, &p) == -1);
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, 0, 1.0f, 0, -129, 127, &p) == -1);
  /* scales 2^22 apart: an input shift of -23, TFLite's vshl shifts right */
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f / 4194304.0f, 0, 1.0f, 0, -128, 127, &p) == -1);
  /* the value before the zero point could pass int16 */
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, 0, 1.0f / 64.0f, 0, -128, 127, &p) == -1);
  EXPECT(p.a_multiplier == 0 && p.min == 0 && p.max == 0); /* zeroed when refused */
  EXPECT(tsp_qs8_vadd_params_init(1.0f, 0, 1.0f, 0, 1.0f / 32.0f, 0, -128, 127, &p) == 0);
}

/* ------------------------------------------------ forms vs the naive --- */

/* Where the two forms part, from stock TFLite 2.21 and LiteRT 2.3: a raw ADD
 * of 17 equal elements a = -108 (scale 0x1.b8e39p-10, zp 0), b = 47 (scale
 * 2^-8, zp 0), output scale 2^-8, zp 6, gave 7 for the first 16 (vector
 * loop) and 6 for the 17th (scalar tail). */
static void test_golden(void) {
  struct tsp_qs8_vadd_params p;
  EXPECT(tsp_qs8_vadd_params_init(0x1.b8e39p-10f, 0, 0x1p-8f, 0, 0x1p-8f, 6, -128, 127, &p) == 0);
  int8_t a[17], b[17], y[17];
  for (int i = 0; i < 17; ++i) {
    a[i] = -108;
    b[i] = 47;
  }
  qs8_vadd__scalar(17, a, b, y, &p);
  EXPECT(y[0] == 7 && y[16] == 7);
  EXPECT(tsp_qs8_vadd_scalar_form(-108, 47, &p) == 6);
  EXPECT(naive_add(-108, 47, &p, 1) == 7 && naive_add(-108, 47, &p, 0) == 6);
}

static void random_params(tsp_rng* rng, int kind, struct tsp_qs8_vadd_params* p) {
  for (;;) {
    float sa, sb, so;
    if (kind % 2 == 0) { /* power-of-two ratios: exact ties everywhere */
      sa = ldexpf(1.0f, -(int)rng_below(rng, 10));
      sb = sa * ldexpf(1.0f, (int)rng_below(rng, 7) - 3) * (rng_below(rng, 2) ? 1.0f : 0.75f);
      so = fmaxf(sa, sb) * ldexpf(1.0f, (int)rng_below(rng, 5) - 1);
    } else {
      sa = expf(rng_uniform(rng, -8.0f, 0.0f));
      sb = sa * (rng_below(rng, 4) == 0 ? 1.0f : expf(rng_uniform(rng, -6.0f, 6.0f)));
      so = fmaxf(sa, sb) * expf(rng_uniform(rng, -1.0f, 3.0f));
    }
    static const int kZp[] = {-128, 0, 127};
    const int za = rng_below(rng, 2) ? kZp[rng_below(rng, 3)] : (int)rng_below(rng, 256) - 128;
    const int zb = rng_below(rng, 2) ? kZp[rng_below(rng, 3)] : (int)rng_below(rng, 256) - 128;
    const int zo = rng_below(rng, 2) ? kZp[rng_below(rng, 3)] : (int)rng_below(rng, 256) - 128;
    int lo = -128, hi = 127;
    switch (rng_below(rng, 4)) {
      case 1: lo = zo; break;                                   /* RELU */
      case 2: lo = zo; hi = zo + 60 > 127 ? 127 : zo + 60; break; /* RELU6-like */
      case 3: lo = hi = (int)rng_below(rng, 256) - 128; break;  /* one value */
    }
    if (tsp_qs8_vadd_params_init(sa, za, sb, zb, so, zo, lo, hi, p) == 0) return;
  }
}

static void test_forms(tsp_rng* rng) {
  int8_t* a = test_exact_alloc(65536);
  int8_t* b = test_exact_alloc(65536);
  int8_t* y = test_exact_alloc(65536);
  for (int i = 0; i < 65536; ++i) {
    a[i] = (int8_t)(i & 255);
    b[i] = (int8_t)(i >> 8);
  }
  long bad_vector = 0, bad_scalar = 0, differ = 0;
  for (int k = 0; k < 60; ++k) {
    struct tsp_qs8_vadd_params p;
    random_params(rng, k, &p);
    qs8_vadd__scalar(65536, a, b, y, &p);
    for (int i = 0; i < 65536; ++i) {
      const int8_t v = naive_add(a[i], b[i], &p, 1), s = naive_add(a[i], b[i], &p, 0);
      bad_vector += y[i] != v;
      bad_scalar += tsp_qs8_vadd_scalar_form(a[i], b[i], &p) != s;
      differ += v != s;
    }
  }
  printf("forms: vector %ld, scalar %ld mismatches; the two forms differ on %ld\n", bad_vector,
         bad_scalar, differ);
  EXPECT(bad_vector == 0);
  EXPECT(bad_scalar == 0);
  free(a);
  free(b);
  free(y);
}

/* ------------------------------------------------------ SIMD vs scalar --- */

static void check_simd(size_t n, int extreme, tsp_rng* rng) {
  struct tsp_qs8_vadd_params p;
  random_params(rng, (int)rng_below(rng, 2), &p);
  int8_t* a = test_exact_alloc(n ? n : 1);
  int8_t* b = test_exact_alloc(n ? n : 1);
  int8_t* want = test_exact_alloc(n + 1);
  int8_t* got = test_exact_alloc(n + 1);
  for (size_t i = 0; i < n; ++i) {
    a[i] = extreme ? (int8_t)(rng_below(rng, 2) ? 127 : -128) : rng_i8(rng);
    b[i] = extreme ? (int8_t)(rng_below(rng, 2) ? 127 : -128) : rng_i8(rng);
  }
  qs8_vadd__scalar(n, a, b, want, &p);
  for (int isa = 1; isa < TSP_ISA_COUNT; ++isa) {
    if (!g_isa_ok[isa] || !kFns[isa]) continue;
    memset(got, 0x5A, n + 1);
    kFns[isa](n, a, b, got, &p);
    const int ok = memcmp(got, want, n) == 0 && got[n] == 0x5A;
    if (!ok) fprintf(stderr, "%s: n=%zu mismatch\n", tsp_isa_name((tsp_isa)isa), n);
    EXPECT(ok);
  }
  free(a);
  free(b);
  free(want);
  free(got);
}

int main(void) {
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    g_isa_ok[i] = tsp_isa_supported((tsp_isa)i);
    printf("%s: %s\n", tsp_isa_name((tsp_isa)i),
           !g_isa_ok[i] ? "skipped (CPU lacks it)"
                        : kFns[i] ? "tested" : "skipped (no QS8 vadd kernel)");
    if (g_isa_ok[i]) {
      const tsp_kernel_table* t = tsp_kernels((tsp_isa)i);
      EXPECT(t && t->qs8_vadd);
      if (i != TSP_ISA_NEON) test_isa_has_kernel(i, (const void*)kFns[i]);
    }
  }
  tsp_rng rng;
  rng_seed(&rng, 41);
  test_params(&rng);
  test_golden();
  test_forms(&rng);
  for (size_t n = 0; n <= 300; ++n) check_simd(n, n % 7 == 3, &rng);
  check_simd(12544 * 3 + 5, 0, &rng);
  check_simd(4096, 1, &rng);
  return test_summary();
}
