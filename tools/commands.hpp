// commands.hpp -- the subcommands of the geomrt tool.
#ifndef GEOMRT_TOOLS_COMMANDS_HPP
#define GEOMRT_TOOLS_COMMANDS_HPP

#include "options.hpp"

#include <cstdio>

namespace geomrt_cli {

/** Exit statuses. */
constexpr int kExitOk = 0;
constexpr int kExitError = 2;
constexpr int kExitCancelled = 130;

/** Each command parses the words after its name and returns an exit status; failures throw CliError. */
int cmd_list(const GlobalOptions &global, ArgCursor &args);
int cmd_describe(const GlobalOptions &global, ArgCursor &args);
int cmd_plugins(const GlobalOptions &global, ArgCursor &args);
int cmd_run(const GlobalOptions &global, ArgCursor &args);

/** The full help text. */
void print_usage(std::FILE *out);

}  // namespace geomrt_cli

#endif
