// csv.cpp -- reading numeric tables from CSV / whitespace-separated text (see csv.hpp).
#include "csv.hpp"

#include "cli_error.hpp"
#include "file_io.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace geomrt_cli {
namespace {

std::string read_all(const std::string &path) {
    FilePtr file = open_for_reading(path);
    std::string text;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, n);
    if (std::ferror(file.get())) throw CliError("cannot read '" + path + "': " + std::strerror(errno));
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 byte-order mark
    return text;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/** Where a problem was found, for messages: "file.csv:3". */
std::string where(const std::string &path, std::size_t line_no) {
    return path + ":" + std::to_string(line_no);
}

double parse_number(const std::string &token, const std::string &path, std::size_t line_no) {
    const char *begin = token.c_str();
    char *end = nullptr;
    double v = std::strtod(begin, &end);
    if (end == begin || *end != '\0')
        throw CliError(where(path, line_no) + ": '" + printable(token) +
                       "' is not a number (comment lines start with '#')");
    return v;
}

/** Parse one line's values into `out`; returns how many it held (0 for a blank or comment line). */
std::size_t parse_line(const std::string &line, const std::string &path, std::size_t line_no,
                       std::vector<double> &out) {
    std::size_t pos = 0, count = 0;
    auto skip_blanks = [&] {
        while (pos < line.size() && is_blank(line[pos])) ++pos;
    };
    skip_blanks();
    if (pos == line.size() || line[pos] == '#') return 0;
    for (;;) {
        std::size_t start = pos;
        while (pos < line.size() && line[pos] != ',' && !is_blank(line[pos])) ++pos;
        if (pos == start) throw CliError(where(path, line_no) + ": empty field (two separators in a row)");
        out.push_back(parse_number(line.substr(start, pos - start), path, line_no));
        ++count;
        skip_blanks();
        if (pos == line.size()) break;
        if (line[pos] == ',') {
            ++pos;
            skip_blanks();
            if (pos == line.size()) throw CliError(where(path, line_no) + ": empty field after the last comma");
        }
    }
    return count;
}

std::vector<int64_t> table_shape(const CsvTable &t, int want_ndim) {
    if (want_ndim == 2) return {t.rows, t.cols};
    if (want_ndim == 0 && t.rows == 1 && t.cols == 1) return {};
    if (t.rows == 1) return {t.cols};
    if (t.cols == 1) return {t.rows};
    return {t.rows, t.cols};
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void store_values(const CsvTable &table, HostTensor &t, const std::string &path) {
    const std::size_t n = table.values.size();
    if (t.dtype == GEOMRT_DTYPE_F64) {
        std::memcpy(t.data(), table.values.data(), n * sizeof(double));
    } else if (t.dtype == GEOMRT_DTYPE_F32) {
        float *dst = static_cast<float *>(t.data());
        for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(table.values[i]);
    } else if (t.dtype == GEOMRT_DTYPE_I64) {
        int64_t *dst = static_cast<int64_t *>(t.data());
        for (std::size_t i = 0; i < n; ++i) {
            double v = table.values[i];
            if (!(v == std::floor(v) && std::fabs(v) < 9.2233720368547758e18))
                throw CliError(path + ": value " + number_text(v) + " (entry " + std::to_string(i) +
                               ") is not an integer, but this input needs int64 values");
            dst[i] = static_cast<int64_t>(v);
        }
    } else {
        throw CliError(path + ": cannot convert CSV values to dtype code " + std::to_string(t.dtype));
    }
}

}  // namespace

CsvTable read_csv(const std::string &path) {
    const std::string text = read_all(path);
    CsvTable table;
    std::size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        ++line_no;
        std::size_t n = parse_line(text.substr(pos, eol - pos), path, line_no, table.values);
        pos = eol + 1;
        if (n == 0) continue;
        if (table.rows > 0 && static_cast<int64_t>(n) != table.cols)
            throw CliError(where(path, line_no) + ": " + std::to_string(n) + " value(s), but the rows above have " +
                           std::to_string(table.cols));
        table.cols = static_cast<int64_t>(n);
        ++table.rows;
    }
    if (table.rows == 0) throw CliError(path + ": no numbers found (empty file or only comments)");
    return table;
}

HostTensor csv_to_tensor(const CsvTable &table, int want_ndim, int dtype, const std::string &path) {
    HostTensor t;
    t.dtype = dtype;
    t.shape = table_shape(table, want_ndim);
    t.allocate_bytes(table.values.size() * dtype_size(dtype));
    store_values(table, t, path);
    return t;
}

}  // namespace geomrt_cli
