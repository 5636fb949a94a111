/* 32 columns x 2 output channels per tile; body in spmm_neon_template.h. */
#define SPMM_NAME f32_spmm_32x2__neon
#define SPMM_V 8
#define SPMM_B 2
#include "spmm_neon_template.h"
