// Run-time choice of the fl block kernels.
#include "kernels.hpp"

namespace geomrt {
namespace fl {

const Kernels &kernels() {
    static const Kernels k = [] {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            return Kernels{avx512::gram_block, avx512::l1_block_f32, avx512::l1_block_f64, "avx512vl"};
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            return Kernels{avx2::gram_block, avx2::l1_block_f32, avx2::l1_block_f64, "avx2"};
        return Kernels{generic::gram_block, generic::l1_block_f32, generic::l1_block_f64, "generic"};
    }();
    return k;
}

}  // namespace fl
}  // namespace geomrt
