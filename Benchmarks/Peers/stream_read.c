/* stream_read: sustained memory read bandwidth with every OpenMP thread, the physical limit
 * for a full-batch epoch over data that does not fit in cache (the roofline `scripts/bench-peers`
 * compares descent and gd_openmp with).
 *
 * Fills an array of doubles (first touched by the threads that later read it), then sums it
 * ten times with a `parallel for` reduction and keeps the fastest pass.
 *
 * Build: gcc -O3 -march=native -ffast-math -fopenmp stream_read.c -o stream_read
 * Run:   OMP_NUM_THREADS=2 ./stream_read [BYTES]      (default 1,600,000,000: well beyond any cache)
 * Prints one line:
 *   threads=2 bytes=1600000000 read_GBps=... (checksum ...)
 * Exit status: 0; 2 for a bad argument; 1 when the array does not fit in memory.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  unsigned long long bytes = 1600000000ull;
  if (argc > 2 || (argc == 2 && (bytes = strtoull(argv[1], NULL, 10)) < sizeof(double) * 1024)) {
    fprintf(stderr, "usage: %s [BYTES]   (at least 8192; threads from OMP_NUM_THREADS)\n", argv[0]);
    return 2;
  }
  const size_t n = (size_t)(bytes / sizeof(double));
  double *a = malloc(n * sizeof(double));
  if (!a) {
    fprintf(stderr, "stream_read: %zu bytes do not fit in memory\n", n * sizeof(double));
    return 1;
  }
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) a[i] = (double)(i & 1023);

  double fastest = 1e300, checksum = 0;
  for (int pass = 0; pass < 10; pass++) {
    double sum = 0;
    const double start = seconds();
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (size_t i = 0; i < n; i++) sum += a[i];
    const double elapsed = seconds() - start;
    checksum += sum; /* keeps the sum live */
    if (elapsed < fastest) fastest = elapsed;
  }
  printf("threads=%d bytes=%zu read_GBps=%.2f (checksum %g)\n", omp_get_max_threads(), n * sizeof(double),
         (double)(n * sizeof(double)) / fastest / 1e9, checksum);
  free(a);
  return 0;
}
