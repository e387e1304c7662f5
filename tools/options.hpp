// options.hpp -- command-line parsing of the geomrt tool.
#ifndef GEOMRT_TOOLS_OPTIONS_HPP
#define GEOMRT_TOOLS_OPTIONS_HPP

#include <string>
#include <utility>
#include <vector>

namespace geomrt_cli {

/**
 * Walks the command-line words. Options take their value either as the next
 * word (--input a=x.npy) or after '=' (--input=a=x.npy).
 */
class ArgCursor {
public:
    ArgCursor(int argc, char **argv) : words_(argv + 1, argv + (argc > 0 ? argc : 1)) {}
    explicit ArgCursor(std::vector<std::string> words) : words_(std::move(words)) {}

    bool done() const { return pos_ >= words_.size(); }
    const std::string &peek() const { return words_[pos_]; }
    std::string next() { return words_[pos_++]; }
    /** True if the next word looks like an option ("-x", "--xyz"), not a value such as "-". */
    bool at_option() const;
    /** Consume the flag `name` (or `alias`, may be NULL) if it is next. */
    bool take_flag(const char *name, const char *alias = nullptr);
    /** Consume the option `name`/`alias` and its value if it is next; throws if the value is missing. */
    bool take_value(const char *name, const char *alias, std::string &value);

private:
    std::vector<std::string> words_;
    std::size_t pos_ = 0;
};

/** Options given before the command. */
struct GlobalOptions {
    std::vector<std::string> plugin_paths;
};

/** `geomrt run` options. */
struct RunOptions {
    std::string method;
    std::vector<std::pair<std::string, std::string>> inputs;  // name, file
    std::vector<std::pair<std::string, std::string>> params;  // key, value
    std::string out_dir;
    bool json = false;
    bool quiet = false;
    int threads = 0;
};

/** Split "NAME=VALUE" at the first '='; throws a usage error naming `option` if malformed. */
std::pair<std::string, std::string> split_assignment(const std::string &text, const std::string &option);

/** Parse the words after `run` (a help request leaves `help` true). */
RunOptions parse_run_options(ArgCursor &args, bool &help);

/** Throw the usage error for an unknown option of `command` (pointing out misplaced global options). */
[[noreturn]] void unknown_option(const std::string &option, const std::string &command);

/** Throw a usage error if any word is left. */
void expect_no_more(ArgCursor &args, const std::string &command);

}  // namespace geomrt_cli

#endif
