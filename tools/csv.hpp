// csv.hpp -- reading numeric tables from CSV / whitespace-separated text.
//
// Numbers are separated by a comma and/or whitespace, one row per line.
// Blank lines and lines whose first non-blank character is '#' are skipped.
// Every row must have the same number of values.
#ifndef GEOMRT_TOOLS_CSV_HPP
#define GEOMRT_TOOLS_CSV_HPP

#include "tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace geomrt_cli {

/** A rows x cols table of numbers, row-major. */
struct CsvTable {
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<double> values;
};

/** Parse a text table; throws CliError naming the file, line and token. */
CsvTable read_csv(const std::string &path);

/**
 * Turn a table into a tensor of the given dtype (f64, f32, or i64 when every
 * value is an integer). The rank follows `want_ndim` where the table allows it
 * (2: rows x cols even for a single row or column; 1: a single row or column as
 * a vector; 0: a single value as a scalar); otherwise (want_ndim < 0, or a
 * table that cannot take that rank) a single row or column becomes a 1-D
 * vector and anything else a rows x cols matrix.
 */
HostTensor csv_to_tensor(const CsvTable &table, int want_ndim, int dtype, const std::string &path);

}  // namespace geomrt_cli

#endif
