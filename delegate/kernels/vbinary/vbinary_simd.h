/* SIMD template of the element-wise binary kernels: y = clamp(a op b) over
 * n floats. The includer includes vmath/vmath_<isa>.h and defines
 * TSP_VBINARY_FN and TSP_VBINARY_OP (v_add or v_mul). y may alias a or b
 * (each vector is loaded before it is stored). No float past n is touched. */
#include <stddef.h>

#include "ukernels.h"

void TSP_VBINARY_FN(size_t n, const float* a, const float* b, float* y, const tsp_minmax* clamp) {
  const tsp_vec lo = v_set1(clamp->min), hi = v_set1(clamp->max);
  size_t i = 0;
  for (; i + 2 * TSP_V <= n; i += 2 * TSP_V) {
    const tsp_vec r0 = TSP_VBINARY_OP(v_loadu(a + i), v_loadu(b + i));
    const tsp_vec r1 = TSP_VBINARY_OP(v_loadu(a + i + TSP_V), v_loadu(b + i + TSP_V));
    v_storeu(y + i, vm_min(hi, vm_max(lo, r0)));
    v_storeu(y + i + TSP_V, vm_min(hi, vm_max(lo, r1)));
  }
  for (; i + TSP_V <= n; i += TSP_V)
    v_storeu(y + i, vm_min(hi, vm_max(lo, TSP_VBINARY_OP(v_loadu(a + i), v_loadu(b + i)))));
  if (i < n) {
    const tsp_vec r = TSP_VBINARY_OP(v_load_n(a + i, n - i), v_load_n(b + i, n - i));
    v_store_n(y + i, vm_min(hi, vm_max(lo, r)), n - i);
  }
}
