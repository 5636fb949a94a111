/* SpMM tests: the packer's streams, the scalar reference against a dense
 * double-precision matmul, and every SIMD kernel against the scalar one on
 * awkward shapes, strides, sparsities and clamps.
 *
 * Buffers whose ends a kernel could overrun (input, output) are malloc'd
 * with their exact size, not test_alloc's rounded one, so AddressSanitizer
 * catches a tail that reads or writes past column nc of the last row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels.h"
#include "ukernels.h"
#include "test_util.h"

typedef struct {
  const char* name;
  tsp_spmm_fn fn;
  tsp_isa isa;
  uint32_t block;
} spmm_kernel;

#define K(t, b, isa_tag, isa) {"f32_spmm_" #t "x" #b "__" #isa_tag, f32_spmm_##t##x##b##__##isa_tag, isa, b}
static const spmm_kernel kKernels[] = {
#ifdef TSP_TEST_X86
    K(8, 1, avx2, TSP_ISA_AVX2),      K(8, 2, avx2, TSP_ISA_AVX2),
    K(8, 4, avx2, TSP_ISA_AVX2),      K(16, 1, avx2, TSP_ISA_AVX2),
    K(16, 2, avx2, TSP_ISA_AVX2),     K(16, 4, avx2, TSP_ISA_AVX2),
    K(32, 1, avx2, TSP_ISA_AVX2),     K(32, 2, avx2, TSP_ISA_AVX2),
    K(32, 4, avx2, TSP_ISA_AVX2),     K(16, 1, avx512, TSP_ISA_AVX512),
    K(16, 2, avx512, TSP_ISA_AVX512), K(16, 4, avx512, TSP_ISA_AVX512),
    K(32, 1, avx512, TSP_ISA_AVX512), K(32, 2, avx512, TSP_ISA_AVX512),
    K(32, 4, avx512, TSP_ISA_AVX512), K(64, 1, avx512, TSP_ISA_AVX512),
    K(64, 2, avx512, TSP_ISA_AVX512), K(64, 4, avx512, TSP_ISA_AVX512),
#endif
#ifdef TSP_TEST_NEON
    K(4, 1, neon, TSP_ISA_NEON),      K(4, 2, neon, TSP_ISA_NEON),
    K(4, 4, neon, TSP_ISA_NEON),      K(8, 1, neon, TSP_ISA_NEON),
    K(8, 2, neon, TSP_ISA_NEON),      K(8, 4, neon, TSP_ISA_NEON),
    K(16, 1, neon, TSP_ISA_NEON),     K(16, 2, neon, TSP_ISA_NEON),
    K(16, 4, neon, TSP_ISA_NEON),     K(32, 1, neon, TSP_ISA_NEON),
    K(32, 2, neon, TSP_ISA_NEON),
#endif
    {"none", NULL, TSP_ISA_SCALAR, 0}, /* keeps the array non-empty; skipped */
};
#undef K
#define NUM_KERNELS (sizeof(kKernels) / sizeof(kKernels[0]))

static const tsp_minmax kClamps[3] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};

/* A non-zero weight: never exactly 0, so the sparsity pattern is exact. */
static float nonzero_value(tsp_rng* rng) {
  const float v = rng_uniform(rng, -1.0f, 1.0f);
  return v == 0.0f ? 0.5f : v;
}

/* Dense [out][in] weights where each block x input-channel tile (block rows,
 * or one row for the tail) is zero with probability `sparsity`; within a
 * kept block single values may still be zero (stored as explicit zeros).
 * Output channel 1 (if any) is forced entirely zero: a row with no non-zeros. */
static float* make_weights(tsp_rng* rng, uint32_t out, uint32_t in, uint32_t block,
                           float sparsity) {
  float* w = test_exact_alloc((size_t)out * in * sizeof(float) + sizeof(float));
  const uint32_t full_rows = out / block * block;
  for (uint32_t row0 = 0; row0 < out;) {
    const uint32_t rows = row0 < full_rows ? block : 1;
    for (uint32_t ci = 0; ci < in; ++ci) {
      const int keep = rng_uniform(rng, 0.0f, 1.0f) >= sparsity;
      for (uint32_t r = 0; r < rows; ++r) {
        const int hole = keep && rows > 1 && rng_below(rng, 4) == 0;
        w[(size_t)(row0 + r) * in + ci] = keep && !hole ? nonzero_value(rng) : 0.0f;
      }
    }
    row0 += rows;
  }
  if (out > 1 && sparsity > 0.0f) memset(w + in, 0, in * sizeof(float));
  return w;
}

static float* make_input(tsp_rng* rng, uint32_t in, size_t nc, size_t stride_floats) {
  const size_t n = in ? (in - 1) * stride_floats + nc : 0;
  float* x = test_exact_alloc(n * sizeof(float));
  for (size_t i = 0; i < n; ++i) x[i] = rng_uniform(rng, -2.0f, 2.0f);
  return x;
}

static size_t output_floats(uint32_t out, size_t nc, size_t stride_floats) {
  return (out - 1) * stride_floats + nc;
}

/* Output buffer filled with a sentinel so writes outside [0, nc) show up. */
static float* make_output(uint32_t out, size_t nc, size_t stride_floats) {
  const size_t n = output_floats(out, nc, stride_floats);
  float* y = test_exact_alloc(n * sizeof(float));
  for (size_t i = 0; i < n; ++i) y[i] = -12345.0f;
  return y;
}

/* Dense reference in double: y[co][j] = clamp(b[co] + sum W[co][ci] x[ci][j]). */
static void reference(const float* w, const float* bias, uint32_t out, uint32_t in,
                      size_t nc, const float* x, size_t in_stride, float* y,
                      size_t out_stride, const tsp_minmax* clamp) {
  for (uint32_t co = 0; co < out; ++co) {
    for (size_t j = 0; j < nc; ++j) {
      double acc = bias ? bias[co] : 0.0;
      for (uint32_t ci = 0; ci < in; ++ci) acc += (double)w[(size_t)co * in + ci] * x[ci * in_stride + j];
      float v = (float)acc;
      v = v < clamp->min ? clamp->min : v;
      y[co * out_stride + j] = v > clamp->max ? clamp->max : v;
    }
  }
}

/* Checks the computed rows and that the stride padding kept its sentinel. */
static int check_output(const char* what, const float* got, const float* want, uint32_t out,
                        size_t nc, size_t stride, float atol) {
  for (uint32_t co = 0; co < out; ++co) {
    const float* g = got + co * stride;
    for (size_t j = 0; j < nc; ++j) {
      const float tol = atol + 1e-5f * fabsf(want[co * stride + j]);
      if (!(fabsf(g[j] - want[co * stride + j]) <= tol)) {
        fprintf(stderr, "%s: row %u col %zu: got %.9g want %.9g\n", what, co, j, g[j],
                want[co * stride + j]);
        return 0;
      }
    }
    for (size_t j = nc; j < stride && co + 1 < out; ++j) {
      if (g[j] != -12345.0f) {
        fprintf(stderr, "%s: row %u col %zu: padding overwritten\n", what, co, j);
        return 0;
      }
    }
  }
  return 1;
}

/* ------------------------------------------------------------ packing --- */

/* Rebuilds the dense matrix from the streams and walks the diff chain. */
static int check_streams(const tsp_spmm_packed* p, const float* w, const float* bias) {
  const tsp_spmm_weights* v = &p->view;
  const uint32_t in = v->in_channels, groups = v->full_groups + v->tail_rows;
  size_t nnz = 0;
  for (uint32_t g = 0; g < groups; ++g) nnz += v->counts[g];
  if (nnz != p->nnz_blocks) return 0;
  if (v->values != p->values || v->diffs != p->diffs || v->counts != p->counts) return 0;
  int64_t offset = v->first_offset;
  const float* vals = v->values;
  size_t k = 0;
  uint32_t row0 = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = g < v->full_groups ? v->block : 1;
    for (uint32_t r = 0; r < rows; ++r) {
      if (vals[r] != (bias ? bias[row0 + r] : 0.0f)) return 0;
    }
    vals += rows;
    uint32_t expect_ci = 0;
    for (uint32_t n = 0; n < v->counts[g]; ++n, ++k, vals += rows) {
      const uint32_t ci = p->channels[k];
      if (ci >= in || (n > 0 && ci <= p->channels[k - 1])) return 0;
      if (offset != (int64_t)ci * (int64_t)p->input_stride) return 0;
      /* Every skipped channel must be an all-zero block. */
      for (; expect_ci < ci; ++expect_ci) {
        for (uint32_t r = 0; r < rows; ++r) {
          if (w[(size_t)(row0 + r) * in + expect_ci] != 0.0f) return 0;
        }
      }
      ++expect_ci;
      for (uint32_t r = 0; r < rows; ++r) {
        if (vals[r] != w[(size_t)(row0 + r) * in + ci]) return 0;
      }
      offset += v->diffs[k];
    }
    for (; expect_ci < in; ++expect_ci) {
      for (uint32_t r = 0; r < rows; ++r) {
        if (w[(size_t)(row0 + r) * in + expect_ci] != 0.0f) return 0;
      }
    }
    row0 += rows;
  }
  /* The chain cycles: after all groups the pointer is back at the start. */
  return offset == v->first_offset && row0 == v->out_channels;
}

static void test_pack(void) {
  tsp_rng rng;
  rng_seed(&rng, 1);
  const uint32_t outs[] = {1, 3, 5, 7, 30}, ins[] = {0, 1, 3, 17, 64};
  const float sparsities[] = {0.0f, 0.5f, 0.9f, 1.0f};
  const uint32_t blocks[] = {1, 2, 4};
  for (size_t a = 0; a < 5; ++a) {
    for (size_t b = 0; b < 5; ++b) {
      for (size_t s = 0; s < 4; ++s) {
        for (size_t bl = 0; bl < 3; ++bl) {
          const uint32_t out = outs[a], in = ins[b], block = blocks[bl];
          float* w = make_weights(&rng, out, in, block, sparsities[s]);
          float* bias = test_exact_alloc(out * sizeof(float));
          for (uint32_t i = 0; i < out; ++i) bias[i] = rng_uniform(&rng, -1.0f, 1.0f);
          tsp_spmm_packed p;
          const size_t stride = (size_t)(13 + 4 * s) * sizeof(float);
          const int rc = tsp_spmm_pack(w, s == 2 ? NULL : bias, out, in, block, stride, &p);
          EXPECT(rc == 0);
          if (rc != 0) continue;
          EXPECT(p.view.full_groups == out / block && p.view.tail_rows == out % block);
          EXPECT(check_streams(&p, w, s == 2 ? NULL : bias));
          if (sparsities[s] == 1.0f || in == 0) EXPECT(p.nnz_blocks == 0);
          EXPECT(tsp_spmm_restride(&p, stride + 12) == 0);
          EXPECT(p.input_stride == stride + 12);
          EXPECT(check_streams(&p, w, s == 2 ? NULL : bias));
          tsp_spmm_release(&p);
          EXPECT(p.values == NULL && p.diffs == NULL && p.nnz_blocks == 0);
          free(bias);
          free(w);
        }
      }
    }
  }
}

/* ------------------------------------------------------------ kernels --- */

typedef struct {
  uint32_t out, in;
  size_t nc, in_stride, out_stride; /* strides in floats */
  float sparsity;
  const tsp_minmax* clamp;
} spmm_case;

/* Packs one case for each block, checks the scalar kernel against the dense
 * reference and each SIMD kernel of that block against the scalar kernel. */
static void run_case(tsp_rng* rng, const spmm_case* c, const int* isa_ok) {
  float* bias = test_exact_alloc(c->out * sizeof(float));
  for (uint32_t i = 0; i < c->out; ++i) bias[i] = rng_uniform(rng, -1.0f, 1.0f);
  float* x = make_input(rng, c->in, c->nc, c->in_stride);
  /* in_channels == 0: the kernels must not read the input at all. */
  const float* xin = c->in ? x : bias;
  const size_t ny = output_floats(c->out, c->nc, c->out_stride);
  float* want = make_output(c->out, c->nc, c->out_stride);
  float* ref = make_output(c->out, c->nc, c->out_stride);
  float* got = make_output(c->out, c->nc, c->out_stride);
  const float atol = 1e-5f * (float)(c->in + 1) * 4.0f;
  const uint32_t blocks[] = {1, 2, 4};
  for (int b = 0; b < 3; ++b) {
    float* w = make_weights(rng, c->out, c->in, blocks[b], c->sparsity);
    tsp_spmm_packed p;
    if (tsp_spmm_pack(w, bias, c->out, c->in, blocks[b], c->in_stride * sizeof(float), &p) != 0) {
      EXPECT(!"pack failed");
      free(w);
      continue;
    }
    char what[160];
    reference(w, bias, c->out, c->in, c->nc, x, c->in_stride, want, c->out_stride, c->clamp);
    f32_spmm__scalar(c->nc, &p.view, xin, ref, c->out_stride * sizeof(float), c->clamp);
    snprintf(what, sizeof(what), "scalar b%u out%u in%u nc%zu sp%.1f", blocks[b], c->out,
             c->in, c->nc, c->sparsity);
    test_record(check_output(what, ref, want, c->out, c->nc, c->out_stride, atol));
    for (size_t k = 0; k < NUM_KERNELS; ++k) {
      if (kKernels[k].fn == NULL || kKernels[k].block != blocks[b] || !isa_ok[kKernels[k].isa]) {
        continue;
      }
      for (size_t i = 0; i < ny; ++i) got[i] = -12345.0f;
      kKernels[k].fn(c->nc, &p.view, xin, got, c->out_stride * sizeof(float), c->clamp);
      snprintf(what, sizeof(what), "%s out%u in%u nc%zu sp%.1f os%zu", kKernels[k].name,
               c->out, c->in, c->nc, c->sparsity, c->out_stride);
      test_record(check_output(what, got, ref, c->out, c->nc, c->out_stride, atol));
    }
    tsp_spmm_release(&p);
    free(w);
  }
  free(got);
  free(ref);
  free(want);
  free(x);
  free(bias);
}

static void test_kernels(const int* isa_ok) {
  tsp_rng rng;
  rng_seed(&rng, 2);
  /* Around the 4/8/16/32-column tiles and every remainder path of each. */
  const size_t ncs[] = {1, 3, 7, 15, 16, 17, 31, 33, 48, 63, 65, 100, 127, 196, 197};
  const uint32_t outs[] = {1, 3, 5, 7, 30}, ins[] = {0, 1, 3, 17, 64};
  const float sparsities[] = {0.0f, 0.5f, 0.9f, 1.0f};
  size_t n = 0;
  for (size_t a = 0; a < sizeof(ncs) / sizeof(ncs[0]); ++a) {
    for (size_t o = 0; o < 5; ++o) {
      for (size_t i = 0; i < 5; ++i) {
        for (size_t s = 0; s < 4; ++s, ++n) {
          /* Strides: exact, odd extra floats, or a large gap; clamps cycle. */
          const size_t in_pad[] = {0, 1, 5}, out_pad[] = {0, 3, 40};
          const spmm_case c = {outs[o], ins[i], ncs[a], ncs[a] + in_pad[n % 3],
                               ncs[a] + out_pad[(n / 3) % 3], sparsities[s], &kClamps[n % 3]};
          run_case(&rng, &c, isa_ok);
        }
      }
    }
  }
}

/* Pack for one stride, restride to another, run on input laid out with the
 * new stride: the kernels must follow the re-encoded diffs. */
static void test_restride(const int* isa_ok) {
  tsp_rng rng;
  rng_seed(&rng, 3);
  const uint32_t out = 30, in = 64;
  const size_t nc = 197, stride = 211, ostride = 200;
  float* w = make_weights(&rng, out, in, 1, 0.9f);
  float* bias = test_exact_alloc(out * sizeof(float));
  for (uint32_t i = 0; i < out; ++i) bias[i] = rng_uniform(&rng, -1.0f, 1.0f);
  float* x = make_input(&rng, in, nc, stride);
  float* want = make_output(out, nc, ostride);
  float* got = make_output(out, nc, ostride);
  tsp_spmm_packed p;
  EXPECT(tsp_spmm_pack(w, bias, out, in, 1, 112 * sizeof(float), &p) == 0);
  EXPECT(tsp_spmm_restride(&p, stride * sizeof(float)) == 0);
  reference(w, bias, out, in, nc, x, stride, want, ostride, &kClamps[0]);
  f32_spmm__scalar(nc, &p.view, x, got, ostride * sizeof(float), &kClamps[0]);
  test_record(check_output("restride scalar", got, want, out, nc, ostride, 1e-3f));
  for (size_t k = 0; k < NUM_KERNELS; ++k) {
    if (kKernels[k].fn == NULL || kKernels[k].block != 1 || !isa_ok[kKernels[k].isa]) continue;
    kKernels[k].fn(nc, &p.view, x, got, ostride * sizeof(float), &kClamps[0]);
    test_record(check_output(kKernels[k].name, got, want, out, nc, ostride, 1e-3f));
  }
  tsp_spmm_release(&p);
  free(got);
  free(want);
  free(x);
  free(bias);
  free(w);
}

/* Distinct stand-in kernels: tsp_spmm_select only picks a table entry, so
 * the tile rule of every ISA is tested on every build. */
#define STUB(t, b) \
  static void stub_##t##x##b(size_t nc, const tsp_spmm_weights* w, const float* in, float* out, \
                             size_t os, const tsp_minmax* c) {                                \
    (void)w, (void)in, (void)os, (void)c;                                                     \
    if (nc) out[0] = (float)(10 * t + b); /* distinct bodies: never folded together */        \
  }
STUB(0, 1) STUB(0, 2) STUB(0, 4) STUB(1, 1) STUB(1, 2) STUB(1, 4) STUB(2, 1) STUB(2, 2) STUB(2, 4)
#undef STUB

/* Fills a table's SpMM rows (tsp_kernels() would need every other kernel of
 * the library linked in, and gives only the ISAs of this build). */
static void fill_table(tsp_kernel_table* t, tsp_isa isa) {
  memset(t, 0, sizeof(*t));
  t->isa = isa;
  const tsp_spmm_fn k[3][3] = {{stub_0x1, stub_1x1, stub_2x1},
                               {stub_0x2, stub_1x2, stub_2x2},
                               {stub_0x4, stub_1x4, stub_2x4}};
  memcpy(t->spmm, k, sizeof(k));
  const size_t vector = isa == TSP_ISA_AVX512 ? 16 : isa == TSP_ISA_AVX2 ? 8 : 4;
  t->lanes = vector;
  for (int b = 0; b < 3; ++b) {
    for (int i = 0; i < TSP_SPMM_TILES; ++i) t->spmm_tile[b][i] = vector << i;
  }
  /* NEON's rows (dispatch.c): 8/16/32 columns at blocks 1 and 2. */
  if (isa == TSP_ISA_NEON) {
    for (int b = 0; b < 2; ++b) {
      for (int i = 0; i < TSP_SPMM_TILES; ++i) t->spmm_tile[b][i] = 8u << i;
    }
  }
}

static int tile_of(const tsp_kernel_table* t, int b, tsp_spmm_fn fn) {
  for (int k = 0; k < TSP_SPMM_TILES; ++k) {
    if (t->spmm[b][k] == fn) return k;
  }
  return -1;
}

/* A stride whose farthest jump overflows the int32 diffs is refused, and the
 * packed streams keep their previous encoding. */
static void test_restride_overflow(void) {
  const float weights[2 * 3] = {1, 0, 2, 0, 3, 0};
  tsp_spmm_packed p;
  EXPECT(tsp_spmm_pack(weights, NULL, 2, 3, 1, 64, &p) == 0);
  int32_t first = p.view.first_offset, diff0 = p.diffs[0];
  EXPECT(tsp_spmm_restride(&p, (size_t)INT32_MAX) == -1);
  EXPECT(p.input_stride == 64 && p.view.first_offset == first && p.diffs[0] == diff0);
  EXPECT(tsp_spmm_restride(&p, (size_t)INT32_MAX / 2) == 0);
  tsp_spmm_release(&p);
}

static void test_select(void) {
  tsp_kernel_table t;
  fill_table(&t, TSP_ISA_AVX512);
  const uint32_t ins[] = {1, 32, 64, 128, 256, 512, 1024, 2048, 4096, 100000};
  for (int b = 0; b < 3; ++b) {
    int prev = TSP_SPMM_TILES;
    for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); ++i) {
      const int k = tile_of(&t, b, tsp_spmm_select(&t, 1u << b, ins[i]));
      EXPECT(k >= 0 && k <= prev); /* more input channels never widen the tile */
      prev = k;
    }
    /* MobileNet's widths take the 64-wide tile; huge layers the middle one. */
    EXPECT(tsp_spmm_select(&t, 1u << b, 1024) == t.spmm[b][2]);
    EXPECT(tsp_spmm_select(&t, 1u << b, 100000) == t.spmm[b][1]);
  }
  /* AVX2: 32x4 needs two register passes, so block 4 takes 16 columns. */
  fill_table(&t, TSP_ISA_AVX2);
  EXPECT(tsp_spmm_select(&t, 1, 512) == stub_2x1);
  EXPECT(tsp_spmm_select(&t, 2, 512) == stub_2x2);
  EXPECT(tsp_spmm_select(&t, 4, 512) == stub_1x4);
  /* NEON: 32 registers, so 32x1 / 32x2 (8 / 16 accumulators) and 16x4 (16)
   * are one pass: the widest tile of every block at MobileNet widths. The
   * vector is the ISA's (4 floats), not the row's narrowest tile (8 at
   * blocks 1 and 2): counted from tile[0], 32x2 would look like 8
   * accumulators and 32x4 like 16. */
  fill_table(&t, TSP_ISA_NEON);
  EXPECT(tsp_spmm_select(&t, 1, 1024) == stub_2x1);
  EXPECT(tsp_spmm_select(&t, 2, 1024) == stub_2x2);
  EXPECT(tsp_spmm_select(&t, 4, 1024) == stub_2x4);
  EXPECT(tsp_spmm_tile_of(&t, 1, stub_2x1) == 32 && tsp_spmm_tile_of(&t, 4, stub_2x4) == 16);
  EXPECT(tsp_spmm_tile_of(&t, 4, stub_2x1) == 0 && tsp_spmm_tile_of(&t, 3, stub_2x1) == 0);
  t.spmm_tile[2][2] = 32; /* a 32x4 would need 32 accumulators: not taken */
  EXPECT(tsp_spmm_select(&t, 4, 1024) == stub_1x4);
#ifdef TSP_TEST_NEON
  /* The build's own table: NEON kernels, tiles 8/16/32 at blocks 1 and 2,
   * 4/8/16 at block 4. */
  const tsp_kernel_table* neon = tsp_kernels(TSP_ISA_NEON);
  EXPECT(neon != NULL && tsp_isa_best() == TSP_ISA_NEON);
  if (neon != NULL) {
    EXPECT(neon->spmm_tile[0][0] == 8 && neon->spmm_tile[0][2] == 32);
    EXPECT(neon->spmm_tile[1][2] == 32 && neon->spmm_tile[2][0] == 4 && neon->spmm_tile[2][2] == 16);
    EXPECT(tsp_spmm_select(neon, 4, 512) == f32_spmm_16x4__neon);
    EXPECT(tsp_spmm_select(neon, 2, 512) == f32_spmm_32x2__neon);
    EXPECT(tsp_spmm_select(neon, 1, 32) == f32_spmm_32x1__neon);
    EXPECT(tsp_spmm_tile_of(neon, 1, f32_spmm_32x1__neon) == 32);
  }
#else
  EXPECT(!tsp_isa_supported(TSP_ISA_NEON) && tsp_kernels(TSP_ISA_NEON) == NULL);
#endif
  tsp_isa parsed;
  EXPECT(tsp_isa_from_name("neon", &parsed) == 0 && parsed == TSP_ISA_NEON);
  EXPECT(strcmp(tsp_isa_name(TSP_ISA_NEON), "neon") == 0);
  /* Scalar: one kernel everywhere. */
  const tsp_kernel_table* scalar = tsp_kernels(TSP_ISA_SCALAR);
  EXPECT(scalar != NULL && tsp_spmm_select(scalar, 4, 64) == f32_spmm__scalar);
  EXPECT(tsp_spmm_select(scalar, 1, 100000) == f32_spmm__scalar);
  EXPECT(tsp_spmm_select(&t, 3, 64) == NULL);
  EXPECT(tsp_spmm_select(NULL, 1, 64) == NULL);
}

int main(void) {
  int isa_ok[TSP_ISA_COUNT];
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    isa_ok[i] = tsp_isa_supported((tsp_isa)i);
    printf("%s: %s\n", tsp_isa_name((tsp_isa)i), isa_ok[i] ? "tested" : "skipped (CPU lacks it)");
  }
  test_pack();
  test_select();
  test_restride(isa_ok);
  test_restride_overflow();
  test_kernels(isa_ok);
  return test_summary();
}
