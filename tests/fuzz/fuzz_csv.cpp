// fuzz_csv -- libFuzzer target for the command-line tool's CSV / text-table reader
// (tools/csv.cpp). The first byte picks the requested rank and dtype of csv_to_tensor, the
// rest is the file. The reader must either throw CliError or return a rows x cols table whose
// values vector has exactly rows * cols entries, and a tensor with that many elements.
#include <cstring>

#include "../../tools/cli_error.hpp"
#include "../../tools/csv.hpp"
#include "memfile.hpp"

using geomrt_cli::CliError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static geomrt_fuzz::MemFile in("fuzz_csv_in");
    if (size < 1) return 0;
    const int want_ndim = static_cast<int>(data[0] % 4) - 1;  // -1, 0, 1, 2
    static const int dtypes[3] = {GEOMRT_DTYPE_F64, GEOMRT_DTYPE_F32, GEOMRT_DTYPE_I64};
    const int dtype = dtypes[(data[0] >> 2) % 3];
    in.assign(data + 1, size - 1);
    geomrt_cli::CsvTable table;
    try {
        table = geomrt_cli::read_csv(in.path());
    } catch (const CliError &) {
        return 0;
    }
    if (table.rows < 0 || table.cols < 0 ||
        table.values.size() != static_cast<size_t>(table.rows) * static_cast<size_t>(table.cols))
        __builtin_trap();
    try {
        geomrt_cli::HostTensor t = geomrt_cli::csv_to_tensor(table, want_ndim, dtype, in.path());
        if (t.dtype != dtype || t.numel() != table.rows * table.cols) __builtin_trap();
        if (static_cast<size_t>(t.numel()) * geomrt_cli::dtype_size(dtype) > t.storage.size() * 8) __builtin_trap();
        if (!t.strides.empty()) __builtin_trap();
    } catch (const CliError &) {
    }
    return 0;
}
