/* QS8 SpMM tests: TFLite's requantization arithmetic on known values, the
 * multiplier quantization, the packer's streams and zero-point fold, the
 * scalar reference against a naive dense formula (unfolded zero point,
 * requantization written out from gemmlowp's definitions), and every SIMD
 * kernel against the scalar one, bit-exact, on awkward shapes.
 *
 * Input and output buffers are malloc'd with their exact size so
 * AddressSanitizer catches a tail that reads or writes past column nc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "qs8_spmm.h"
#include "ukernels.h"
#include "test_util.h"

typedef struct {
  const char* name;
  tsp_qs8_spmm_fn fn;
  tsp_isa isa;
  uint32_t block;
  int vnni; /* also needs AVX512_VNNI (not a tsp_isa of its own) */
} qs8_kernel;

static const qs8_kernel kKernels[] = {
#ifdef TSP_TEST_X86
    {"qs8_spmm_32x1__avx2", qs8_spmm_32x1__avx2, TSP_ISA_AVX2, 1, 0},
    {"qs8_spmm_32x2__avx2", qs8_spmm_32x2__avx2, TSP_ISA_AVX2, 2, 0},
    {"qs8_spmm_32x4__avx2", qs8_spmm_32x4__avx2, TSP_ISA_AVX2, 4, 0},
    {"qs8_spmm_64x1__avx2", qs8_spmm_64x1__avx2, TSP_ISA_AVX2, 1, 0},
    {"qs8_spmm_64x2__avx2", qs8_spmm_64x2__avx2, TSP_ISA_AVX2, 2, 0},
    {"qs8_spmm_64x4__avx2", qs8_spmm_64x4__avx2, TSP_ISA_AVX2, 4, 0},
    {"qs8_spmm_64x1__avx512", qs8_spmm_64x1__avx512, TSP_ISA_AVX512, 1, 0},
    {"qs8_spmm_64x2__avx512", qs8_spmm_64x2__avx512, TSP_ISA_AVX512, 2, 0},
    {"qs8_spmm_64x4__avx512", qs8_spmm_64x4__avx512, TSP_ISA_AVX512, 4, 0},
    {"qs8_spmm_128x1__avx512", qs8_spmm_128x1__avx512, TSP_ISA_AVX512, 1, 0},
    {"qs8_spmm_128x2__avx512", qs8_spmm_128x2__avx512, TSP_ISA_AVX512, 2, 0},
    {"qs8_spmm_128x4__avx512", qs8_spmm_128x4__avx512, TSP_ISA_AVX512, 4, 0},
    {"qs8_spmm_64x1__avx512vnni", qs8_spmm_64x1__avx512vnni, TSP_ISA_AVX512, 1, 1},
    {"qs8_spmm_64x2__avx512vnni", qs8_spmm_64x2__avx512vnni, TSP_ISA_AVX512, 2, 1},
    {"qs8_spmm_64x4__avx512vnni", qs8_spmm_64x4__avx512vnni, TSP_ISA_AVX512, 4, 1},
    {"qs8_spmm_128x1__avx512vnni", qs8_spmm_128x1__avx512vnni, TSP_ISA_AVX512, 1, 1},
    {"qs8_spmm_128x2__avx512vnni", qs8_spmm_128x2__avx512vnni, TSP_ISA_AVX512, 2, 1},
    {"qs8_spmm_128x4__avx512vnni", qs8_spmm_128x4__avx512vnni, TSP_ISA_AVX512, 4, 1},
#endif
#ifdef TSP_TEST_NEON
    {"qs8_spmm_16x1__neon", qs8_spmm_16x1__neon, TSP_ISA_NEON, 1, 0},
    {"qs8_spmm_16x2__neon", qs8_spmm_16x2__neon, TSP_ISA_NEON, 2, 0},
    {"qs8_spmm_16x4__neon", qs8_spmm_16x4__neon, TSP_ISA_NEON, 4, 0},
#endif
    {"none", NULL, TSP_ISA_SCALAR, 0, 0}, /* keeps the array non-empty; skipped */
};
#define NUM_KERNELS (sizeof(kKernels) / sizeof(kKernels[0]))

static int g_vnni; /* the CPU has AVX512_VNNI */

static int kernel_runs(const qs8_kernel* k, uint32_t block, const int* isa_ok) {
  return k->fn != NULL && k->block == block && isa_ok[k->isa] && (!k->vnni || g_vnni);
}

/* ------------------------------------------- naive TFLite arithmetic --- */

/* gemmlowp's SaturatingRoundingDoublingHighMul, written from its definition. */
static int32_t naive_srdhm(int32_t a, int32_t b) {
  const int overflow = a == b && a == INT32_MIN;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = (int32_t)((ab + nudge) / (INT64_C(1) << 31));
  return overflow ? INT32_MAX : high;
}

/* gemmlowp's RoundingDivideByPOT. */
static int32_t naive_rdbpot(int32_t x, int e) {
  const int64_t mask = (INT64_C(1) << e) - 1;
  const int64_t remainder = (int64_t)x & mask;
  const int64_t threshold = (mask >> 1) + (x < 0);
  const int64_t q = x >= 0 ? (int64_t)x >> e : -((-(int64_t)x + mask) >> e); /* floor */
  return (int32_t)(q + (remainder > threshold));
}

/* TFLite's MultiplyByQuantizedMultiplier; x * (1 << left) wraps mod 2^32. */
static int32_t naive_mbqm(int32_t x, int32_t mult, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t wide = (int64_t)x * (INT64_C(1) << left);
  const int32_t shifted = (int32_t)(uint32_t)(uint64_t)wide;
  return naive_rdbpot(naive_srdhm(shifted, mult), right);
}

/* ruy's rounding right shift (TFLite's int8 CONV_2D): nearest, ties toward
 * +infinity, written as floor((x + 2^(e-1)) / 2^e) in 64 bits. */
static int32_t naive_rshift_up(int32_t x, int e) {
  if (e == 0) return x;
  const int64_t sum = (int64_t)x + (INT64_C(1) << (e - 1));
  const int64_t d = INT64_C(1) << e;
  return (int32_t)(sum >= 0 ? sum / d : -((-sum + d - 1) / d)); /* floor */
}

/* The conv variant: the same high-mul, then ruy's shift. */
static int32_t naive_mbqm_conv(int32_t x, int32_t mult, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t wide = (int64_t)x * (INT64_C(1) << left);
  const int32_t shifted = (int32_t)(uint32_t)(uint64_t)wide;
  return naive_rshift_up(naive_srdhm(shifted, mult), right);
}

static void test_arithmetic(void) {
  EXPECT(tsp_qs8_srdhm(3, 1 << 30) == 2 && naive_srdhm(3, 1 << 30) == 2);
  EXPECT(tsp_qs8_srdhm(-3, 1 << 30) == -1 && naive_srdhm(-3, 1 << 30) == -1);
  EXPECT(tsp_qs8_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
  EXPECT(tsp_qs8_srdhm(INT32_MIN, INT32_MAX) == -INT32_MAX);
  EXPECT(tsp_qs8_srdhm(INT32_MAX, INT32_MAX) == INT32_MAX - 1);
  EXPECT(tsp_qs8_rdbpot(5, 1) == 3 && tsp_qs8_rdbpot(-5, 1) == -3);
  EXPECT(tsp_qs8_rdbpot(-1, 31) == 0 && tsp_qs8_rdbpot(INT32_MIN, 31) == -1);
  EXPECT(tsp_qs8_rdbpot(INT32_MAX, 31) == 1 && tsp_qs8_rdbpot(7, 0) == 7);
  EXPECT(tsp_qs8_mbqm(100, 1 << 30, 0) == 50 && tsp_qs8_mbqm(100, 1 << 30, 2) == 200);
  EXPECT(tsp_qs8_mbqm(100, 1 << 30, -3) == 6); /* 50 / 8 = 6.25 */
  /* ties: gemmlowp away from zero, ruy toward +infinity */
  EXPECT(tsp_qs8_rshift_up(5, 1) == 3 && tsp_qs8_rshift_up(-5, 1) == -2);
  EXPECT(tsp_qs8_rshift_up(-1, 31) == 0 && tsp_qs8_rshift_up(INT32_MIN, 31) == -1);
  EXPECT(tsp_qs8_rshift_up(INT32_MAX, 31) == 1 && tsp_qs8_rshift_up(INT32_MAX, 1) == 1 << 30);
  EXPECT(tsp_qs8_mbqm_conv(-100, 1 << 30, -3) == -6 && tsp_qs8_mbqm(-100, 1 << 30, -3) == -6);
  EXPECT(tsp_qs8_mbqm_conv(-60, 1 << 30, -3) == -4 && tsp_qs8_mbqm(-60, 1 << 30, -3) == -4);
  EXPECT(tsp_qs8_mbqm_conv(-40, 1 << 30, -3) == -2 && tsp_qs8_mbqm(-40, 1 << 30, -3) == -3);
  /* Random agreement of the header's versions with the naive ones. */
  tsp_rng rng;
  rng_seed(&rng, 11);
  int ok = 1;
  for (int i = 0; i < 200000 && ok; ++i) {
    int32_t x = rng_i32(&rng), m = rng_i32(&rng);
    if (i % 7 == 0) x = INT32_MIN + (int32_t)rng_below(&rng, 3);
    if (i % 11 == 0) m = INT32_MIN + (int32_t)rng_below(&rng, 2);
    const int shift = (int)rng_below(&rng, 63) - 31;
    ok = tsp_qs8_mbqm(x, m, shift) == naive_mbqm(x, m, shift) &&
         tsp_qs8_mbqm_conv(x, m, shift) == naive_mbqm_conv(x, m, shift);
    if (!ok) fprintf(stderr, "mbqm(%d, %d, %d)\n", x, m, shift);
  }
  EXPECT(ok);
}

static void test_quantize_multiplier(void) {
  int32_t m, s;
  EXPECT(tsp_qs8_quantize_multiplier(0.0, &m, &s) == 0 && m == 0 && s == 0);
  EXPECT(tsp_qs8_quantize_multiplier(0.5, &m, &s) == 0 && m == (1 << 30) && s == 0);
  EXPECT(tsp_qs8_quantize_multiplier(1.0, &m, &s) == 0 && m == (1 << 30) && s == 1);
  EXPECT(tsp_qs8_quantize_multiplier(0.75, &m, &s) == 0 && m == 1610612736 && s == 0);
  /* q * 2^31 rounding up to 2^31 becomes 2^30 with one more shift. */
  EXPECT(tsp_qs8_quantize_multiplier(1.0 - ldexp(1.0, -40), &m, &s) == 0 && m == (1 << 30) && s == 1);
  EXPECT(tsp_qs8_quantize_multiplier(ldexp(1.0, -32), &m, &s) == 0 && m == (1 << 30) && s == -31);
  EXPECT(tsp_qs8_quantize_multiplier(ldexp(1.0, -33), &m, &s) == 0 && m == 0 && s == 0);
  EXPECT(tsp_qs8_quantize_multiplier(ldexp(1.0, 30), &m, &s) == 0 && m == (1 << 30) && s == 31);
  EXPECT(tsp_qs8_quantize_multiplier(ldexp(1.0, 31), &m, &s) == -1);
  EXPECT(tsp_qs8_quantize_multiplier(-0.5, &m, &s) == -1);
  EXPECT(tsp_qs8_quantize_multiplier(NAN, &m, &s) == -1);
  EXPECT(tsp_qs8_quantize_multiplier(INFINITY, &m, &s) == -1);
  tsp_rng rng;
  rng_seed(&rng, 12);
  int ok = 1;
  for (int i = 0; i < 10000 && ok; ++i) {
    const double real = ldexp(rng_uniform(&rng, 0.5f, 1.0f), (int)rng_below(&rng, 40) - 30);
    ok = tsp_qs8_quantize_multiplier(real, &m, &s) == 0 && m >= (1 << 30) &&
         fabs(ldexp((double)m, s - 31) - real) <= ldexp(real, -30);
  }
  EXPECT(ok);
}

/* ---------------------------------------------------------- fixtures --- */

typedef struct {
  uint32_t out, in;
  size_t nc, in_stride, out_stride; /* bytes */
  float sparsity;
  int32_t zx;
  tsp_qs8_output q;
  int extreme; /* 0 random, 1 extreme multipliers/shifts/biases */
} qs8_case;

/* Dense [out][in] int8 weights, block x input-channel tiles zero with
 * probability `sparsity`; holes inside kept blocks; row 1 all zero. */
static int8_t* make_weights(tsp_rng* rng, uint32_t out, uint32_t in, uint32_t block,
                            float sparsity) {
  int8_t* w = test_exact_alloc((size_t)out * in + 1);
  const uint32_t full_rows = out / block * block;
  for (uint32_t row0 = 0; row0 < out;) {
    const uint32_t rows = row0 < full_rows ? block : 1;
    for (uint32_t ci = 0; ci < in; ++ci) {
      const int keep = rng_uniform(rng, 0.0f, 1.0f) >= sparsity;
      for (uint32_t r = 0; r < rows; ++r) {
        int8_t v = rng_i8(rng);
        if (v == 0) v = 1;
        const int hole = keep && rows > 1 && rng_below(rng, 4) == 0;
        w[(size_t)(row0 + r) * in + ci] = keep && !hole ? v : 0;
      }
    }
    row0 += rows;
  }
  if (out > 1 && sparsity > 0.0f) memset(w + in, 0, in);
  return w;
}

/* Per-channel requantization: TFLite-like multipliers, or extremes. */
static void make_requant(tsp_rng* rng, uint32_t out, int extreme, int32_t* bias, int32_t* mult,
                         int32_t* shift) {
  for (uint32_t r = 0; r < out; ++r) {
    if (!extreme) {
      const double real = ldexp(rng_uniform(rng, 0.5f, 1.0f), (int)rng_below(rng, 24) - 20);
      tsp_qs8_quantize_multiplier(real, &mult[r], &shift[r]);
      bias[r] = (int32_t)rng_below(rng, 200001) - 100000;
      continue;
    }
    static const int32_t kMults[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, 1 << 30, INT32_MAX,
                                     INT32_MAX - 1};
    static const int32_t kBiases[] = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1000,
                                      INT32_MIN + 1000, -1, 0};
    mult[r] = rng_below(rng, 2) ? kMults[rng_below(rng, 8)] : rng_i32(rng);
    shift[r] = rng_below(rng, 2) ? (rng_below(rng, 2) ? -31 : 31) : (int32_t)rng_below(rng, 63) - 31;
    bias[r] = rng_below(rng, 2) ? kBiases[rng_below(rng, 7)] : rng_i32(rng);
  }
}

static int8_t* make_input(tsp_rng* rng, uint32_t in, size_t nc, size_t stride, int mode) {
  const size_t n = in ? (in - 1) * stride + nc : 0;
  int8_t* x = test_exact_alloc(n);
  for (size_t i = 0; i < n; ++i) x[i] = mode == 1 ? -128 : mode == 2 ? 127 : rng_i8(rng);
  return x;
}

static size_t output_bytes(uint32_t out, size_t nc, size_t stride) {
  return (out - 1) * stride + nc;
}

#define SENTINEL ((int8_t)0x5A)

/* The unfolded formula: bias + sum w * (x - zx) (mod 2^32), then TFLite's
 * requantization, zero point and clamp. */
static void naive(const int8_t* w, const int32_t* bias, const int32_t* mult,
                  const int32_t* shift, const qs8_case* c, const int8_t* x, int8_t* y) {
  for (uint32_t co = 0; co < c->out; ++co) {
    for (size_t j = 0; j < c->nc; ++j) {
      uint32_t acc = (uint32_t)bias[co];
      for (uint32_t ci = 0; ci < c->in; ++ci) {
        const int32_t xv = (int32_t)x[ci * c->in_stride + j] - c->zx;
        acc += (uint32_t)((int32_t)w[(size_t)co * c->in + ci] * xv);
      }
      int64_t v = (int64_t)naive_mbqm_conv((int32_t)acc, mult[co], shift[co]) + c->q.zero_point;
      v = v < c->q.min ? c->q.min : v > c->q.max ? c->q.max : v;
      y[co * c->out_stride + j] = (int8_t)v;
    }
  }
}

static int check_output(const char* what, const int8_t* got, const int8_t* want,
                        const qs8_case* c) {
  for (uint32_t co = 0; co < c->out; ++co) {
    const int8_t* g = got + co * c->out_stride;
    for (size_t j = 0; j < c->nc; ++j) {
      if (g[j] != want[co * c->out_stride + j]) {
        fprintf(stderr, "%s: row %u col %zu: got %d want %d\n", what, co, j, g[j],
                want[co * c->out_stride + j]);
        return 0;
      }
    }
    for (size_t j = c->nc; j < c->out_stride && co + 1 < c->out; ++j) {
      if (g[j] != SENTINEL) {
        fprintf(stderr, "%s: row %u col %zu: padding overwritten\n", what, co, j);
        return 0;
      }
    }
  }
  return 1;
}

/* Rebuilds the dense matrix and the folded bias from the streams. */
static int check_streams(const tsp_qs8_spmm_packed* p, const int8_t* w, const int32_t* bias,
                         int32_t zx) {
  const tsp_qs8_spmm_weights* v = &p->view;
  const uint32_t in = v->in_channels, groups = v->full_groups + v->tail_rows;
  int8_t* dense = calloc((size_t)v->out_channels * in + 1, 1);
  if (!dense) abort();
  int64_t offset = v->first_offset;
  const int8_t* vals = v->values;
  size_t k = 0;
  uint32_t row0 = 0;
  int ok = 1;
  for (uint32_t g = 0; g < groups && ok; ++g) {
    const uint32_t rows = g < v->full_groups ? v->block : 1;
    for (uint32_t n = 0; n < v->counts[g] && ok; ++n, ++k, vals += rows) {
      const uint32_t ci = p->channels[k];
      ok = ci < in && (n == 0 || ci > p->channels[k - 1]) &&
           offset == (int64_t)ci * (int64_t)p->input_stride;
      int any = 0;
      for (uint32_t r = 0; r < rows && ok; ++r) {
        dense[(size_t)(row0 + r) * in + ci] = vals[r];
        any |= vals[r] != 0;
      }
      ok = ok && any;
      offset += v->diffs[k];
    }
    row0 += rows;
  }
  ok = ok && k == p->nnz_blocks && offset == v->first_offset && row0 == v->out_channels &&
       memcmp(dense, w, (size_t)v->out_channels * in) == 0;
  for (uint32_t r = 0; r < v->out_channels && ok; ++r) {
    int64_t sum = 0;
    for (uint32_t ci = 0; ci < in; ++ci) sum += w[(size_t)r * in + ci];
    const int64_t folded = (int64_t)(bias ? bias[r] : 0) - (int64_t)zx * sum;
    ok = v->bias[r] == (int32_t)(uint32_t)(uint64_t)folded;
  }
  free(dense);
  return ok;
}

/* Packs for each block, checks streams, the scalar kernel against the naive
 * formula and each SIMD kernel of the block against the scalar kernel. */
static void run_case(tsp_rng* rng, const qs8_case* c, int input_mode, const int* isa_ok) {
  int32_t* bias = test_exact_alloc(c->out * sizeof(int32_t));
  int32_t* mult = test_exact_alloc(c->out * sizeof(int32_t));
  int32_t* shift = test_exact_alloc(c->out * sizeof(int32_t));
  make_requant(rng, c->out, c->extreme, bias, mult, shift);
  int8_t* x = make_input(rng, c->in, c->nc, c->in_stride, input_mode);
  const int8_t* xin = c->in ? x : (const int8_t*)bias; /* in == 0: never read */
  const size_t ny = output_bytes(c->out, c->nc, c->out_stride);
  int8_t* want = test_exact_alloc(ny);
  int8_t* ref = test_exact_alloc(ny);
  int8_t* got = test_exact_alloc(ny);
  const uint32_t blocks[] = {1, 2, 4};
  for (int b = 0; b < 3; ++b) {
    int8_t* w = make_weights(rng, c->out, c->in, blocks[b], c->sparsity);
    tsp_qs8_spmm_packed p;
    if (tsp_qs8_spmm_pack(w, bias, mult, shift, c->zx, c->out, c->in, blocks[b], c->in_stride,
                          &p) != 0) {
      EXPECT(!"pack failed");
      free(w);
      continue;
    }
    EXPECT(check_streams(&p, w, bias, c->zx));
    char what[200];
    memset(want, SENTINEL, ny);
    memset(ref, SENTINEL, ny);
    naive(w, bias, mult, shift, c, x, want);
    qs8_spmm__scalar(c->nc, &p.view, xin, ref, c->out_stride, &c->q);
    snprintf(what, sizeof(what), "scalar b%u out%u in%u nc%zu sp%.1f zx%d ext%d", blocks[b],
             c->out, c->in, c->nc, c->sparsity, c->zx, c->extreme);
    test_record(check_output(what, ref, want, c));
    for (size_t k = 0; k < NUM_KERNELS; ++k) {
      if (!kernel_runs(&kKernels[k], blocks[b], isa_ok)) continue;
      memset(got, SENTINEL, ny);
      kKernels[k].fn(c->nc, &p.view, xin, got, c->out_stride, &c->q);
      snprintf(what, sizeof(what), "%s out%u in%u nc%zu sp%.1f zx%d ext%d os%zu",
               kKernels[k].name, c->out, c->in, c->nc, c->sparsity, c->zx, c->extreme,
               c->out_stride);
      test_record(check_output(what, got, ref, c));
    }
    tsp_qs8_spmm_release(&p);
    free(w);
  }
  free(got);
  free(ref);
  free(want);
  free(x);
  free(shift);
  free(mult);
  free(bias);
}

static void test_kernels(const int* isa_ok) {
  tsp_rng rng;
  rng_seed(&rng, 2);
  const size_t ncs[] = {1,  7,  8,  9,  15, 16,  17,  31,  32,  33,
                        49, 63, 64, 65, 100, 127, 129, 196, 200};
  const uint32_t outs[] = {1, 3, 5, 7, 30}, ins[] = {0, 1, 3, 17, 64};
  const float sparsities[] = {0.0f, 0.5f, 0.9f, 1.0f};
  const int32_t zxs[] = {-128, 127, 0, 5};
  size_t n = 0;
  for (size_t a = 0; a < sizeof(ncs) / sizeof(ncs[0]); ++a) {
    for (size_t o = 0; o < 5; ++o) {
      for (size_t i = 0; i < 5; ++i) {
        for (size_t s = 0; s < 4; ++s, ++n) {
          const size_t in_pad[] = {0, 1, 5}, out_pad[] = {0, 3, 40};
          const int32_t zy = (int32_t)rng_below(&rng, 256) - 128;
          /* Clamps: none, RELU-like [zy, 127], a narrow window. */
          const int32_t lo = (int32_t)rng_below(&rng, 128) - 128;
          const tsp_qs8_output qs[3] = {{zy, -128, 127, 0}, {zy, zy, 127, 0}, {zy, lo, lo + 20, 0}};
          const qs8_case c = {outs[o], ins[i], ncs[a], ncs[a] + in_pad[n % 3],
                              ncs[a] + out_pad[(n / 3) % 3], sparsities[s], zxs[n % 4],
                              qs[n % 3], (int)(n % 5 == 4)};
          run_case(&rng, &c, (int)(n % 7 == 6) + (int)(n % 11 == 10) * 2, isa_ok);
        }
      }
    }
  }
}

/* Every column count 1..200 (each remainder of the 16-, 32-, 64- and
 * 128-column tiles, MobileNet's 49 and 196), on a few small shapes with tail
 * rows, so masks and fallbacks to narrower tiles meet every nc. */
static void test_column_sweep(const int* isa_ok) {
  tsp_rng rng;
  rng_seed(&rng, 3);
  const float sparsities[] = {0.0f, 0.5f, 0.9f, 1.0f};
  const int32_t zxs[] = {-128, 127, 0, 5};
  for (size_t nc = 1; nc <= 200; ++nc) {
    const int32_t zy = (int32_t)rng_below(&rng, 256) - 128;
    const tsp_qs8_output q = {zy, nc % 3 ? -128 : zy, 127, 0};
    const qs8_case c = {nc % 2 ? 7u : 6u, nc % 4 ? 17u : 4u, nc, nc + nc % 3, nc + 2 * (nc % 2),
                        sparsities[nc % 4], zxs[(nc / 4) % 4], q, (int)(nc % 5 == 4)};
    run_case(&rng, &c, (int)(nc % 7 == 6) + (int)(nc % 11 == 10) * 2, isa_ok);
  }
}

/* Hand-made saturation cases: acc (bias, no non-zeros, or a chain that ends
 * at INT32_MIN) times multiplier INT32_MIN, with and without shifts. */
static void test_saturation(const int* isa_ok) {
  enum { OUT = 8, IN = 4, NC = 37 };
  int8_t w[OUT * IN];
  memset(w, 0, sizeof(w));
  int32_t bias[OUT], mult[OUT], shift[OUT];
  for (int r = 0; r < OUT; ++r) {
    bias[r] = r < 4 ? INT32_MIN : INT32_MIN >> (r - 3); /* shifted left back to MIN */
    mult[r] = INT32_MIN;
    shift[r] = r < 4 ? -(r * 10) : r - 3;
  }
  w[1 * IN + 2] = -128; /* row 1: acc = MIN - 128 * x (wraps) */
  int8_t x[(IN - 1) * NC + NC];
  for (size_t i = 0; i < sizeof(x); ++i) x[i] = (int8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? -128 : 127);
  const tsp_qs8_output q = {-3, -128, 127, 0};
  const qs8_case c = {OUT, IN, NC, NC, NC, 0.0f, 0, q, 1};
  int8_t want[OUT * NC], ref[OUT * NC], got[OUT * NC];
  naive(w, bias, mult, shift, &c, x, want);
  EXPECT(want[0] == 127 && want[4] == 127); /* saturated high-mul, then clamp */
  for (uint32_t b = 1; b <= 4; b *= 2) {
    tsp_qs8_spmm_packed p;
    EXPECT(tsp_qs8_spmm_pack(w, bias, mult, shift, 0, OUT, IN, b, NC, &p) == 0);
    qs8_spmm__scalar(NC, &p.view, x, ref, NC, &q);
    test_record(check_output("saturation scalar", ref, want, &c));
    for (size_t k = 0; k < NUM_KERNELS; ++k) {
      if (!kernel_runs(&kKernels[k], b, isa_ok)) continue;
      memset(got, 0, sizeof(got));
      kKernels[k].fn(NC, &p.view, x, got, NC, &q);
      test_record(check_output(kKernels[k].name, got, want, &c));
    }
    tsp_qs8_spmm_release(&p);
  }
}

/* The AVX-512 kernels' one-rounding requantization (qs8_requant_avx512.h,
 * part 3) takes rows with shift >= -23 and a multiplier other than
 * INT32_MIN: its edges. Shifts -22 .. -25 (the 64-bit nudge's sum would
 * wrap from -25 on with acc and multiplier near INT32_MAX and zy = 127: a
 * kernel taking -25 fails here), 0 and > 0
 * (zy added after packing: the high-mul alone may reach +-2^31), against
 * the naive formula, zy -128 and 127, full and tight clamps. */
static void test_one_rounding_edges(const int* isa_ok) {
  enum { OUT = 16, IN = 5, NC = 80 }; /* 80: 64-column tile plus 16 */
  static const int32_t kShifts[OUT] = {-24, -23, -22, -1, 0, 1, 7, 31,
                                       -23, -25, 0, -1, -23, 0, 1, -31};
  static const int32_t kMults[OUT] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX,
                                      INT32_MAX, INT32_MIN + 1, 1 << 30, -1,
                                      INT32_MIN + 1, INT32_MAX, INT32_MIN + 1, -1,
                                      1518500250, 1, INT32_MAX, INT32_MAX};
  static const int32_t kBias[OUT] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX,
                                     INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN,
                                     INT32_MIN, INT32_MAX, INT32_MIN, INT32_MIN + 7,
                                     -1, INT32_MIN, 1 << 30, INT32_MAX};
  int32_t bias[OUT], mult[OUT], shift[OUT];
  memcpy(bias, kBias, sizeof(bias));
  memcpy(mult, kMults, sizeof(mult));
  memcpy(shift, kShifts, sizeof(shift));
  int8_t w[OUT * IN];
  for (int i = 0; i < OUT * IN; ++i) w[i] = (int8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : -1);
  int8_t x[IN * NC];
  for (size_t i = 0; i < sizeof(x); ++i) x[i] = (int8_t)(i % 5 == 0 ? -128 : i % 5 == 1 ? 127 : (int)(i % 7) - 3);
  const int32_t zys[] = {-128, 127, 0};
  for (size_t z = 0; z < 3; ++z) {
    for (int clamp = 0; clamp < 2; ++clamp) {
      const tsp_qs8_output q = {zys[z], clamp ? -20 : -128, clamp ? 30 : 127, 0};
      const qs8_case c = {OUT, IN, NC, NC, NC, 0.0f, 0, q, 1};
      int8_t want[OUT * NC], got[OUT * NC];
      naive(w, bias, mult, shift, &c, x, want);
      for (uint32_t b = 1; b <= 4; b *= 2) {
        tsp_qs8_spmm_packed p;
        EXPECT(tsp_qs8_spmm_pack(w, bias, mult, shift, 0, OUT, IN, b, NC, &p) == 0);
        for (size_t k = 0; k < NUM_KERNELS; ++k) {
          if (!kernel_runs(&kKernels[k], b, isa_ok)) continue;
          for (size_t nc = NC - 16; nc <= NC; nc += 16) { /* 64 and 80 columns */
            qs8_case cn = c; /* rows NC apart; columns do not interact */
            cn.nc = nc;
            memset(got, SENTINEL, sizeof(got));
            kKernels[k].fn(nc, &p.view, x, got, NC, &q);
            test_record(check_output(kKernels[k].name, got, want, &cn));
          }
        }
        tsp_qs8_spmm_release(&p);
      }
    }
  }
}

static void test_pack_errors(void) {
  const int8_t w[2 * 3] = {1, 0, 2, 0, 3, 0};
  const int32_t mult[2] = {1 << 30, 1 << 30}, bad_shift[2] = {0, 32}, shift[2] = {0, 0};
  tsp_qs8_spmm_packed p;
  EXPECT(tsp_qs8_spmm_pack(w, NULL, mult, bad_shift, 0, 2, 3, 1, 64, &p) == -1);
  EXPECT(tsp_qs8_spmm_pack(w, NULL, mult, shift, 0, 2, 3, 0, 64, &p) == -1);
  EXPECT(tsp_qs8_spmm_pack(w, NULL, mult, shift, 0, 2, 3, 1, (size_t)INT32_MAX, &p) == -1);
  EXPECT(tsp_qs8_spmm_pack(w, NULL, mult, shift, 7, 2, 3, 1, 64, &p) == 0);
  EXPECT(p.nnz_blocks == 3 && p.view.bias[0] == -21 && p.view.bias[1] == -21);
  EXPECT(tsp_qs8_spmm_restride(&p, (size_t)INT32_MAX) == -1 && p.input_stride == 64);
  EXPECT(tsp_qs8_spmm_restride(&p, 100) == 0 && p.view.first_offset == 0 && p.diffs[0] == 200);
  tsp_qs8_spmm_release(&p);
  EXPECT(p.values == NULL && p.bias == NULL);
}

/* The kernel tables hand out kernels this file tests, each with its tile,
 * and the VNNI ones exactly when the CPU has VNNI. */
static void test_dispatch(const int* isa_ok) {
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    const tsp_kernel_table* t = tsp_kernels((tsp_isa)i);
    if (!isa_ok[i]) {
      EXPECT(t == NULL);
      continue;
    }
    EXPECT(t != NULL && t->isa == (tsp_isa)i);
    if (t == NULL) continue;
    for (int b = 0; b < 3; ++b) {
      const qs8_kernel* k = NULL;
      for (size_t j = 0; j < NUM_KERNELS; ++j) {
        if (kKernels[j].fn == t->qs8_spmm[b]) k = &kKernels[j];
      }
      if (t->qs8_spmm[b] == qs8_spmm__scalar) {
        EXPECT(i == TSP_ISA_SCALAR && t->qs8_spmm_tile[b] == 1);
        continue;
      }
      EXPECT(k != NULL && k->block == (1u << b) && k->isa == (tsp_isa)i);
      if (k == NULL) continue;
      size_t tile = 0; /* the name's column count */
      sscanf(k->name, "qs8_spmm_%zux", &tile);
      EXPECT(tile == t->qs8_spmm_tile[b]);
      if (i == TSP_ISA_AVX512) EXPECT(k->vnni == g_vnni);
    }
  }
  /* The AVX-512 table (here possibly its VNNI copy, which copies the rest)
   * has an int8 kernel wherever the AVX2 one has: no entry lost in a merge. */
  const tsp_kernel_table* t2 = isa_ok[TSP_ISA_AVX2] ? tsp_kernels(TSP_ISA_AVX2) : NULL;
  const tsp_kernel_table* t5 = isa_ok[TSP_ISA_AVX512] ? tsp_kernels(TSP_ISA_AVX512) : NULL;
  if (t2 && t5) {
    EXPECT(!t2->qs8_dwconv3x3s1 || t5->qs8_dwconv3x3s1);
    EXPECT(!t2->qs8_dwconv3x3s2 || t5->qs8_dwconv3x3s2);
    EXPECT(!t2->qs8_dwconv5x5s1 || t5->qs8_dwconv5x5s1);
    EXPECT(!t2->qs8_dwconv5x5s2 || t5->qs8_dwconv5x5s2);
    EXPECT(!t2->qs8_conv3x3s2c3 || t5->qs8_conv3x3s2c3);
    EXPECT(!t2->qs8_gavgpool || t5->qs8_gavgpool);
  }
}

int main(void) {
  int isa_ok[TSP_ISA_COUNT];
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    isa_ok[i] = tsp_isa_supported((tsp_isa)i);
    printf("%s: %s\n", tsp_isa_name((tsp_isa)i), isa_ok[i] ? "tested" : "skipped (CPU lacks it)");
  }
#ifdef TSP_TEST_X86
  __builtin_cpu_init();
  g_vnni = isa_ok[TSP_ISA_AVX512] && __builtin_cpu_supports("avx512vnni");
  printf("avx512vnni: %s\n", g_vnni ? "tested" : "skipped (CPU lacks it)");
#endif
  test_arithmetic();
  test_quantize_multiplier();
  test_pack_errors();
  test_saturation(isa_ok);
  test_one_rounding_edges(isa_ok);
  test_dispatch(isa_ok);
  test_column_sweep(isa_ok);
  test_kernels(isa_ok);
  return test_summary();
}
