/* Flushing denormals while the delegate runs: random-weight and badly scaled
 * models produce denormal activations, which cost ~100x on x86. Dense engines
 * flush them; so do we, and restore the caller's mode afterwards. */
#ifndef TFLITE_SPARSE_DENORMALS_H_
#define TFLITE_SPARSE_DENORMALS_H_

#include <stdint.h>

typedef struct {
  uint64_t saved;
} tsp_fp_state;

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define TSP_MXCSR_FTZ_DAZ 0x8040u /* flush-to-zero (bit 15), denormals-are-zero (bit 6) */
static inline void tsp_denormals_flush_begin(tsp_fp_state* state) {
  unsigned csr = _mm_getcsr();
  state->saved = csr;
  _mm_setcsr(csr | TSP_MXCSR_FTZ_DAZ);
}
static inline void tsp_denormals_flush_end(const tsp_fp_state* state) {
  _mm_setcsr((unsigned)state->saved);
}
static inline uint64_t tsp_fp_mode_read(void) { return _mm_getcsr(); }
static inline void tsp_fp_mode_write(uint64_t mode) { _mm_setcsr((unsigned)mode); }
#elif defined(__aarch64__)
#define TSP_FPCR_FZ (1ull << 24)
static inline void tsp_denormals_flush_begin(tsp_fp_state* state) {
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  state->saved = fpcr;
  fpcr |= TSP_FPCR_FZ;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr) : "memory");
}
static inline void tsp_denormals_flush_end(const tsp_fp_state* state) {
  uint64_t fpcr = state->saved;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr) : "memory");
}
static inline uint64_t tsp_fp_mode_read(void) {
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}
static inline void tsp_fp_mode_write(uint64_t mode) {
  __asm__ volatile("msr fpcr, %0" : : "r"(mode) : "memory");
}
#else
static inline void tsp_denormals_flush_begin(tsp_fp_state* state) { state->saved = 0; }
static inline void tsp_denormals_flush_end(const tsp_fp_state* state) { (void)state; }
static inline uint64_t tsp_fp_mode_read(void) { return 0; }
static inline void tsp_fp_mode_write(uint64_t mode) { (void)mode; }
#endif
/* tsp_fp_mode_read/write: the whole control word (MXCSR, FPCR), so worker
 * threads can compute in the caller's mode (denormal flushing, rounding). */

#endif /* TFLITE_SPARSE_DENORMALS_H_ */
