// cli_error.hpp -- the error type of the geomrt command-line tool.
//
// Every failure the tool reports (bad usage, unreadable file, API error) is
// thrown as a CliError and printed once by main() as "geomrt: <message>".
#ifndef GEOMRT_TOOLS_CLI_ERROR_HPP
#define GEOMRT_TOOLS_CLI_ERROR_HPP

#include <geomrt/geomrt.h>

#include <stdexcept>
#include <string>

namespace geomrt_cli {

/** A failure to report to the user; `usage` marks a command-line mistake. */
class CliError : public std::runtime_error {
public:
    explicit CliError(const std::string &message, bool usage = false)
        : std::runtime_error(message), usage_(usage) {}
    bool is_usage() const { return usage_; }

private:
    bool usage_;
};

/** Text safe to quote in a message: printable ASCII only ('?' elsewhere), at most 40 characters. */
inline std::string printable(const std::string &text) {
    std::string out;
    for (char c : text.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return text.size() > 40 ? out + "..." : out;
}

/** Throw a CliError for a command-line mistake. */
[[noreturn]] inline void usage_error(const std::string &message) {
    throw CliError(message, true);
}

/** Message for a failed geomrt call: the runtime's last error, or the code's name. */
inline std::string api_message(int rc) {
    std::string msg = geomrt_last_error();
    if (msg.empty()) msg = geomrt_error_name(rc);
    return msg;
}

/** Throw a CliError if `rc` is not GEOMRT_OK; `context` prefixes the message when given. */
inline void check_api(int rc, const std::string &context = std::string()) {
    if (rc == GEOMRT_OK) return;
    std::string msg = api_message(rc);
    throw CliError(context.empty() ? msg : context + ": " + msg);
}

}  // namespace geomrt_cli

#endif
