/* SIMD template of the element-wise unary kernels: y = clamp(f(x)) over n
 * floats. The includer includes vmath/vmath_<isa>.h and defines
 * TSP_VUNARY_FN (the kernel's name) and TSP_VUNARY_OP (one of the vu_*
 * functions below). Full vectors, then one masked tail: no float past n is
 * read or written. Clamp bounds come first so NaN propagates. */
#include <stddef.h>

#include "ukernels.h"
#include "vmath/vmath_exp.h"

static inline tsp_vec vu_identity(tsp_vec x) { return x; }
static inline tsp_vec vu_sigmoid(tsp_vec x) { return vm_sigmoid(x); }
static inline tsp_vec vu_swish(tsp_vec x) { return v_mul(x, vm_sigmoid(x)); }
/* x * relu6(x + 3) / 6, in TFLite's order. */
static inline tsp_vec vu_hswish(tsp_vec x) {
  const tsp_vec t = vm_min(v_set1(6.0f), vm_max(v_zero(), v_add(x, v_set1(3.0f))));
  return v_mul(v_mul(x, t), v_set1(1.0f / 6.0f));
}

void TSP_VUNARY_FN(size_t n, const float* x, float* y, const tsp_minmax* clamp) {
  const tsp_vec lo = v_set1(clamp->min), hi = v_set1(clamp->max);
  size_t i = 0;
  for (; i + 2 * TSP_V <= n; i += 2 * TSP_V) {
    const tsp_vec a = TSP_VUNARY_OP(v_loadu(x + i));
    const tsp_vec b = TSP_VUNARY_OP(v_loadu(x + i + TSP_V));
    v_storeu(y + i, vm_min(hi, vm_max(lo, a)));
    v_storeu(y + i + TSP_V, vm_min(hi, vm_max(lo, b)));
  }
  for (; i + TSP_V <= n; i += TSP_V) v_storeu(y + i, vm_min(hi, vm_max(lo, TSP_VUNARY_OP(v_loadu(x + i)))));
  if (i < n) v_store_n(y + i, vm_min(hi, vm_max(lo, TSP_VUNARY_OP(v_load_n(x + i, n - i)))), n - i);
}
