#include "cost.h"

#include "kernels/dispatch.h"

double tsp_cost_sparse_conv_saving(double macs, double density, int block) {
  double per_mac = block % 4 == 0   ? TSP_COST_BLOCK4_NS_PER_MAC
                   : block % 2 == 0 ? TSP_COST_BLOCK2_NS_PER_MAC
                                    : TSP_COST_BLOCK1_NS_PER_MAC;
  return macs * (TSP_COST_DENSE_NS_PER_MAC - density * per_mac);
}

double tsp_cost_qs8_sparse_conv_saving(double macs, double density, int block, int isa) {
  double per_mac = block % 4 == 0   ? TSP_COST_QS8_BLOCK4_NS_PER_MAC
                   : block % 2 == 0 ? TSP_COST_QS8_BLOCK2_NS_PER_MAC
                                    : TSP_COST_QS8_BLOCK1_NS_PER_MAC;
  if (isa == TSP_ISA_SCALAR) return -macs; /* never for speed */
  if (isa != TSP_ISA_AVX512) per_mac *= TSP_COST_QS8_SLOW_FACTOR;
  return macs * (TSP_COST_QS8_DENSE_NS_PER_MAC - density * per_mac);
}

double tsp_cost_layout(double elements) { return elements * TSP_COST_LAYOUT_NS_PER_FLOAT; }
