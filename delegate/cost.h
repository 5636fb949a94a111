/* The delegate's cost rule: claim a partition only when it is estimated to
 * run faster than TFLite would run the same nodes.
 *
 * Per image, the estimate credits each sparse 1x1 convolution with the time
 * it saves over XNNPACK's dense kernel and charges each activation that
 * crosses the partition edge (an NHWC<->CHW transpose) with the time of the
 * transpose. Every other claimed node (depthwise, pooling, element-wise) is
 * taken to cost about what XNNPACK spends on it. A partition is kept when
 * saved > layout + fixed overhead. The constants were measured on an AMD EPYC
 * (Zen 5) core, one thread; they matter only as ratios. */
#ifndef TFLITE_SPARSE_COST_H_
#define TFLITE_SPARSE_COST_H_

#include <stddef.h>

/* Nanoseconds per multiply-add. */
#define TSP_COST_DENSE_NS_PER_MAC 0.0105   /* XNNPACK dense 1x1, ~190 GFLOP/s */
#define TSP_COST_BLOCK1_NS_PER_MAC 0.026   /* ours, per stored MAC, unstructured */
#define TSP_COST_BLOCK2_NS_PER_MAC 0.015
#define TSP_COST_BLOCK4_NS_PER_MAC 0.0105
/* Int8, measured on the same Zen 5 core (one thread): XNNPACK's dense int8
 * MobileNet v1 1.0 takes 1.88 ms for its 569 M MACs, ~0.0028 ns per MAC in
 * the 1x1 layers; ours per stored MAC from benchmarks/qs8_spmm_bench.c (the
 * AVX-512 VNNI kernels on MobileNet v1's pointwise layers at 90%: 0.69,
 * 0.51, 0.49 ms at blocks 1, 2, 4 for ~48 M stored MACs). Without VNNI/AVX-512
 * (AVX2, NEON) our int8 kernels are taken as TSP_COST_QS8_SLOW_FACTOR slower
 * (AVX2 measured 3.5x at block 4, 4.5x at block 1), and the scalar ones are
 * never claimed for speed. */
#define TSP_COST_QS8_DENSE_NS_PER_MAC 0.0028
#define TSP_COST_QS8_BLOCK1_NS_PER_MAC 0.0144
#define TSP_COST_QS8_BLOCK2_NS_PER_MAC 0.0106
#define TSP_COST_QS8_BLOCK4_NS_PER_MAC 0.0102
#define TSP_COST_QS8_SLOW_FACTOR 3.5
/* Nanoseconds per element (float or int8) moved by an edge transpose
 * (read + strided write; the scalar transposes cost per element). */
#define TSP_COST_LAYOUT_NS_PER_FLOAT 0.45
/* Fixed cost of one delegated partition (its invoke, its steps' setup). */
#define TSP_COST_PARTITION_NS 2000.0

/* Time a sparse 1x1 conv of `macs` dense multiply-adds per image, storing
 * a fraction `density` of its weights in blocks of `block` output channels,
 * saves over dense XNNPACK (may be negative). */
double tsp_cost_sparse_conv_saving(double macs, double density, int block);

/* The same for an int8 conv (dense int8 XNNPACK vs our int8 SpMM); isa is
 * the delegate's kernel table's (tsp_isa). */
double tsp_cost_qs8_sparse_conv_saving(double macs, double density, int block, int isa);

/* Time of transposing `elements` values of one image at a partition edge. */
double tsp_cost_layout(double elements);

#endif /* TFLITE_SPARSE_COST_H_ */
