// Pairwise block kernels of the fl plugin with run-time dispatch on the CPU's instruction set.
#ifndef GEOMRT_FL_KERNELS_HPP
#define GEOMRT_FL_KERNELS_HPP

#include <cstdint>

namespace geomrt {
namespace fl {

/// Columns per block: a K x kBlock block of f32 and its f64 copy stay in a core's L2 cache for K ~ 100.
constexpr int64_t kBlock = 512;

// Each kernel adds, for the `rows` x `n` row-major block x (leading dimension ld; rows a
// multiple of 4, n a multiple of 8, zero padding), into the rows x rows matrix acc at least
// every entry (i, j) with i <= j: the dot product x_i . x_j (gram) or |x_i - x_j|_1 (l1).
#define GEOMRT_FL_DECLARE_KERNELS(ns)                                                        \
    namespace ns {                                                                           \
    void gram_block(const double *x, int64_t rows, int64_t ld, int64_t n, double *acc);      \
    void l1_block_f32(const float *x, int64_t rows, int64_t ld, int64_t n, double *acc);     \
    void l1_block_f64(const double *x, int64_t rows, int64_t ld, int64_t n, double *acc);    \
    }
GEOMRT_FL_DECLARE_KERNELS(generic)
GEOMRT_FL_DECLARE_KERNELS(avx2)
GEOMRT_FL_DECLARE_KERNELS(avx512)
#undef GEOMRT_FL_DECLARE_KERNELS

/// The kernels for this CPU.
struct Kernels {
    void (*gram)(const double *, int64_t, int64_t, int64_t, double *);
    void (*l1_f32)(const float *, int64_t, int64_t, int64_t, double *);
    void (*l1_f64)(const double *, int64_t, int64_t, int64_t, double *);
    const char *isa;
};
const Kernels &kernels();

}  // namespace fl
}  // namespace geomrt

#endif
