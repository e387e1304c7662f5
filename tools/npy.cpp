// npy.cpp -- reading and writing NumPy .npy files (see npy.hpp).
#include "npy.hpp"

#include "cli_error.hpp"
#include "file_io.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace geomrt_cli {
namespace {

const char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr uint32_t kMaxHeaderLen = 1u << 20;  // numpy itself refuses far smaller headers
constexpr int kMaxDims = 64;                   // numpy's own limit

bool host_is_little_endian() {
    const uint16_t one = 1;
    unsigned char first;
    std::memcpy(&first, &one, 1);
    return first == 1;
}

/** The header dictionary of a .npy file. */
struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<int64_t> shape;
};

/** Element type and byte order decoded from a descr string such as "<f8". */
struct NpyType {
    int dtype = 0;
    bool swap = false;  // file byte order differs from the host's
};

/**
 * Parser of the Python-literal dictionary in a .npy header, e.g.
 * {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }
 */
class HeaderParser {
public:
    HeaderParser(const std::string &text, const std::string &path) : text_(text), path_(path) {}

    NpyHeader parse() {
        NpyHeader h;
        bool seen_descr = false, seen_order = false, seen_shape = false;
        skip_space();
        expect('{', "the header does not start with '{'");
        for (;;) {
            skip_space();
            if (consume('}')) break;
            std::string key = parse_string();
            skip_space();
            expect(':', "missing ':' after key '" + printable(key) + "'");
            skip_space();
            if (key == "descr") {
                if (peek() == '[') fail("structured dtypes are not supported");
                h.descr = parse_string();
                seen_descr = true;
            } else if (key == "fortran_order") {
                h.fortran_order = parse_bool();
                seen_order = true;
            } else if (key == "shape") {
                h.shape = parse_shape();
                seen_shape = true;
            } else {
                fail("unexpected key '" + printable(key) + "'");
            }
            skip_space();
            if (consume(',')) continue;
            expect('}', "expected ',' or '}' after the value of '" + printable(key) + "'");
            break;
        }
        skip_space();
        if (pos_ != text_.size()) fail("unexpected text after the dictionary");
        if (!seen_descr) fail("missing key 'descr'");
        if (!seen_order) fail("missing key 'fortran_order'");
        if (!seen_shape) fail("missing key 'shape'");
        return h;
    }

private:
    [[noreturn]] void fail(const std::string &what) const {
        throw CliError(path_ + ": malformed .npy header: " + what);
    }
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    void expect(char c, const std::string &what) {
        if (!consume(c)) fail(what);
    }
    bool consume_word(const char *word) {
        std::size_t n = std::strlen(word);
        if (text_.compare(pos_, n, word) != 0) return false;
        pos_ += n;
        return true;
    }

    std::string parse_string() {
        char quote = peek();
        if (quote != '\'' && quote != '"') fail("expected a quoted string");
        ++pos_;
        std::size_t end = text_.find(quote, pos_);
        if (end == std::string::npos) fail("unterminated string");
        std::string s = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return s;
    }

    bool parse_bool() {
        if (consume_word("True")) return true;
        if (consume_word("False")) return false;
        fail("'fortran_order' must be True or False");
    }

    int64_t parse_int() {
        if (!(peek() >= '0' && peek() <= '9')) fail("shape entries must be non-negative integers");
        int64_t value = 0;
        while (peek() >= '0' && peek() <= '9') {
            int digit = peek() - '0';
            if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
                fail("a shape entry is too large");
            value = value * 10 + digit;
            ++pos_;
        }
        consume('L');  // Python 2 long literal
        return value;
    }

    std::vector<int64_t> parse_shape() {
        std::vector<int64_t> shape;
        expect('(', "'shape' must be a tuple");
        for (;;) {
            skip_space();
            if (consume(')')) break;
            if (static_cast<int>(shape.size()) >= kMaxDims)
                fail("more than " + std::to_string(kMaxDims) + " dimensions");
            shape.push_back(parse_int());
            skip_space();
            if (consume(',')) continue;
            expect(')', "expected ',' or ')' in 'shape'");
            break;
        }
        return shape;
    }

    std::string text_;
    std::string path_;
    std::size_t pos_ = 0;
};

NpyType decode_descr(const std::string &descr, const std::string &path) {
    const std::string supported = " (supported: <f8, <f4, <i8; convert with arr.astype(np.float64))";
    if (descr.size() != 3) throw CliError(path + ": unsupported .npy dtype '" + printable(descr) + "'" + supported);
    char order = descr[0];
    std::string code = descr.substr(1);
    NpyType t;
    if (code == "f8") t.dtype = GEOMRT_DTYPE_F64;
    else if (code == "f4") t.dtype = GEOMRT_DTYPE_F32;
    else if (code == "i8") t.dtype = GEOMRT_DTYPE_I64;
    else throw CliError(path + ": unsupported .npy dtype '" + printable(descr) + "'" + supported);
    bool little = host_is_little_endian();
    if (order == '<') t.swap = !little;
    else if (order == '>') t.swap = little;
    else if (order == '=') t.swap = false;
    else throw CliError(path + ": unsupported .npy dtype '" + printable(descr) + "' (bad byte-order character)");
    return t;
}

/** Number of data bytes for a shape, or throw if it overflows. */
uint64_t data_bytes(const std::vector<int64_t> &shape, std::size_t item, const std::string &path) {
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    // The nonzero extents must multiply to a size that fits even when another extent is 0
    // (numpy's rule, and the C API's): the tensor's strides are products of them.
    uint64_t numel = 1;
    bool empty = false;
    for (int64_t d : shape) {
        if (d == 0) {
            empty = true;
            continue;
        }
        if (static_cast<uint64_t>(d) > limit / numel)
            throw CliError(path + ": .npy shape " + shape_string(shape.data(), (int)shape.size()) +
                           " is too large");
        numel *= static_cast<uint64_t>(d);
    }
    if (numel > limit / item)
        throw CliError(path + ": .npy shape " + shape_string(shape.data(), (int)shape.size()) +
                       " is too large");
    return empty ? 0 : numel * item;
}

uint64_t remaining_bytes(std::FILE *f, const std::string &path) {
    long start = std::ftell(f);
    if (start < 0 || std::fseek(f, 0, SEEK_END) != 0)
        throw CliError(path + ": cannot determine the file size (not a regular file?)");
    long end = std::ftell(f);
    if (end < start || std::fseek(f, start, SEEK_SET) != 0)
        throw CliError(path + ": cannot determine the file size (not a regular file?)");
    return static_cast<uint64_t>(end - start);
}

void read_exact(std::FILE *f, void *buf, std::size_t n, const std::string &path, const char *what) {
    if (n != 0 && std::fread(buf, 1, n, f) != n)
        throw CliError(path + ": truncated .npy file (while reading the " + std::string(what) + ")");
}

/** Read the magic string, version and header text. */
std::string read_header_text(std::FILE *f, const std::string &path) {
    unsigned char pre[8];
    if (std::fread(pre, 1, sizeof pre, f) != sizeof pre || std::memcmp(pre, kMagic, kMagicLen) != 0)
        throw CliError(path + ": not a .npy file (missing the \\x93NUMPY magic string)");
    int major = pre[6], minor = pre[7];
    uint32_t len = 0;
    if (major == 1) {
        unsigned char b[2];
        read_exact(f, b, 2, path, "header length");
        len = b[0] | (uint32_t(b[1]) << 8);
    } else if (major == 2 || major == 3) {
        unsigned char b[4];
        read_exact(f, b, 4, path, "header length");
        len = b[0] | (uint32_t(b[1]) << 8) | (uint32_t(b[2]) << 16) | (uint32_t(b[3]) << 24);
    } else {
        throw CliError(path + ": unsupported .npy format version " + std::to_string(major) + "." +
                       std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
    }
    if (len > kMaxHeaderLen) throw CliError(path + ": malformed .npy header: header length " +
                                            std::to_string(len) + " is implausibly large");
    if (len > remaining_bytes(f, path))
        throw CliError(path + ": truncated .npy file (header length " + std::to_string(len) +
                       " exceeds the file size)");
    std::string text(len, '\0');
    read_exact(f, &text[0], len, path, "header");
    if (text.find('\0') != std::string::npos)
        throw CliError(path + ": malformed .npy header: contains a NUL byte");
    return text;
}

void byteswap_elements(void *data, std::size_t count, std::size_t item) {
    unsigned char *p = static_cast<unsigned char *>(data);
    for (std::size_t i = 0; i < count; ++i, p += item) std::reverse(p, p + item);
}

std::vector<int64_t> fortran_strides(const std::vector<int64_t> &shape) {
    std::vector<int64_t> strides(shape.size());
    int64_t s = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        strides[i] = s;
        s *= std::max<int64_t>(shape[i], 1);
    }
    return strides;
}

std::string npy_descr(int dtype) {
    const char order = host_is_little_endian() ? '<' : '>';
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return std::string(1, order) + "f8";
    case GEOMRT_DTYPE_F32: return std::string(1, order) + "f4";
    case GEOMRT_DTYPE_I64: return std::string(1, order) + "i8";
    default: throw CliError("cannot write dtype code " + std::to_string(dtype) + " to .npy");
    }
}

std::string npy_shape_tuple(int ndim, const int64_t *shape) {
    std::string s = "(";
    for (int i = 0; i < ndim; ++i) {
        s += std::to_string(shape[i]);
        if (ndim == 1 || i + 1 < ndim) s += ndim == 1 ? "," : ", ";
    }
    return s + ")";
}

/** The complete preamble + padded header of a .npy file. */
std::string build_header(int dtype, int ndim, const int64_t *shape, bool fortran_order) {
    std::string dict = "{'descr': '" + npy_descr(dtype) + "', 'fortran_order': " +
                       (fortran_order ? "True" : "False") + ", 'shape': " +
                       npy_shape_tuple(ndim, shape) + ", }";
    std::size_t pre = 10;  // magic(6) + version(2) + length(2)
    if (dict.size() + 1 + pre + 64 > 65535) pre = 12;
    std::size_t total = pre + dict.size() + 1;
    std::size_t padded = (total + 63) / 64 * 64;
    dict.append(padded - total, ' ');
    dict += '\n';
    std::string out(kMagic, kMagicLen);
    uint32_t len = static_cast<uint32_t>(dict.size());
    out += static_cast<char>(pre == 10 ? 1 : 2);
    out += static_cast<char>(0);
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>((len >> 8) & 0xff);
    if (pre == 12) {
        out += static_cast<char>((len >> 16) & 0xff);
        out += static_cast<char>((len >> 24) & 0xff);
    }
    return out + dict;
}

}  // namespace

HostTensor read_npy(const std::string &path) {
    FilePtr file = open_for_reading(path);
    std::FILE *f = file.get();
    NpyHeader header = HeaderParser(read_header_text(f, path), path).parse();
    NpyType type = decode_descr(header.descr, path);
    std::size_t item = dtype_size(type.dtype);
    uint64_t want = data_bytes(header.shape, item, path);
    uint64_t have = remaining_bytes(f, path);
    const std::string shape_text = shape_string(header.shape.data(), (int)header.shape.size());
    if (have < want)
        throw CliError(path + ": truncated .npy file: shape " + shape_text + " of '" + header.descr +
                       "' needs " + std::to_string(want) + " data bytes but only " +
                       std::to_string(have) + " follow the header");
    if (have > want)
        throw CliError(path + ": malformed .npy file: " + std::to_string(have - want) +
                       " unexpected bytes after the data of shape " + shape_text);
    if (want > std::numeric_limits<std::size_t>::max() - 8)
        throw CliError(path + ": .npy data is too large for this machine");

    HostTensor t;
    t.dtype = type.dtype;
    t.shape = header.shape;
    t.allocate_bytes(static_cast<std::size_t>(want));
    read_exact(f, t.data(), static_cast<std::size_t>(want), path, "data");
    if (type.swap) byteswap_elements(t.data(), static_cast<std::size_t>(want / item), item);
    if (header.fortran_order && t.ndim() >= 2) t.strides = fortran_strides(t.shape);
    return t;
}

void write_npy(const std::string &path, int dtype, const void *data, int ndim, const int64_t *shape,
               bool fortran_order) {
    std::string header = build_header(dtype, ndim, shape, fortran_order);
    int64_t numel = 1;
    for (int i = 0; i < ndim; ++i)
        if (__builtin_mul_overflow(numel, shape[i], &numel))
            throw CliError(path + ": cannot write shape " + shape_string(shape, ndim) + ": its size overflows");
    FilePtr file = open_for_writing(path);
    write_bytes(file.get(), header.data(), header.size(), path);
    write_bytes(file.get(), data, static_cast<std::size_t>(numel) * dtype_size(dtype), path);
    close_written(file, path);
}

bool looks_like_npy(const std::string &path) {
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    char buf[kMagicLen];
    bool yes = std::fread(buf, 1, kMagicLen, f) == kMagicLen && std::memcmp(buf, kMagic, kMagicLen) == 0;
    std::fclose(f);
    return yes;
}

}  // namespace geomrt_cli
