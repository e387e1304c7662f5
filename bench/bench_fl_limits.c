/* Machine limits for bench_fl.py: memory read bandwidth and the peak rates of the two inner
 * operations of fl.multi_metrics, measured on this machine with 1 and 2 threads.
 *   - read:  sum of a 1 GiB float32 array (streaming read, GB/s)
 *   - fma:   independent f64 fused multiply-adds on 4-lane vectors (Gram entries per second)
 *   - l1:    |a - b| accumulated on 8-lane f32 vectors (Manhattan pair-entries per second)
 * Build: cc -O3 -fopenmp -mavx2 -mfma -mavx512f -mavx512vl bench/bench_fl_limits.c -o /tmp/fl_limits
 *        (without AVX-512: -DTI=2 and no -mavx512*)
 * Prints "read_gbs fma_per_s l1_per_s" for 1 thread timed by its CPU time (what a core does when it
 * runs), then for 2 threads timed by the wall clock (what the machine did under its current load). */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
/* CPU time of the calling thread: on a shared machine it counts the cycles this thread got,
 * not the time other processes held the core (wall time with 2 threads is reported too). */
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}
static int use_cpu_clock = 1;
static double now(void) { return use_cpu_clock ? cpu_now() : omp_get_wtime(); }

static double read_bw(const float *x, size_t n, int threads) {
    double best = 1e30, sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        double t0 = now(), s = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : s) schedule(static)
        for (size_t b = 0; b < n; b += 4096) {
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t k = b; k < b + 4096; k += 32) {
                a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + k));
                a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + k + 8));
                a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + k + 16));
                a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + k + 24));
            }
            float t[8];
            _mm256_storeu_ps(t, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
            for (int l = 0; l < 8; ++l) s += t[l];
        }
        double dt = now() - t0;
        sink += s;
        if (dt < best) best = dt;
    }
    if (sink == 42.0) printf("#");
    return n * 4.0 / best / 1e9;
}

/* TI x 4 pairs per step: TI x 4 accumulators (independent chains to cover the FMA latency) against
 * TI + 4 operands in registers (TI = 4 needs the 32 registers of AVX-512VL). */
#ifndef TI
#define TI 4
#endif
static double fma_rate(int threads, long steps) {
    double best = 1e30, sink = 0;
    for (int rep = 0; rep < 3; ++rep) {
        double t0 = now(), s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
        {
            __m256d a[TI], b[4], acc[TI][4];
            for (int i = 0; i < TI; ++i) a[i] = _mm256_set1_pd(1.0 + 1e-9 * (i + omp_get_thread_num()));
            for (int j = 0; j < 4; ++j) b[j] = _mm256_set1_pd(1.0 - 1e-9 * j);
            for (int i = 0; i < TI; ++i)
                for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_pd();
            for (long k = 0; k < steps; ++k) {
                for (int i = 0; i < TI; ++i)
                    for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_fmadd_pd(a[i], b[j], acc[i][j]);
                __asm__ volatile("" : "+x"(a[0]), "+x"(b[0]));
            }
            double t[4];
            for (int i = 0; i < TI; ++i)
                for (int j = 0; j < 4; ++j) {
                    _mm256_storeu_pd(t, acc[i][j]);
                    s += t[0];
                }
        }
        double dt = now() - t0;
        sink += s;
        if (dt < best) best = dt;
    }
    if (sink == 42.0) printf("#");
    return TI * 4.0 * 4.0 * steps * threads / best; /* pair-entries per second */
}

static double l1_rate(int threads, long steps) {
    double best = 1e30, sink = 0;
    const __m256 mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int rep = 0; rep < 3; ++rep) {
        double t0 = now(), s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
        {
            __m256 a[2], b[4], acc[2][4];
            for (int i = 0; i < 2; ++i) a[i] = _mm256_set1_ps(1.0f + i + omp_get_thread_num());
            for (int j = 0; j < 4; ++j) b[j] = _mm256_set1_ps(0.5f * j);
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_ps();
            for (long k = 0; k < steps; ++k) {
                for (int i = 0; i < 2; ++i)
                    for (int j = 0; j < 4; ++j)
                        acc[i][j] = _mm256_add_ps(acc[i][j], _mm256_and_ps(_mm256_sub_ps(a[i], b[j]), mask));
                __asm__ volatile("" : "+x"(a[0]), "+x"(b[0]));
            }
            float t[8];
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 4; ++j) {
                    _mm256_storeu_ps(t, acc[i][j]);
                    s += t[0];
                }
        }
        double dt = now() - t0;
        sink += s;
        if (dt < best) best = dt;
    }
    if (sink == 42.0) printf("#");
    return 8.0 * 8.0 * steps * threads / best;
}

int main(void) {
    const size_t n = (size_t)1 << 28; /* 1 GiB of float32 */
    float *x = aligned_alloc(64, n * sizeof(float));
    if (!x) return 1;
    for (size_t i = 0; i < n; ++i) x[i] = (float)(i & 1023) * 1e-3f;
    for (int th = 1; th <= 2; ++th) {
        use_cpu_clock = th == 1;
        printf("threads %d (%s) read_gbs %.2f fma_per_s %.4g l1_per_s %.4g\n", th, th == 1 ? "cpu time" : "wall",
               read_bw(x, n, th), fma_rate(th, 50000000L), l1_rate(th, 50000000L));
    }
    free(x);
    return 0;
}
