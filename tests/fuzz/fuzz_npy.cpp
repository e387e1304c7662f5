// fuzz_npy -- libFuzzer target for the command-line tool's .npy reader (tools/npy.cpp).
//
// Any byte string is read as a .npy file. The reader must either throw CliError or return a
// tensor whose storage holds every element its shape and strides address; a tensor it returns
// must survive a write/read round trip unchanged (same dtype, shape, layout and bytes).
#include <cstring>

#include "../../tools/cli_error.hpp"
#include "../../tools/npy.hpp"
#include "memfile.hpp"

using geomrt_cli::CliError;
using geomrt_cli::HostTensor;

namespace {

/// Bytes the tensor's elements span (0 when empty), computed without overflow.
unsigned __int128 span_bytes(const HostTensor &t) {
    const size_t es = geomrt_cli::dtype_size(t.dtype);
    if (es == 0) __builtin_trap();
    unsigned __int128 hi = 0;
    for (size_t i = 0; i < t.shape.size(); ++i) {
        if (t.shape[i] < 0) __builtin_trap();
        if (t.shape[i] == 0) return 0;
    }
    for (size_t i = 0; i < t.shape.size(); ++i) {
        const int64_t stride = t.strides.empty() ? 0 : t.strides[i];
        if (stride < 0) __builtin_trap();  // the reader never produces negative strides
        unsigned __int128 step = t.strides.empty() ? 1 : static_cast<unsigned __int128>(stride);
        if (t.strides.empty())
            for (size_t j = i + 1; j < t.shape.size(); ++j) step *= static_cast<unsigned __int128>(t.shape[j]);
        hi += step * static_cast<unsigned __int128>(t.shape[i] - 1);
    }
    return (hi + 1) * es;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static geomrt_fuzz::MemFile in("fuzz_npy_in"), out("fuzz_npy_out");
    in.assign(data, size);
    HostTensor t;
    try {
        t = geomrt_cli::read_npy(in.path());
    } catch (const CliError &) {
        return 0;
    }
    if (span_bytes(t) > t.storage.size() * 8) __builtin_trap();
    // Round trip: write what was read, read it back, compare.
    const bool fortran = !t.strides.empty();
    try {
        geomrt_cli::write_npy(out.path(), t.dtype, t.data(), t.ndim(), t.shape.data(), fortran);
    } catch (const CliError &) {
        __builtin_trap();  // a tensor the reader accepted must be writable
    }
    HostTensor u;
    try {
        u = geomrt_cli::read_npy(out.path());
    } catch (const CliError &) {
        __builtin_trap();
    }
    if (u.dtype != t.dtype || u.shape != t.shape || u.strides != t.strides) __builtin_trap();
    const size_t bytes = static_cast<size_t>(span_bytes(t));
    if (bytes && std::memcmp(u.data(), t.data(), bytes) != 0) __builtin_trap();
    return 0;
}
