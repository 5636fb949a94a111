/* 16 columns x 1 output channels per tile; body in spmm_avx2_template.h. */
#define SPMM_NAME f32_spmm_16x1__avx2
#define SPMM_V 2
#define SPMM_B 1
#include "spmm_avx2_template.h"
