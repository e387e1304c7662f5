// json.hpp -- the little JSON the command-line tool writes.
#ifndef GEOMRT_TOOLS_JSON_HPP
#define GEOMRT_TOOLS_JSON_HPP

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace geomrt_cli {
namespace json {

/** A JSON string literal (with quotes) for UTF-8 text. */
inline std::string quote(const std::string &s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

/**
 * A JSON number that reads back as exactly `v` (the shortest of %.15g, %.16g,
 * %.17g that round-trips); NaN and infinities become null.
 */
inline std::string number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

/** A JSON integer. */
inline std::string number(int64_t v) { return std::to_string(v); }

/** Builds a JSON object member by member: {"k": v, ...}. */
class ObjectWriter {
public:
    /** Add a member whose value is already JSON text. */
    ObjectWriter &raw(const std::string &key, const std::string &json_value) {
        body_ += body_.empty() ? "" : ", ";
        body_ += quote(key) + ": " + json_value;
        return *this;
    }
    ObjectWriter &str(const std::string &key, const std::string &value) { return raw(key, quote(value)); }
    ObjectWriter &num(const std::string &key, double value) { return raw(key, number(value)); }
    ObjectWriter &num(const std::string &key, int64_t value) { return raw(key, number(value)); }
    std::string text() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

}  // namespace json
}  // namespace geomrt_cli

#endif
