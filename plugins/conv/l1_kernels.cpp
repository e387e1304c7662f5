// Weighted-L1 kernels: the body (l1_kernels_impl.inc) compiled once per instruction set,
// dispatched on the CPU at run time.
#include "l1_kernels.hpp"
#include "gemm.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace geomrt {
namespace conv {
namespace {

template <class T>
struct IntOf;
template <>
struct IntOf<float> {
    typedef int32_t type;
    static constexpr int32_t sign = INT32_MIN;  // the sign bit
};
template <>
struct IntOf<double> {
    typedef int64_t type;
    static constexpr int64_t sign = INT64_MIN;
};

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
namespace l1_avx512 {
constexpr int kVB = 64, kOB = 6, kOBB = 4;
#include "l1_kernels_impl.inc"
}  // namespace l1_avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace l1_avx2 {
constexpr int kVB = 32, kOB = 4, kOBB = 2;
#include "l1_kernels_impl.inc"
}  // namespace l1_avx2
#pragma GCC pop_options

namespace l1_base {
constexpr int kVB = 16, kOB = 4, kOBB = 2;
#include "l1_kernels_impl.inc"
}  // namespace l1_base

enum class Isa { avx512, avx2, base };

Isa detect() {
    static const Isa isa = [] {
        __builtin_cpu_init();
        // GEOMRT_CONV_ISA=baseline|avx2 caps the instruction set (tests run every path).
        const char *cap = std::getenv("GEOMRT_CONV_ISA");
        if (cap && std::strcmp(cap, "baseline") == 0) return Isa::base;
        const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        if (cap && std::strcmp(cap, "avx2") == 0) return avx2 ? Isa::avx2 : Isa::base;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
            return Isa::avx512;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
        return Isa::base;
    }();
    return isa;
}

}  // namespace

template <class T>
void wl1_forward(const T *X, int64_t ldx, int64_t K, int64_t n, const T *W, const T *A, int64_t Og, T *S,
                 int64_t lds) {
    switch (detect()) {
    case Isa::avx512: return l1_avx512::wl1_forward_impl<T>(X, ldx, K, n, W, A, Og, S, lds);
    case Isa::avx2: return l1_avx2::wl1_forward_impl<T>(X, ldx, K, n, W, A, Og, S, lds);
    default: return l1_base::wl1_forward_impl<T>(X, ldx, K, n, W, A, Og, S, lds);
    }
}

template <class T>
void wl1_backward(const T *X, int64_t ldx, int64_t K, int64_t n, const T *W, const T *A, int64_t Og, const T *G,
                  int64_t ldg, T *dX, T *sgW, T *absA) {
    switch (detect()) {
    case Isa::avx512: return l1_avx512::wl1_backward_impl<T>(X, ldx, K, n, W, A, Og, G, ldg, dX, sgW, absA);
    case Isa::avx2: return l1_avx2::wl1_backward_impl<T>(X, ldx, K, n, W, A, Og, G, ldg, dX, sgW, absA);
    default: return l1_base::wl1_backward_impl<T>(X, ldx, K, n, W, A, Og, G, ldg, dX, sgW, absA);
    }
}

int gemm_isa_level() {
    switch (detect()) {
    case Isa::avx512: return 2;
    case Isa::avx2: return 1;
    default: return 0;
    }
}

const char *wl1_isa() {
    switch (detect()) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "baseline";
    }
}

template void wl1_forward<float>(const float *, int64_t, int64_t, int64_t, const float *, const float *, int64_t,
                                 float *, int64_t);
template void wl1_forward<double>(const double *, int64_t, int64_t, int64_t, const double *, const double *,
                                  int64_t, double *, int64_t);
template void wl1_backward<float>(const float *, int64_t, int64_t, int64_t, const float *, const float *, int64_t,
                                  const float *, int64_t, float *, float *, float *);
template void wl1_backward<double>(const double *, int64_t, int64_t, int64_t, const double *, const double *,
                                   int64_t, const double *, int64_t, double *, double *, double *);

}  // namespace conv
}  // namespace geomrt
