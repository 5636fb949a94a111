/* Picks the microkernels for one instruction set. The table is the only
 * global state of the library: one constant table per ISA. */
#ifndef TFLITE_SPARSE_DISPATCH_H_
#define TFLITE_SPARSE_DISPATCH_H_

#include "kernels.h"
#include "qs8_kernels.h"
#include "peak/peak.h"

typedef enum {
  TSP_ISA_SCALAR = 0,
  TSP_ISA_AVX2 = 1,   /* AVX2 + FMA */
  TSP_ISA_AVX512 = 2, /* AVX-512 F/VL/BW/DQ */
  TSP_ISA_NEON = 3,   /* AArch64 Advanced SIMD (baseline there) */
  TSP_ISA_COUNT
} tsp_isa;

#define TSP_SPMM_TILES 3

typedef struct {
  tsp_isa isa;
  const char* name;
  /* spmm[b][t]: output-channel block 1, 2, 4 (b = 0, 1, 2) by tile t, small
   * to large; spmm_tile[b][t] is its tile width in columns (per block: NEON
   * runs 32 columns at blocks 1 and 2, 16 at block 4). The scalar table
   * repeats its one kernel. */
  tsp_spmm_fn spmm[3][TSP_SPMM_TILES];
  size_t spmm_tile[3][TSP_SPMM_TILES];
  tsp_dwconv2d_chw_fn dwconv3x3s1, dwconv3x3s2, dwconv5x5s1, dwconv5x5s2;
  tsp_conv_hwc2chw_fn conv3x3s2c3;
  tsp_gavgpool_chw_fn gavgpool;
  /* element-wise */
  tsp_vunary_fn vclamp, vsigmoid, vswish, vhswish;
  tsp_vbinary_fn vadd, vmul;
  tsp_vmulc_chw_fn vmulc_chw;
  /* int8 (qs8_kernels.h); NULL where this ISA has none yet: such nodes stay
   * with TFLite. qs8_spmm[b]: output-channel block 1, 2, 4, one tile width
   * qs8_spmm_tile[b] each (64 on AVX2: widest measured fastest). */
  tsp_qs8_spmm_fn qs8_spmm[3];
  size_t qs8_spmm_tile[3];
  tsp_qs8_dwconv2d_chw_fn qs8_dwconv3x3s1, qs8_dwconv3x3s2;

  tsp_qs8_dwconv2d_chw_fn qs8_dwconv5x5s1, qs8_dwconv5x5s2;

  tsp_qs8_conv_hwc2chw_fn qs8_conv3x3s2c3;

  tsp_qs8_gavgpool_chw_fn qs8_gavgpool;
  tsp_qs8_vadd_fn qs8_vadd;
  /* benchmarks only: FMA peak probe and its float lanes (see peak.h) */
  tsp_fma_peak_fn fma_peak;
  size_t lanes;
} tsp_kernel_table;

/* Whether this CPU (and this build) can run the ISA. */
int tsp_isa_supported(tsp_isa isa);
/* The widest supported ISA. */
tsp_isa tsp_isa_best(void);
/* "scalar", "avx2", "avx512", "neon"; returns -1 for an unknown name. */
int tsp_isa_from_name(const char* name, tsp_isa* isa);
const char* tsp_isa_name(tsp_isa isa);

/* The table for the ISA, or NULL when tsp_isa_supported(isa) is false. */
const tsp_kernel_table* tsp_kernels(tsp_isa isa);

/* The measured FMA peak of one core at the table's ISA, GFLOP/s: the best of
 * a few ~10 ms runs of its probe. */
double tsp_fma_peak_gflops(const tsp_kernel_table* table);

/* SpMM kernel for a layer: the tile is picked from in_channels so that one
 * tile of the input (in_channels x tile floats) stays in L1/L2. */
tsp_spmm_fn tsp_spmm_select(const tsp_kernel_table* table, uint32_t block,
                            uint32_t in_channels);
/* The tile width (columns) of a kernel of the table's row for `block`, or 0
 * when fn is not in that row. */
size_t tsp_spmm_tile_of(const tsp_kernel_table* table, uint32_t block, tsp_spmm_fn fn);

#endif /* TFLITE_SPARSE_DISPATCH_H_ */
