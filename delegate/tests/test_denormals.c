/* The delegate flushes denormals while it runs and restores the caller's
 * floating-point mode afterwards (delegate/denormals.h). */
#include <float.h>
#include <stdio.h>

#include "denormals.h"
#include "test_util.h"

/* volatile: computed at run time, under the current floating-point mode. */
__attribute__((noinline)) static float halve(volatile float x) { return x * 0.5f; }

int main(void) {
  const float tiny = FLT_MIN; /* smallest normal: halving it gives a denormal */
  EXPECT(halve(tiny) > 0.0f); /* default mode keeps denormals */

  tsp_fp_state saved;
  tsp_denormals_flush_begin(&saved);
#if defined(__x86_64__) || defined(__aarch64__)
  EXPECT(halve(tiny) == 0.0f); /* flushed while the delegate runs */
#endif
  tsp_denormals_flush_end(&saved);

  EXPECT(halve(tiny) > 0.0f); /* the caller's mode is back */
  return test_summary();
}
