/* 32 columns x 2 output channels per tile; body in spmm_avx2_template.h. */
#define SPMM_NAME f32_spmm_32x2__avx2
#define SPMM_V 4
#define SPMM_B 2
#include "spmm_avx2_template.h"
