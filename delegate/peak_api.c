/* The benchmark entry point of the delegate library: the FMA peak probe. */
#include "kernels/dispatch.h"
#include "tflite_sparse/delegate.h"

double tflite_sparse_fma_peak_gflops(const char* isa) {
  tsp_isa which;
  if (!isa || tsp_isa_from_name(isa, &which) != 0) return 0.0;
  const tsp_kernel_table* table = tsp_kernels(which);
  return table ? tsp_fma_peak_gflops(table) : 0.0;
}
