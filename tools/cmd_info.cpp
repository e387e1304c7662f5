// cmd_info.cpp -- `geomrt list`, `geomrt describe` and `geomrt plugins`.
#include "cli_error.hpp"
#include "commands.hpp"
#include "runtime.hpp"
#include "tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace geomrt_cli {
namespace {

/** Shortest text that reads back as the same double ("0.1", "100", "1e-09", "inf"). */
std::string short_number(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

constexpr std::size_t kTextWidth = 79;

/** Print one line of text word-wrapped to kTextWidth columns, each piece after `indent`. */
void print_wrapped_line(const std::string &line, const std::string &indent) {
    const std::size_t room = kTextWidth > indent.size() + 20 ? kTextWidth - indent.size() : 20;
    std::string current;
    std::size_t pos = 0;
    while (pos < line.size()) {
        std::size_t end = line.find(' ', pos);
        if (end == std::string::npos) end = line.size();
        const std::string word = line.substr(pos, end - pos);
        pos = end + 1;
        if (!current.empty() && current.size() + 1 + word.size() > room) {
            std::printf("%s%s\n", indent.c_str(), current.c_str());
            current.clear();
        }
        current += (current.empty() ? "" : " ") + word;
    }
    std::printf("%s%s\n", indent.c_str(), current.c_str());
}

/** Print `text` (nothing if empty) with its lines word-wrapped and indented by `indent`. */
void print_indented(const std::string &text, const std::string &indent) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        print_wrapped_line(text.substr(pos, eol - pos), indent);
        pos = eol + 1;
    }
}

void print_section(const char *title, const std::string &text) {
    if (text.empty()) return;
    std::printf("\n%s:\n", title);
    print_indented(text, "  ");
}

std::string slot_flags(unsigned int flags) {
    static const struct {
        unsigned int bit;
        const char *word;
    } kFlags[] = {{GEOMRT_IO_OPTIONAL, "optional"},          {GEOMRT_IO_INPLACE, "in-place"},
                  {GEOMRT_IO_NONNEGATIVE, "nonnegative"},    {GEOMRT_IO_ALLOW_NONFINITE, "nan/inf allowed"},
                  {GEOMRT_IO_STRIDED, "strided"},            {GEOMRT_IO_ALLOW_EMPTY, "empty allowed"},
                  {GEOMRT_IO_ANY_FLOAT, "f32 or f64"},         {GEOMRT_IO_ALSO_DENSE, "dense accepted"}};
    std::string out;
    for (const auto &f : kFlags)
        if (flags & f.bit) out += (out.empty() ? "" : ", ") + std::string(f.word);
    return out;
}

/** e.g. "dense f64, rank 2, shape (n,m) [nonnegative]". */
std::string slot_summary(const geomrt_slot_info &s) {
    std::string out = s.kind == GEOMRT_KIND_SPARSE ? "sparse CSR " : "dense ";
    out += dtype_name(s.dtype);
    out += s.ndim < 0 ? ", any rank" : ", rank " + std::to_string(s.ndim);
    const std::string shape = str_or_empty(s.shape);
    if (!shape.empty()) out += ", shape (" + shape + ")";
    const std::string flags = slot_flags(s.flags);
    if (!flags.empty()) out += "  [" + flags + "]";
    return out;
}

const char *param_type_name(int type) {
    switch (type) {
    case GEOMRT_PARAM_F64: return "f64";
    case GEOMRT_PARAM_I64: return "i64";
    case GEOMRT_PARAM_BOOL: return "bool";
    case GEOMRT_PARAM_STRING: return "string";
    case GEOMRT_PARAM_ENUM: return "enum";
    default: return "unknown";
    }
}

/** Whether a bound is a real limit: finite, and for integers not the int64 extremes. */
bool is_bounded(double bound, int type) {
    if (std::isinf(bound)) return false;
    return type != GEOMRT_PARAM_I64 || std::fabs(bound) < 9.2e18;
}

/** "(0, inf)" / "[1, 100]"; "" when unbounded. */
std::string param_range(const geomrt_param_info &p) {
    const bool has_min = is_bounded(p.min, p.type), has_max = is_bounded(p.max, p.type);
    if (!has_min && !has_max) return "";
    const bool min_open = !has_min || (p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE);
    const bool max_open = !has_max || (p.flags & GEOMRT_PARAM_MAX_EXCLUSIVE);
    return std::string(min_open ? "(" : "[") + (has_min ? short_number(p.min) : "-inf") + ", " +
           (has_max ? short_number(p.max) : "inf") +
           (max_open ? ")" : "]");
}

std::string replace_all(std::string s, const std::string &from, const std::string &to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

/** e.g. "f64, required, range (0, inf)" or "enum, default \"sqeuclidean\", choices: a | b". */
std::string param_summary(const geomrt_param_info &p) {
    std::string out = param_type_name(p.type);
    const std::string def = str_or_empty(p.default_value);
    if (p.required) out += ", required";
    else if (p.type == GEOMRT_PARAM_STRING || p.type == GEOMRT_PARAM_ENUM) out += ", default \"" + def + "\"";
    else out += ", default " + def;
    const std::string range = param_range(p);
    if (!range.empty() && (p.type == GEOMRT_PARAM_F64 || p.type == GEOMRT_PARAM_I64)) out += ", range " + range;
    const std::string choices = str_or_empty(p.choices);
    if (!choices.empty()) out += ", choices: " + replace_all(choices, "|", " | ");
    return out;
}

std::size_t name_width(const std::vector<std::string> &names) {
    std::size_t w = 0;
    for (const std::string &n : names) w = std::max(w, n.size());
    return w;
}

void print_slots(const char *title, const std::vector<geomrt_slot_info> &slots) {
    std::printf("\n%s:\n", title);
    if (slots.empty()) std::printf("  (none)\n");
    std::vector<std::string> names;
    for (const auto &s : slots) names.push_back(str_or_empty(s.name));
    const int w = static_cast<int>(name_width(names));
    for (const auto &s : slots) {
        std::printf("  %-*s  %s\n", w, str_or_empty(s.name).c_str(), slot_summary(s).c_str());
        print_indented(str_or_empty(s.doc), std::string(w + 4, ' '));
    }
}

void print_params(const std::vector<geomrt_param_info> &params) {
    std::printf("\nParameters:\n");
    if (params.empty()) std::printf("  (none)\n");
    std::vector<std::string> names;
    for (const auto &p : params) names.push_back(str_or_empty(p.name));
    const int w = static_cast<int>(name_width(names));
    for (const auto &p : params) {
        std::printf("  %-*s  %s\n", w, str_or_empty(p.name).c_str(), param_summary(p).c_str());
        print_indented(str_or_empty(p.doc), std::string(w + 4, ' '));
    }
}

void describe_text(const geomrt_method *m) {
    std::printf("%s\n", str_or_empty(geomrt_method_name(m)).c_str());
    print_indented(str_or_empty(geomrt_method_summary(m)), "  ");
    print_section("Description", str_or_empty(geomrt_method_description(m)));
    print_section("Citation", str_or_empty(geomrt_method_citation(m)));
    std::printf("\nPlugin: %s\n", str_or_empty(geomrt_method_plugin(m)).c_str());
    print_slots("Inputs", method_inputs(m));
    print_slots("Outputs", method_outputs(m));
    print_params(method_params(m));
}

}  // namespace

int cmd_list(const GlobalOptions &global, ArgCursor &args) {
    if (args.take_flag("--help", "-h")) {
        print_usage(stdout);
        return kExitOk;
    }
    expect_no_more(args, "list");
    RuntimePtr rt = make_runtime(global.plugin_paths);
    const std::vector<const geomrt_method *> methods = all_methods(rt.get());
    if (methods.empty()) {
        std::fprintf(stderr, "geomrt: no methods are registered; `geomrt plugins` shows which plugins were tried\n");
        return kExitOk;
    }
    std::vector<std::string> names;
    for (const geomrt_method *m : methods) names.push_back(str_or_empty(geomrt_method_name(m)));
    const int w = static_cast<int>(name_width(names));
    for (std::size_t i = 0; i < methods.size(); ++i)
        std::printf("%-*s  %s\n", w, names[i].c_str(), str_or_empty(geomrt_method_summary(methods[i])).c_str());
    return kExitOk;
}

int cmd_describe(const GlobalOptions &global, ArgCursor &args) {
    bool json = false;
    std::string method;
    while (!args.done()) {
        if (args.take_flag("--json")) json = true;
        else if (args.take_flag("--help", "-h")) {
            print_usage(stdout);
            return kExitOk;
        } else if (args.at_option()) unknown_option(args.peek(), "describe");
        else if (method.empty()) method = args.next();
        else usage_error("describe takes one METHOD, got also '" + args.peek() + "'");
    }
    if (method.empty()) usage_error("describe: missing the METHOD name");
    RuntimePtr rt = make_runtime(global.plugin_paths);
    const geomrt_method *m = find_method(rt.get(), method);
    if (json) std::printf("%s\n", str_or_empty(geomrt_method_json(m)).c_str());
    else describe_text(m);
    return kExitOk;
}

int cmd_plugins(const GlobalOptions &global, ArgCursor &args) {
    if (args.take_flag("--help", "-h")) {
        print_usage(stdout);
        return kExitOk;
    }
    expect_no_more(args, "plugins");
    RuntimePtr rt = make_runtime(global.plugin_paths);
    const std::vector<PluginReportEntry> report = plugin_report(rt.get());
    if (report.empty()) {
        std::printf("no plugin files were found (add some with --plugin-path or GEOMRT_PLUGIN_PATH)\n");
        return kExitOk;
    }
    std::size_t loaded = 0;
    for (const PluginReportEntry &e : report) {
        if (e.loaded) {
            ++loaded;
            std::printf("loaded    %s  (%s)\n", e.path.c_str(), e.name.empty() ? "unnamed" : e.name.c_str());
        } else {
            std::printf("rejected  %s\n          reason: %s\n", e.path.c_str(),
                        e.reason.empty() ? "(none given)" : e.reason.c_str());
        }
    }
    std::printf("%zu loaded, %zu rejected\n", loaded, report.size() - loaded);
    return kExitOk;
}

}  // namespace geomrt_cli
