/* FMA peak probes: the fastest this core runs float FMAs at one ISA, so
 * benchmarks can print a kernel's GFLOP/s as a fraction of it. Each probe
 * runs `iterations` rounds of TSP_FMA_PEAK_CHAINS independent FMA chains
 * (more chains than FMA latency x FMA pipes on any current core, so the
 * pipes, not the latency, bound it) and returns the sum of the chains so the
 * work cannot be optimised away. FLOPs done:
 *   iterations * TSP_FMA_PEAK_CHAINS * lanes * 2. */
#ifndef TFLITE_SPARSE_PEAK_H_
#define TFLITE_SPARSE_PEAK_H_

#include <stddef.h>

#define TSP_FMA_PEAK_CHAINS 12

typedef float (*tsp_fma_peak_fn)(size_t iterations);

float f32_fma_peak__scalar(size_t iterations); /* lanes = 1 */
float f32_fma_peak__avx2(size_t iterations);   /* lanes = 8 */
float f32_fma_peak__avx512(size_t iterations); /* lanes = 16 */
float f32_fma_peak__neon(size_t iterations);   /* lanes = 4 */

#endif /* TFLITE_SPARSE_PEAK_H_ */
