/* gd_openmp: the tutorial's full-batch gradient descent step (sigmoid, summed squared error,
 * the bias as a constant third column) written as an experienced C programmer would for a
 * multi-core CPU -- the peer `scripts/bench-peers` measures descent against.
 *
 * One fused pass per epoch over three arrays (x0, x1, y: 3 * sizeof(REAL) bytes a row), an
 * OpenMP `parallel for simd` reduction, and glibc's vector exp (libmvec, through -ffast-math).
 * The data (two separable clusters from a hash of the row index) is first touched by the
 * threads that later read it. The sum's order depends on the thread count, so unlike descent
 * it is NOT the same bits for every thread count.
 *
 * Build: gcc -O3 -march=native -ffast-math -fopenmp gd_openmp.c -o gd_openmp -lm
 *        (add -DREAL=float for single precision)
 * Run:   OMP_NUM_THREADS=2 ./gd_openmp ROWS EPOCHS
 * Prints one line:
 *   threads=2 bytes_per_row=24 rows=10000000 ms_per_epoch=... rows_per_s=... GBps=... loss=...
 * Exit status: 0; 2 for bad arguments; 1 when the rows do not fit in memory.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef REAL
#define REAL double
#endif

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* splitmix64's finaliser: 64 well-mixed bits from a row index. */
static inline uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int parse_count(const char *text, unsigned long long *value) {
  char *end;
  *value = strtoull(text, &end, 10);
  return *text != '\0' && *text != '-' && *end == '\0' && *value > 0;
}

int main(int argc, char **argv) {
  unsigned long long rows_arg, epochs_arg;
  if (argc != 3 || !parse_count(argv[1], &rows_arg) || !parse_count(argv[2], &epochs_arg)) {
    fprintf(stderr, "usage: %s ROWS EPOCHS   (both positive; threads from OMP_NUM_THREADS)\n", argv[0]);
    return 2;
  }
  const size_t n = (size_t)rows_arg;
  const long epochs = (long)epochs_arg;
  REAL *x0 = malloc(n * sizeof(REAL)), *x1 = malloc(n * sizeof(REAL)), *y = malloc(n * sizeof(REAL));
  if (!x0 || !x1 || !y) {
    fprintf(stderr, "gd_openmp: %zu rows (%zu bytes) do not fit in memory\n", n, 3 * n * sizeof(REAL));
    return 1;
  }

  /* Label from the top bit; each feature is uniform over [-2, 2) around its class's centre. */
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) {
    const uint64_t h = mix(i);
    const int positive = (int)(h >> 63);
    y[i] = (REAL)positive;
    x0[i] = (REAL)((h >> 8) & 0xFFFF) / (REAL)16384 - 2 + (positive ? 3 : -3);
    x1[i] = (REAL)((h >> 24) & 0xFFFF) / (REAL)16384 - 2 + (positive ? -4 : 4);
  }

  REAL w0 = (REAL)0.1, w1 = (REAL)-0.2, bias = (REAL)0.3;
  const REAL alpha = (REAL)1e-8;
  double loss = 0;
  const double start = seconds();
  for (long epoch = 0; epoch < epochs; epoch++) {
    REAL g0 = 0, g1 = 0, gb = 0, sum = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : g0, g1, gb, sum)
    for (size_t i = 0; i < n; i++) {
      const REAL p = 1 / (1 + exp(-(w0 * x0[i] + w1 * x1[i] + bias)));
      const REAL error = p - y[i];
      const REAL d = error * p * (1 - p); /* error times the sigmoid's derivative */
      g0 += d * x0[i];
      g1 += d * x1[i];
      gb += d;
      sum += error * error;
    }
    w0 -= alpha * g0;
    w1 -= alpha * g1;
    bias -= alpha * gb;
    loss = (double)sum;
  }
  const double elapsed = seconds() - start;
  const double rows_seen = (double)n * (double)epochs;
  printf("threads=%d bytes_per_row=%zu rows=%zu ms_per_epoch=%.3f rows_per_s=%.4g GBps=%.2f loss=%.6g\n",
         omp_get_max_threads(), 3 * sizeof(REAL), n, elapsed / (double)epochs * 1e3, rows_seen / elapsed,
         rows_seen * 3 * sizeof(REAL) / elapsed / 1e9, loss);
  free(x0);
  free(x1);
  free(y);
  return 0;
}
