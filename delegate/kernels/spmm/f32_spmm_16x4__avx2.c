/* 16 columns x 4 output channels per tile; body in spmm_avx2_template.h. */
#define SPMM_NAME f32_spmm_16x4__avx2
#define SPMM_V 2
#define SPMM_B 4
#include "spmm_avx2_template.h"
