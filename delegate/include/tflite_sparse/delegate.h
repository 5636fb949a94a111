/* Public C API of the tflite-sparse delegate.
 *
 * The library is a TFLite external-delegate plugin: tf.lite and ai_edge_litert
 * load it with load_delegate(path, {"isa": "avx512", ...}). Options (string
 * key/value pairs; an unknown key or a bad value is an error):
 *   isa             auto (default) | scalar | avx2 | avx512 | neon (aarch64)
 *   min_sparsity    a 1x1 convolution counts as sparse when at least this
 *                   fraction of its weights is zero (default 0.5)
 *   profile         0 | 1: time every step (see tflite_sparse_delegate_report)
 *   flush_denormals 0 | 1 (default 1): flush denormals to zero while invoking
 */
#ifndef TFLITE_SPARSE_DELEGATE_H_
#define TFLITE_SPARSE_DELEGATE_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFLITE_SPARSE_EXPORT __attribute__((visibility("default")))

struct TfLiteDelegate;

/* Plugin entry points. num_options is an int because Python's load_delegate
 * passes a C int there. Returns NULL and calls report_error on bad options. */
TFLITE_SPARSE_EXPORT struct TfLiteDelegate* tflite_plugin_create_delegate(
    const char* const* option_keys, const char* const* option_values, int num_options,
    void (*report_error)(const char* message));
TFLITE_SPARSE_EXPORT void tflite_plugin_destroy_delegate(struct TfLiteDelegate* delegate);

/* Writes a JSON description of what the delegate claimed (partitions, their
 * TFLite nodes, each step's op, shapes, sparsity, block, kernel and, with
 * profile=1, timings) into buffer (NUL-terminated, truncated to capacity).
 * Returns the length of the full JSON text, without the NUL. */
TFLITE_SPARSE_EXPORT size_t tflite_sparse_delegate_report(const struct TfLiteDelegate* delegate,
                                                          char* buffer, size_t capacity);

/* For benchmarks: the measured float FMA peak of one core at an ISA
 * ("scalar", "avx2", "avx512", "neon"), GFLOP/s, from ~0.1 s of independent
 * FMA chains. Returns 0 for an unknown ISA or one this CPU cannot run. */
TFLITE_SPARSE_EXPORT double tflite_sparse_fma_peak_gflops(const char* isa);

#ifdef __cplusplus
}
#endif

#endif /* TFLITE_SPARSE_DELEGATE_H_ */
