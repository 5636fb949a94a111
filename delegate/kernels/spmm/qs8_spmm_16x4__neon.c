/* QS8 SpMM, 16 columns x 4 output channels per tile (smlal by element on
 * int16-widened input); body in qs8_spmm_neon_template.h. */
#define QS8_NAME qs8_spmm_16x4__neon
#define QS8_B 4
#define QS8_V 2
#include "qs8_spmm_neon_template.h"
