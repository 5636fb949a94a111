/* Times a table's FMA peak probe (peak.h). */
#define _POSIX_C_SOURCE 199309L
#include <time.h>

#include "dispatch.h"

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Written so the probe's result is used and the probe cannot be dropped. */
static volatile float g_peak_sink;

double tsp_fma_peak_gflops(const tsp_kernel_table* table) {
  /* Grow the run until it takes >= 10 ms (timer and frequency-ramp noise),
   * then keep the best of five: on a shared core, the best run is the one
   * least disturbed by other processes. */
  size_t iterations = 1 << 16;
  double seconds = 0.0;
  for (;;) {
    const double t0 = seconds_now();
    g_peak_sink = table->fma_peak(iterations);
    seconds = seconds_now() - t0;
    if (seconds >= 0.01 || iterations > ((size_t)1 << 40)) break;
    iterations *= 2;
  }
  for (int r = 0; r < 5; ++r) {
    const double t0 = seconds_now();
    g_peak_sink = table->fma_peak(iterations);
    const double s = seconds_now() - t0;
    if (s < seconds) seconds = s;
  }
  const double flops = (double)iterations * TSP_FMA_PEAK_CHAINS * (double)table->lanes * 2.0;
  return flops / seconds * 1e-9;
}
