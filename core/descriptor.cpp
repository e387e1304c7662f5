// Errors, dtype names, descriptor copying and parameter conversion.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core.hpp"

namespace geomrt {
namespace core {

namespace {
thread_local std::string t_error;
thread_local int t_code = GEOMRT_OK;
}  // namespace

void set_last_error(int code, const std::string &msg) {
    t_code = code;
    t_error = code == GEOMRT_OK ? std::string() : msg;
}
const char *last_error() { return t_error.c_str(); }
int last_error_code() { return t_code; }

const char *error_name(int code) {
    switch (code) {
    case GEOMRT_OK: return "GEOMRT_OK";
    case GEOMRT_EINVAL: return "GEOMRT_EINVAL";
    case GEOMRT_ENOTFOUND: return "GEOMRT_ENOTFOUND";
    case GEOMRT_ESHAPE: return "GEOMRT_ESHAPE";
    case GEOMRT_EDTYPE: return "GEOMRT_EDTYPE";
    case GEOMRT_EVERSION: return "GEOMRT_EVERSION";
    case GEOMRT_EPLUGIN: return "GEOMRT_EPLUGIN";
    case GEOMRT_ENOCONVERGE: return "GEOMRT_ENOCONVERGE";
    case GEOMRT_ECANCELLED: return "GEOMRT_ECANCELLED";
    case GEOMRT_ENOMEM: return "GEOMRT_ENOMEM";
    case GEOMRT_EINTERNAL: return "GEOMRT_EINTERNAL";
    default: return "GEOMRT_UNKNOWN_ERROR";
    }
}

const char *dtype_name(int dtype) {
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return "float64";
    case GEOMRT_DTYPE_F32: return "float32";
    case GEOMRT_DTYPE_I64: return "int64";
    default: return "unknown dtype";
    }
}

size_t dtype_size(int dtype) {
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return 8;
    case GEOMRT_DTYPE_F32: return 4;
    case GEOMRT_DTYPE_I64: return 8;
    default: return 0;
    }
}

std::string json_escape(const std::string &s) {
    std::string o;
    o.reserve(s.size() + 2);
    for (unsigned char c : s) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\t': o += "\\t"; break;
        case '\r': o += "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                o += buf;
            } else {
                o += static_cast<char>(c);
            }
        }
    }
    return o;
}

namespace {

std::string str_or_empty(const char *s) { return s ? std::string(s) : std::string(); }

bool is_identifier(const std::string &s, bool dotted) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (dotted && c == '.');
        if (!ok) return false;
    }
    return true;
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else if (c != ' ') {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

SlotDesc copy_slot(const std::string &method, const geomrt_io_desc &io, const char *what) {
    SlotDesc s;
    s.name = str_or_empty(io.name);
    if (!is_identifier(s.name, false))
        throw Error(GEOMRT_EPLUGIN, method + ": " + what + " name '" + s.name + "' is not an identifier");
    s.doc = str_or_empty(io.doc);
    s.kind = io.kind;
    s.dtype = io.dtype;
    s.ndim = io.ndim;
    s.flags = io.flags;
    s.shape = str_or_empty(io.shape);
    if (s.kind != GEOMRT_KIND_DENSE && s.kind != GEOMRT_KIND_SPARSE)
        throw Error(GEOMRT_EPLUGIN, method + ": " + what + " '" + s.name + "' has an unknown kind");
    if (dtype_size(s.dtype) == 0)
        throw Error(GEOMRT_EPLUGIN, method + ": " + what + " '" + s.name + "' has an unknown dtype");
    if (s.kind == GEOMRT_KIND_SPARSE) {
        s.ndim = 2;
        s.dtype = GEOMRT_DTYPE_F64;
    }
    s.dims = split(s.shape, ',');
    for (auto &d : s.dims)
        if (d == "*") d.clear();
    if (!s.dims.empty() && s.ndim >= 0 && static_cast<int>(s.dims.size()) != s.ndim)
        throw Error(GEOMRT_EPLUGIN, method + ": " + what + " '" + s.name + "' has shape '" + s.shape +
                                        "' but rank " + std::to_string(s.ndim));
    if (!s.dims.empty() && s.ndim < 0) s.ndim = static_cast<int>(s.dims.size());
    return s;
}

std::string fmt_double(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.17g", v);
    // prefer the shortest representation that round-trips
    for (int prec = 1; prec <= 17; ++prec) {
        char b2[40];
        std::snprintf(b2, sizeof b2, "%.*g", prec, v);
        if (std::strtod(b2, nullptr) == v) return b2;
    }
    return buf;
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    return fmt_double(v);
}

const char *param_type_name(int t) {
    switch (t) {
    case GEOMRT_PARAM_F64: return "f64";
    case GEOMRT_PARAM_I64: return "i64";
    case GEOMRT_PARAM_BOOL: return "bool";
    case GEOMRT_PARAM_STRING: return "string";
    case GEOMRT_PARAM_ENUM: return "enum";
    default: return "unknown";
    }
}

std::string slot_json(const SlotDesc &s) {
    std::ostringstream o;
    o << "{\"name\":\"" << json_escape(s.name) << "\",\"doc\":\"" << json_escape(s.doc) << "\",\"kind\":\""
      << (s.kind == GEOMRT_KIND_SPARSE ? "sparse" : "dense") << "\",\"dtype\":\"" << dtype_name(s.dtype)
      << "\",\"ndim\":" << s.ndim << ",\"shape\":\"" << json_escape(s.shape) << "\""
      << ",\"optional\":" << ((s.flags & GEOMRT_IO_OPTIONAL) ? "true" : "false")
      << ",\"inplace\":" << ((s.flags & GEOMRT_IO_INPLACE) ? "true" : "false")
      << ",\"nonnegative\":" << ((s.flags & GEOMRT_IO_NONNEGATIVE) ? "true" : "false")
      << ",\"any_float\":" << ((s.flags & GEOMRT_IO_ANY_FLOAT) ? "true" : "false")
      << ",\"also_dense\":" << ((s.flags & GEOMRT_IO_ALSO_DENSE) ? "true" : "false") << "}";
    return o.str();
}

std::string method_json(const MethodDesc &m) {
    std::ostringstream o;
    o << "{\"name\":\"" << json_escape(m.name) << "\",\"summary\":\"" << json_escape(m.summary)
      << "\",\"description\":\"" << json_escape(m.description) << "\",\"citation\":\""
      << json_escape(m.citation) << "\",\"plugin\":\"" << json_escape(m.plugin_path) << "\",\"inputs\":[";
    for (size_t i = 0; i < m.inputs.size(); ++i) o << (i ? "," : "") << slot_json(m.inputs[i]);
    o << "],\"outputs\":[";
    for (size_t i = 0; i < m.outputs.size(); ++i) o << (i ? "," : "") << slot_json(m.outputs[i]);
    o << "],\"params\":[";
    for (size_t i = 0; i < m.params.size(); ++i) {
        const ParamDesc &p = m.params[i];
        o << (i ? "," : "") << "{\"name\":\"" << json_escape(p.name) << "\",\"doc\":\"" << json_escape(p.doc)
          << "\",\"type\":\"" << param_type_name(p.type) << "\",\"required\":" << (p.required ? "true" : "false")
          << ",\"default\":\"" << json_escape(p.def) << "\"";
        if (p.type == GEOMRT_PARAM_F64 || p.type == GEOMRT_PARAM_I64)
            o << ",\"min\":" << json_number(p.min) << ",\"max\":" << json_number(p.max)
              << ",\"min_exclusive\":" << ((p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE) ? "true" : "false")
              << ",\"max_exclusive\":" << ((p.flags & GEOMRT_PARAM_MAX_EXCLUSIVE) ? "true" : "false");
        if (p.type == GEOMRT_PARAM_ENUM) {
            o << ",\"choices\":[";
            for (size_t k = 0; k < p.choice_list.size(); ++k)
                o << (k ? "," : "") << "\"" << json_escape(p.choice_list[k]) << "\"";
            o << "]";
        }
        o << "}";
    }
    o << "]}";
    return o.str();
}

bool parse_double(const std::string &s, double &out) {
    if (s.empty()) return false;
    const char *b = s.c_str();
    char *e = nullptr;
    errno = 0;
    double v = std::strtod(b, &e);
    while (e && *e == ' ') ++e;
    if (e == b || *e != '\0') return false;
    out = v;
    return true;
}

std::string range_text(const ParamDesc &p) {
    const bool lo_ex = p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE, hi_ex = p.flags & GEOMRT_PARAM_MAX_EXCLUSIVE;
    const bool has_lo = std::isfinite(p.min), has_hi = std::isfinite(p.max);
    if (has_lo && !has_hi) return std::string(lo_ex ? "> " : ">= ") + fmt_double(p.min);
    if (has_hi && !has_lo) return std::string(hi_ex ? "< " : "<= ") + fmt_double(p.max);
    return std::string("in ") + (lo_ex ? "(" : "[") + fmt_double(p.min) + ", " + fmt_double(p.max) + (hi_ex ? ")" : "]");
}

}  // namespace

ParamValue convert_param(const std::string &method, const ParamDesc &p, const geomrt_param_setting &v) {
    ParamValue out;
    out.type = p.type;
    const std::string where = method + ": parameter '" + p.name + "'";
    auto bad_type = [&](const std::string &got) {
        return Error(GEOMRT_EDTYPE, where + " expects " + param_type_name(p.type) + ", got " + got);
    };
    switch (p.type) {
    case GEOMRT_PARAM_F64:
    case GEOMRT_PARAM_I64: {
        double d = 0;
        if (v.type == GEOMRT_PARAM_F64) d = v.f;
        else if (v.type == GEOMRT_PARAM_I64) d = static_cast<double>(v.i);
        else if (v.type == GEOMRT_PARAM_STRING) {
            if (!parse_double(v.s, d)) throw Error(GEOMRT_EINVAL, where + ": '" + v.s + "' is not a number");
        } else {
            throw bad_type("a boolean");
        }
        if (std::isnan(d)) throw Error(GEOMRT_EINVAL, where + " is NaN");
        bool lo_ok = (p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE) ? d > p.min : d >= p.min;
        bool hi_ok = (p.flags & GEOMRT_PARAM_MAX_EXCLUSIVE) ? d < p.max : d <= p.max;
        if (!lo_ok || !hi_ok)
            throw Error(GEOMRT_EINVAL, where + " must be " + range_text(p) + ", got " + fmt_double(d));
        if (p.type == GEOMRT_PARAM_I64) {
            if (v.type == GEOMRT_PARAM_I64) {
                out.i = v.i;
            } else {
                // A fractional value is of the wrong kind for an integer parameter (EDTYPE); an
                // integral one too large for int64 is out of range (EINVAL).
                if (d != std::floor(d))
                    throw Error(GEOMRT_EDTYPE, where + " must be an integer, got " + fmt_double(d));
                if (std::fabs(d) > 9.0e18)
                    throw Error(GEOMRT_EINVAL, where + " must be an integer in int64's range, got " + fmt_double(d));
                out.i = static_cast<int64_t>(d);
            }
            out.f = static_cast<double>(out.i);
        } else {
            if (std::isinf(d) && !(p.flags & GEOMRT_PARAM_ALLOW_INF)) throw Error(GEOMRT_EINVAL, where + " must be finite");
            out.f = d;
        }
        return out;
    }
    case GEOMRT_PARAM_BOOL: {
        if (v.type == GEOMRT_PARAM_BOOL || v.type == GEOMRT_PARAM_I64) {
            if (v.i != 0 && v.i != 1 && v.type == GEOMRT_PARAM_I64)
                throw Error(GEOMRT_EINVAL, where + " is a boolean: use 0 or 1, got " + std::to_string(v.i));
            out.i = v.i != 0;
        } else if (v.type == GEOMRT_PARAM_STRING) {
            std::string s = v.s;
            for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (s == "1" || s == "true" || s == "yes" || s == "on") out.i = 1;
            else if (s == "0" || s == "false" || s == "no" || s == "off") out.i = 0;
            else throw Error(GEOMRT_EINVAL, where + ": '" + v.s + "' is not a boolean (true/false)");
        } else {
            throw bad_type("a number");
        }
        out.f = static_cast<double>(out.i);
        return out;
    }
    case GEOMRT_PARAM_STRING:
    case GEOMRT_PARAM_ENUM: {
        if (v.type != GEOMRT_PARAM_STRING) throw bad_type(v.type == GEOMRT_PARAM_BOOL ? "a boolean" : "a number");
        if (p.type == GEOMRT_PARAM_ENUM) {
            bool ok = false;
            for (const auto &c : p.choice_list) ok = ok || c == v.s;
            if (!ok) throw Error(GEOMRT_EINVAL, where + " must be one of " + p.choices + ", got '" + v.s + "'");
        }
        out.s = v.s;
        return out;
    }
    default:
        throw Error(GEOMRT_EINTERNAL, where + " has an unknown type");
    }
}

MethodDesc copy_descriptor(const geomrt_method_desc *d, const std::string &plugin_path) {
    if (!d) throw Error(GEOMRT_EPLUGIN, "register_method: NULL descriptor");
    if (d->struct_size < sizeof(geomrt_method_desc))
        throw Error(GEOMRT_EVERSION, "register_method: descriptor struct_size " + std::to_string(d->struct_size) +
                                         " is smaller than " + std::to_string(sizeof(geomrt_method_desc)));
    MethodDesc m;
    m.name = str_or_empty(d->name);
    if (!is_identifier(m.name, true) || m.name.find('.') == std::string::npos)
        throw Error(GEOMRT_EPLUGIN, "register_method: method name '" + m.name +
                                        "' must be dotted, like 'family.method'");
    if (!d->fn) throw Error(GEOMRT_EPLUGIN, m.name + ": method has no function");
    if ((d->n_inputs && !d->inputs) || (d->n_outputs && !d->outputs) || (d->n_params && !d->params))
        throw Error(GEOMRT_EPLUGIN, m.name + ": descriptor arrays are NULL");
    m.summary = str_or_empty(d->summary);
    m.description = str_or_empty(d->description);
    m.citation = str_or_empty(d->citation);
    m.plugin_path = plugin_path;
    m.fn = d->fn;
    m.user = d->user;
    std::map<std::string, int> seen;
    for (size_t i = 0; i < d->n_inputs; ++i) {
        m.inputs.push_back(copy_slot(m.name, d->inputs[i], "input"));
        if (seen[m.inputs.back().name]++) throw Error(GEOMRT_EPLUGIN, m.name + ": duplicate input name '" + m.inputs.back().name + "'");
    }
    seen.clear();
    for (size_t i = 0; i < d->n_outputs; ++i) {
        m.outputs.push_back(copy_slot(m.name, d->outputs[i], "output"));
        if (seen[m.outputs.back().name]++) throw Error(GEOMRT_EPLUGIN, m.name + ": duplicate output name '" + m.outputs.back().name + "'");
    }
    seen.clear();
    for (size_t i = 0; i < d->n_params; ++i) {
        const geomrt_param_desc &pd = d->params[i];
        ParamDesc p;
        p.name = str_or_empty(pd.name);
        if (!is_identifier(p.name, false))
            throw Error(GEOMRT_EPLUGIN, m.name + ": parameter name '" + p.name + "' is not an identifier");
        if (seen[p.name]++) throw Error(GEOMRT_EPLUGIN, m.name + ": duplicate parameter name '" + p.name + "'");
        p.doc = str_or_empty(pd.doc);
        p.type = pd.type;
        p.required = pd.default_value == nullptr;
        p.def = str_or_empty(pd.default_value);
        p.min = pd.min;
        p.max = pd.max;
        p.flags = pd.flags;
        p.choices = str_or_empty(pd.choices);
        if (p.type == GEOMRT_PARAM_ENUM) {
            p.choice_list = split(p.choices, '|');
            if (p.choice_list.empty())
                throw Error(GEOMRT_EPLUGIN, m.name + ": enum parameter '" + p.name + "' has no choices");
        } else if (p.type < GEOMRT_PARAM_F64 || p.type > GEOMRT_PARAM_ENUM) {
            throw Error(GEOMRT_EPLUGIN, m.name + ": parameter '" + p.name + "' has an unknown type");
        }
        if (p.type != GEOMRT_PARAM_F64 && p.type != GEOMRT_PARAM_I64) {
            p.min = -INFINITY;
            p.max = INFINITY;
            p.flags = 0;
        }
        ParamValue def;
        if (!p.required) {
            geomrt_param_setting s;
            s.type = GEOMRT_PARAM_STRING;
            s.s = p.def;
            try {
                def = convert_param(m.name, p, s);
            } catch (const Error &e) {
                throw Error(GEOMRT_EPLUGIN, std::string("invalid default: ") + e.what());
            }
        }
        m.params.push_back(p);
        m.defaults.push_back(def);
    }
    m.json = method_json(m);
    return m;
}

}  // namespace core
}  // namespace geomrt
