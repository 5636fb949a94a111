/* 8 columns x 1 output channels per tile; body in spmm_neon_template.h. */
#define SPMM_NAME f32_spmm_8x1__neon
#define SPMM_V 2
#define SPMM_B 1
#include "spmm_neon_template.h"
