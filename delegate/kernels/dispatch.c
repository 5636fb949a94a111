#include "dispatch.h"

#include <string.h>

#include "ukernels.h"

#define ELEMENTWISE(isa)                                                        \
  .vclamp = f32_vclamp__##isa, .vsigmoid = f32_vsigmoid__##isa, .vswish = f32_vswish__##isa, \
  .vhswish = f32_vhswish__##isa, .vadd = f32_vadd__##isa, .vmul = f32_vmul__##isa,            \
  .vmulc_chw = f32_vmulc_chw__##isa

#define SPMM_ROW(isa, t0, t1, t2, b) \
  { f32_spmm_##t0##x##b##__##isa, f32_spmm_##t1##x##b##__##isa, f32_spmm_##t2##x##b##__##isa }

static const tsp_kernel_table kScalarTable = {
    .isa = TSP_ISA_SCALAR,
    .name = "scalar",
    .spmm = {{f32_spmm__scalar, f32_spmm__scalar, f32_spmm__scalar},
             {f32_spmm__scalar, f32_spmm__scalar, f32_spmm__scalar},
             {f32_spmm__scalar, f32_spmm__scalar, f32_spmm__scalar}},
    .spmm_tile = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}},
    .dwconv3x3s1 = f32_dwconv2d_chw_3x3s1__scalar,
    .dwconv3x3s2 = f32_dwconv2d_chw_3x3s2__scalar,
    .dwconv5x5s1 = f32_dwconv2d_chw_5x5s1__scalar,
    .dwconv5x5s2 = f32_dwconv2d_chw_5x5s2__scalar,
    .conv3x3s2c3 = f32_conv_hwc2chw_3x3s2c3__scalar,
    .gavgpool = f32_gavgpool_chw__scalar,
    ELEMENTWISE(scalar),
    .qs8_spmm = {qs8_spmm__scalar, qs8_spmm__scalar, qs8_spmm__scalar},
    .qs8_spmm_tile = {1, 1, 1},
    .qs8_dwconv3x3s1 = qs8_dwconv2d_chw_3x3s1__scalar,
    .qs8_dwconv3x3s2 = qs8_dwconv2d_chw_3x3s2__scalar,

    .qs8_dwconv5x5s1 = qs8_dwconv2d_chw_5x5s1__scalar,
    .qs8_dwconv5x5s2 = qs8_dwconv2d_chw_5x5s2__scalar,

    .qs8_conv3x3s2c3 = qs8_conv_hwc2chw_3x3s2c3__scalar,

    .qs8_gavgpool = qs8_gavgpool_chw__scalar,
    .qs8_vadd = qs8_vadd__scalar,

    .fma_peak = f32_fma_peak__scalar,
    .lanes = 1,
};

#if defined(__x86_64__) || defined(_M_X64)
static const tsp_kernel_table kAvx2Table = {
    .isa = TSP_ISA_AVX2,
    .name = "avx2",
    .spmm = {SPMM_ROW(avx2, 8, 16, 32, 1), SPMM_ROW(avx2, 8, 16, 32, 2),
             SPMM_ROW(avx2, 8, 16, 32, 4)},
    .spmm_tile = {{8, 16, 32}, {8, 16, 32}, {8, 16, 32}},
    .dwconv3x3s1 = f32_dwconv2d_chw_3x3s1__avx2,
    .dwconv3x3s2 = f32_dwconv2d_chw_3x3s2__avx2,
    .dwconv5x5s1 = f32_dwconv2d_chw_5x5s1__avx2,
    .dwconv5x5s2 = f32_dwconv2d_chw_5x5s2__avx2,
    .conv3x3s2c3 = f32_conv_hwc2chw_3x3s2c3__avx2,
    .gavgpool = f32_gavgpool_chw__avx2,
    ELEMENTWISE(avx2),
    .qs8_spmm = {qs8_spmm_64x1__avx2, qs8_spmm_64x2__avx2, qs8_spmm_64x4__avx2},
    .qs8_spmm_tile = {64, 64, 64},
    .qs8_dwconv3x3s1 = qs8_dwconv2d_chw_3x3s1__avx2,
    .qs8_dwconv3x3s2 = qs8_dwconv2d_chw_3x3s2__avx2,

    .qs8_dwconv5x5s1 = qs8_dwconv2d_chw_5x5s1__avx2,
    .qs8_dwconv5x5s2 = qs8_dwconv2d_chw_5x5s2__avx2,

    .qs8_conv3x3s2c3 = qs8_conv_hwc2chw_3x3s2c3__avx2,

    .qs8_gavgpool = qs8_gavgpool_chw__avx2,
    .qs8_vadd = qs8_vadd__avx2,

    .fma_peak = f32_fma_peak__avx2,
    .lanes = 8,
};

static const tsp_kernel_table kAvx512Table = {
    .isa = TSP_ISA_AVX512,
    .name = "avx512",
    .spmm = {SPMM_ROW(avx512, 16, 32, 64, 1), SPMM_ROW(avx512, 16, 32, 64, 2),
             SPMM_ROW(avx512, 16, 32, 64, 4)},
    .spmm_tile = {{16, 32, 64}, {16, 32, 64}, {16, 32, 64}},
    .dwconv3x3s1 = f32_dwconv2d_chw_3x3s1__avx512,
    .dwconv3x3s2 = f32_dwconv2d_chw_3x3s2__avx512,
    .dwconv5x5s1 = f32_dwconv2d_chw_5x5s1__avx512,
    .dwconv5x5s2 = f32_dwconv2d_chw_5x5s2__avx512,
    .conv3x3s2c3 = f32_conv_hwc2chw_3x3s2c3__avx512,
    .gavgpool = f32_gavgpool_chw__avx512,
    ELEMENTWISE(avx512),
    /* int8: AVX-512 SpMM, first conv (VNNI variants below), depthwise 3x3
     * and ADD; the 5x5 depthwise and the pool run the AVX2 kernels */
    .qs8_spmm = {qs8_spmm_128x1__avx512, qs8_spmm_128x2__avx512, qs8_spmm_64x4__avx512},
    .qs8_spmm_tile = {128, 128, 64},
    .qs8_dwconv3x3s1 = qs8_dwconv2d_chw_3x3s1__avx512,
    .qs8_dwconv3x3s2 = qs8_dwconv2d_chw_3x3s2__avx512,

    .qs8_dwconv5x5s1 = qs8_dwconv2d_chw_5x5s1__avx2,
    .qs8_dwconv5x5s2 = qs8_dwconv2d_chw_5x5s2__avx2,

    .qs8_conv3x3s2c3 = qs8_conv_hwc2chw_3x3s2c3__avx512,

    .qs8_gavgpool = qs8_gavgpool_chw__avx2,
    .qs8_vadd = qs8_vadd__avx512,

    .fma_peak = f32_fma_peak__avx512,
    .lanes = 16,
};

/* kAvx512Table with the AVX512-VNNI int8 SpMM kernels (vpdpwssd on the same
 * pairs stream, same tiles), returned by tsp_kernels(TSP_ISA_AVX512) when the
 * CPU also has avx512vnni: VNNI is not a tsp_isa of its own (options, the
 * Python API and the tests name ISAs "avx512"). It is copied from
 * kAvx512Table once at load, not written out as a second literal, so an
 * entry filled in kAvx512Table cannot be missed here: a duplicated literal
 * was mis-merged on the first merge of main (git put main's new
 * kAvx512Table entries into the copy and left NULLs in the original).
 * Written only by this constructor, before any tsp_kernels call. */
static tsp_kernel_table kAvx512VnniTable;

__attribute__((constructor)) static void tsp_init_avx512_vnni_table(void) {
  kAvx512VnniTable = kAvx512Table;
  kAvx512VnniTable.name = "avx512+vnni";
  kAvx512VnniTable.qs8_spmm[0] = qs8_spmm_128x1__avx512vnni;
  kAvx512VnniTable.qs8_spmm[1] = qs8_spmm_128x2__avx512vnni;
  kAvx512VnniTable.qs8_spmm[2] = qs8_spmm_64x4__avx512vnni;
  kAvx512VnniTable.qs8_conv3x3s2c3 = qs8_conv_hwc2chw_3x3s2c3__avx512vnni;

  /* Int8 depthwise 3x3 by vpdpbusd + vpermb: also needs VBMI (Cascade Lake
   * has VNNI without it). cpu_init: constructors may run before libgcc's. */
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vbmi")) {
    kAvx512VnniTable.qs8_dwconv3x3s1 = qs8_dwconv2d_chw_3x3s1__avx512vnni;
    kAvx512VnniTable.qs8_dwconv3x3s2 = qs8_dwconv2d_chw_3x3s2__avx512vnni;
  }
}
#endif

#if defined(__aarch64__)
/* NEON is baseline on AArch64: chosen at compile time, no CPU probe. */
static const tsp_kernel_table kNeonTable = {
    .isa = TSP_ISA_NEON,
    .name = "neon",
    /* 32 columns (8 accumulator vectors a row) at blocks 1 and 2, as
     * XNNPACK's 32x1; block 4 stops at 16 (32x4 would need 32 accumulators). */
    .spmm = {SPMM_ROW(neon, 8, 16, 32, 1), SPMM_ROW(neon, 8, 16, 32, 2),
             SPMM_ROW(neon, 4, 8, 16, 4)},
    .spmm_tile = {{8, 16, 32}, {8, 16, 32}, {4, 8, 16}},
    .dwconv3x3s1 = f32_dwconv2d_chw_3x3s1__neon,
    .dwconv3x3s2 = f32_dwconv2d_chw_3x3s2__neon,
    .dwconv5x5s1 = f32_dwconv2d_chw_5x5s1__neon,
    .dwconv5x5s2 = f32_dwconv2d_chw_5x5s2__neon,
    .conv3x3s2c3 = f32_conv_hwc2chw_3x3s2c3__neon,
    .gavgpool = f32_gavgpool_chw__neon,
    ELEMENTWISE(neon),
    .qs8_spmm = {qs8_spmm_16x1__neon, qs8_spmm_16x2__neon, qs8_spmm_16x4__neon},
    .qs8_spmm_tile = {16, 16, 16},
    .qs8_dwconv3x3s1 = qs8_dwconv2d_chw_3x3s1__scalar,
    .qs8_dwconv3x3s2 = qs8_dwconv2d_chw_3x3s2__scalar,

    .qs8_dwconv5x5s1 = qs8_dwconv2d_chw_5x5s1__scalar,
    .qs8_dwconv5x5s2 = qs8_dwconv2d_chw_5x5s2__scalar,

    .qs8_conv3x3s2c3 = qs8_conv_hwc2chw_3x3s2c3__neon,

    .qs8_gavgpool = qs8_gavgpool_chw__scalar,
    .qs8_vadd = qs8_vadd__scalar,

    .fma_peak = f32_fma_peak__neon,
    .lanes = 4,
};
#endif

int tsp_isa_supported(tsp_isa isa) {
  switch (isa) {
    case TSP_ISA_SCALAR:
      return 1;
#if defined(__x86_64__) || defined(_M_X64)
    case TSP_ISA_AVX2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TSP_ISA_AVX512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#endif
#if defined(__aarch64__)
    case TSP_ISA_NEON:
      return 1;
#endif
    default:
      return 0;
  }
}

tsp_isa tsp_isa_best(void) {
#if defined(__aarch64__)
  return TSP_ISA_NEON;
#endif
  if (tsp_isa_supported(TSP_ISA_AVX512)) return TSP_ISA_AVX512;
  if (tsp_isa_supported(TSP_ISA_AVX2)) return TSP_ISA_AVX2;
  return TSP_ISA_SCALAR;
}

static const char* const kIsaNames[TSP_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

int tsp_isa_from_name(const char* name, tsp_isa* isa) {
  for (int i = 0; i < TSP_ISA_COUNT; ++i) {
    if (strcmp(name, kIsaNames[i]) == 0) {
      *isa = (tsp_isa)i;
      return 0;
    }
  }
  return -1;
}

const char* tsp_isa_name(tsp_isa isa) {
  return (unsigned)isa < TSP_ISA_COUNT ? kIsaNames[isa] : "unknown";
}

const tsp_kernel_table* tsp_kernels(tsp_isa isa) {
  if (!tsp_isa_supported(isa)) return NULL;
  switch (isa) {
    case TSP_ISA_SCALAR:
      return &kScalarTable;
#if defined(__x86_64__) || defined(_M_X64)
    case TSP_ISA_AVX2:
      return &kAvx2Table;
    case TSP_ISA_AVX512:
      if (__builtin_cpu_supports("avx512vnni")) return &kAvx512VnniTable; /* see its comment */
      return &kAvx512Table;
#endif
#if defined(__aarch64__)
    case TSP_ISA_NEON:
      return &kNeonTable;
#endif
    default:
      return NULL;
  }
}
