/* Element-wise kernels (clamp, sigmoid, swish, hard swish, add, mul,
 * per-channel scale): the scalar references against double-precision
 * formulas, every SIMD kernel against its reference, on every length 0..80
 * and a few large ones (tails of every width), with NaN, +-Inf, huge and
 * tiny inputs mixed in, and under every fused clamp. Buffers are exactly n
 * floats so reading or writing past n trips ASan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

#define NUM_ISA TSP_ISA_COUNT

/* NaN where NaN is wanted, the same infinity, or |got - want| <= tol. */
static int same_or_close(const char* what, const float* got, const float* want, size_t n,
                         float rtol, float atol) {
  for (size_t i = 0; i < n; ++i) {
    int ok = isnan(want[i]) ? isnan(got[i])
             : isinf(want[i]) ? got[i] == want[i]
                              : fabsf(got[i] - want[i]) <= atol + rtol * fabsf(want[i]);
    if (!ok) {
      fprintf(stderr, "%s: element %zu of %zu: got %.9g, want %.9g\n", what, i, n, got[i], want[i]);
      test_record(0);
      return 0;
    }
  }
  test_record(1);
  return 1;
}

static float* make(size_t n) {
  float* p = malloc(n ? n * sizeof(float) : 1);
  if (!p) abort();
  return p;
}

/* Mostly [-8, 8]; some huge, some tiny, some beyond exp's range, some NaN/Inf. */
static void fill(float* x, size_t n, tsp_rng* rng) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = rng_below(rng, 40);
    x[i] = r == 0   ? NAN
           : r == 1 ? INFINITY
           : r == 2 ? -INFINITY
           : r == 3 ? rng_uniform(rng, -120.0f, 120.0f)
           : r == 4 ? rng_uniform(rng, -1e-3f, 1e-3f)
                    : rng_uniform(rng, -8.0f, 8.0f);
  }
}

static const tsp_minmax kClamps[] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f}};

typedef struct {
  const char* name;
  tsp_vunary_fn fn[NUM_ISA];
  double (*exact)(double);
} unary_kernel;

static double d_identity(double x) { return x; }
static double d_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double d_swish(double x) { return x * d_sigmoid(x); }
static double d_hswish(double x) { return x * fmin(6.0, fmax(0.0, x + 3.0)) / 6.0; }

#ifdef TSP_TEST_X86
#define X86(k) [TSP_ISA_AVX2] = f32_##k##__avx2, [TSP_ISA_AVX512] = f32_##k##__avx512,
#else
#define X86(k)
#endif
#ifdef TSP_TEST_NEON
#define NEON(k) [TSP_ISA_NEON] = f32_##k##__neon,
#else
#define NEON(k)
#endif
#define TABLE(k) {[TSP_ISA_SCALAR] = f32_##k##__scalar, X86(k) NEON(k)}

static const unary_kernel kUnary[] = {
    {"vclamp", TABLE(vclamp), d_identity},
    {"vsigmoid", TABLE(vsigmoid), d_sigmoid},
    {"vswish", TABLE(vswish), d_swish},
    {"vhswish", TABLE(vhswish), d_hswish},
};

/* The reference against the formula, on finite inputs (NaN/Inf follow C's
 * arithmetic and are checked against the SIMD kernels). */
static void check_reference(const unary_kernel* k, const float* x, const float* ref, size_t n,
                            const tsp_minmax* clamp) {
  float* want = make(n);
  for (size_t i = 0; i < n; ++i) {
    double v = isfinite(x[i]) ? k->exact((double)x[i]) : (double)ref[i];
    if (isfinite(x[i])) v = v < clamp->min ? clamp->min : v > clamp->max ? clamp->max : v;
    want[i] = (float)v;
  }
  char what[96];
  snprintf(what, sizeof what, "%s scalar vs formula, n=%zu", k->name, n);
  same_or_close(what, ref, want, n, 2e-6f, 1e-30f);
  free(want);
}

static void check_unary(const unary_kernel* k, size_t n, tsp_rng* rng) {
  float* x = make(n);
  float* ref = make(n);
  float* got = make(n);
  fill(x, n, rng);
  for (size_t c = 0; c < sizeof kClamps / sizeof kClamps[0]; ++c) {
    k->fn[TSP_ISA_SCALAR](n, x, ref, &kClamps[c]);
    check_reference(k, x, ref, n, &kClamps[c]);
    for (int isa = 1; isa < NUM_ISA; ++isa) {
      if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)k->fn[isa])) continue;
      for (size_t i = 0; i < n; ++i) got[i] = -12345.0f;
      k->fn[isa](n, x, got, &kClamps[c]);
      char what[96];
      snprintf(what, sizeof what, "%s %s n=%zu clamp %zu", k->name, tsp_isa_name((tsp_isa)isa), n, c);
      same_or_close(what, got, ref, n, 2e-6f, 1e-30f);
      memcpy(got, x, n * sizeof(float)); /* in place */
      k->fn[isa](n, got, got, &kClamps[c]);
      snprintf(what, sizeof what, "%s %s in place n=%zu", k->name, tsp_isa_name((tsp_isa)isa), n);
      same_or_close(what, got, ref, n, 2e-6f, 1e-30f);
    }
  }
  free(x);
  free(ref);
  free(got);
}

typedef struct {
  const char* name;
  tsp_vbinary_fn fn[NUM_ISA];
  int is_add;
} binary_kernel;

static const binary_kernel kBinary[] = {
    {"vadd", TABLE(vadd), 1},
    {"vmul", TABLE(vmul), 0},
};

static void check_binary(const binary_kernel* k, size_t n, tsp_rng* rng) {
  float* a = make(n);
  float* b = make(n);
  float* ref = make(n);
  float* got = make(n);
  fill(a, n, rng);
  fill(b, n, rng);
  for (size_t c = 0; c < sizeof kClamps / sizeof kClamps[0]; ++c) {
    const tsp_minmax* clamp = &kClamps[c];
    k->fn[TSP_ISA_SCALAR](n, a, b, ref, clamp);
    for (size_t i = 0; i < n; ++i) { /* exact in float: one rounding, then the clamp */
      float v = k->is_add ? a[i] + b[i] : a[i] * b[i];
      got[i] = isnan(v) ? v : v < clamp->min ? clamp->min : v > clamp->max ? clamp->max : v;
    }
    char what[96];
    snprintf(what, sizeof what, "%s scalar n=%zu clamp %zu", k->name, n, c);
    same_or_close(what, ref, got, n, 0.0f, 0.0f);
    for (int isa = 1; isa < NUM_ISA; ++isa) {
      if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)k->fn[isa])) continue;
      memcpy(got, a, n * sizeof(float));
      k->fn[isa](n, got, b, got, clamp); /* y aliases a, as the plan may do */
      snprintf(what, sizeof what, "%s %s n=%zu clamp %zu", k->name, tsp_isa_name((tsp_isa)isa), n, c);
      same_or_close(what, got, ref, n, 0.0f, 0.0f);
    }
  }
  free(a);
  free(b);
  free(ref);
  free(got);
}

static const tsp_vmulc_chw_fn kMulc[NUM_ISA] = TABLE(vmulc_chw);

/* n columns of `channels` rows `stride` apart; the gap columns hold a
 * sentinel that must come out untouched. */
static void check_mulc(size_t channels, size_t n, size_t stride, tsp_rng* rng) {
  const size_t total = channels ? (channels - 1) * stride + n : 0;
  float* x = make(total);
  float* scale = make(channels);
  float* ref = make(total);
  float* got = make(total);
  fill(x, total, rng);
  fill(scale, channels, rng);
  for (size_t c = 0; c < sizeof kClamps / sizeof kClamps[0]; ++c) {
    const tsp_minmax* clamp = &kClamps[c];
    for (size_t i = 0; i < total; ++i) ref[i] = got[i] = 777.0f;
    kMulc[TSP_ISA_SCALAR](channels, n, x, stride, scale, ref, clamp);
    int ok = 1;
    for (size_t ch = 0; ch < channels; ++ch)
      for (size_t i = 0; i < stride && ch * stride + i < total; ++i) {
        float v = x[ch * stride + i] * scale[ch];
        v = isnan(v) ? v : v < clamp->min ? clamp->min : v > clamp->max ? clamp->max : v;
        float want = i < n ? v : 777.0f;
        float r = ref[ch * stride + i];
        ok &= isnan(want) ? isnan(r) : r == want;
      }
    EXPECT(ok);
    for (int isa = 1; isa < NUM_ISA; ++isa) {
      if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)kMulc[isa])) continue;
      for (size_t i = 0; i < total; ++i) got[i] = 777.0f;
      kMulc[isa](channels, n, x, stride, scale, got, clamp);
      char what[96];
      snprintf(what, sizeof what, "vmulc_chw %s channels %zu n %zu stride %zu", tsp_isa_name((tsp_isa)isa),
               channels, n, stride);
      same_or_close(what, got, ref, total, 0.0f, 0.0f);
    }
  }
  free(x);
  free(scale);
  free(ref);
  free(got);
}

int main(void) {
  tsp_rng rng;
  rng_seed(&rng, 11);
  static const size_t big[] = {255, 256, 1000, 3136, 12544 + 7};
  for (size_t k = 0; k < sizeof kUnary / sizeof kUnary[0]; ++k) {
    for (size_t n = 0; n <= 80; ++n) check_unary(&kUnary[k], n, &rng);
    for (size_t i = 0; i < 5; ++i) check_unary(&kUnary[k], big[i], &rng);
  }
  for (size_t k = 0; k < sizeof kBinary / sizeof kBinary[0]; ++k) {
    for (size_t n = 0; n <= 80; ++n) check_binary(&kBinary[k], n, &rng);
    for (size_t i = 0; i < 5; ++i) check_binary(&kBinary[k], big[i], &rng);
  }
  for (size_t n = 0; n <= 40; ++n) {
    check_mulc(3, n, n, &rng);
    check_mulc(5, n, tsp_chw_ld(n), &rng);
  }
  check_mulc(1, 1, 1, &rng);    /* a 1x1 map: one value per channel */
  check_mulc(1152, 1, 1, &rng);
  check_mulc(96, 3136, 3136, &rng);
  check_mulc(0, 7, 16, &rng);
  for (int isa = 0; isa < NUM_ISA; ++isa)
    printf("%s: %s\n", tsp_isa_name((tsp_isa)isa),
           tsp_isa_supported((tsp_isa)isa) ? "tested" : "skipped (not supported)");
  return test_summary();
}
