/* 8 columns x 4 output channels per tile; body in spmm_neon_template.h. */
#define SPMM_NAME f32_spmm_8x4__neon
#define SPMM_V 2
#define SPMM_B 4
#include "spmm_neon_template.h"
