// options.cpp -- command-line parsing of the geomrt tool (see options.hpp).
#include "options.hpp"

#include "cli_error.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace geomrt_cli {

bool ArgCursor::at_option() const {
    if (done()) return false;
    const std::string &w = peek();
    return w.size() > 1 && w[0] == '-';
}

bool ArgCursor::take_flag(const char *name, const char *alias) {
    if (done()) return false;
    if (peek() == name || (alias && peek() == alias)) {
        ++pos_;
        return true;
    }
    return false;
}

bool ArgCursor::take_value(const char *name, const char *alias, std::string &value) {
    if (done()) return false;
    const std::string &w = peek();
    const std::string long_eq = std::string(name) + "=";
    if (w.compare(0, long_eq.size(), long_eq) == 0) {
        value = w.substr(long_eq.size());
        ++pos_;
        return true;
    }
    if (w != name && !(alias && w == alias)) return false;
    const std::string option = w;
    ++pos_;
    if (done()) usage_error("option " + option + " needs a value");
    value = next();
    return true;
}

std::pair<std::string, std::string> split_assignment(const std::string &text, const std::string &option) {
    std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        usage_error(option + " expects NAME=VALUE, got '" + text + "'");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

namespace {

int parse_thread_count(const std::string &text) {
    errno = 0;
    char *end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || v < 0 || v > INT_MAX)
        usage_error("--threads expects a non-negative integer (0 = all cores), got '" + text + "'");
    return static_cast<int>(v);
}

void add_unique(std::vector<std::pair<std::string, std::string>> &list,
                std::pair<std::string, std::string> item, const char *what) {
    for (const auto &existing : list)
        if (existing.first == item.first) usage_error(std::string(what) + " '" + item.first + "' is given twice");
    list.push_back(std::move(item));
}

}  // namespace

RunOptions parse_run_options(ArgCursor &args, bool &help) {
    RunOptions o;
    help = false;
    std::string value;
    while (!args.done()) {
        if (args.take_flag("--help", "-h")) {
            help = true;
        } else if (args.take_value("--input", "-i", value)) {
            auto in = split_assignment(value, "--input");
            if (in.second.empty()) usage_error("--input " + in.first + "= has no file name");
            add_unique(o.inputs, std::move(in), "input");
        } else if (args.take_value("--param", "-p", value)) {
            add_unique(o.params, split_assignment(value, "--param"), "parameter");
        } else if (args.take_value("--out", "-o", value)) {
            if (value.empty()) usage_error("--out needs a directory name");
            o.out_dir = value;
        } else if (args.take_value("--threads", "-t", value)) {
            o.threads = parse_thread_count(value);
        } else if (args.take_flag("--json")) {
            o.json = true;
        } else if (args.take_flag("--quiet", "-q")) {
            o.quiet = true;
        } else if (args.at_option()) {
            unknown_option(args.peek(), "run");
        } else if (o.method.empty()) {
            o.method = args.next();
        } else {
            usage_error("unexpected argument '" + args.peek() + "' (the method is already '" + o.method + "')");
        }
    }
    if (!help && o.method.empty()) usage_error("run: missing the METHOD name");
    return o;
}

void unknown_option(const std::string &option, const std::string &command) {
    const std::string name = option.substr(0, option.find('='));
    if (name == "--plugin-path" || name == "--version")
        usage_error(name + " is a global option: put it before the command (geomrt " + name + " ... " + command + ")");
    usage_error("unknown option '" + option + "' for " + command);
}

void expect_no_more(ArgCursor &args, const std::string &command) {
    if (args.at_option()) unknown_option(args.peek(), command);
    if (!args.done()) usage_error("unexpected argument '" + args.peek() + "' for " + command);
}

}  // namespace geomrt_cli
