/* 32 columns x 1 output channels per tile; body in spmm_neon_template.h. */
#define SPMM_NAME f32_spmm_32x1__neon
#define SPMM_V 8
#define SPMM_B 1
#include "spmm_neon_template.h"
