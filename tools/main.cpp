// main.cpp -- entry point of the `geomrt` command-line tool.
//
//   geomrt [--plugin-path PATH]... COMMAND [ARGS]
//
// Commands: list, describe, plugins, run, help. Every error is printed as
// "geomrt: <message>" on stderr with exit status 2; a cancelled run exits 130.
#include "cli_error.hpp"
#include "commands.hpp"
#include "options.hpp"

#include <geomrt/geomrt.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

namespace geomrt_cli {

void print_usage(std::FILE *out) {
    std::fputs(
        "usage: geomrt [--plugin-path PATH]... COMMAND [ARGS]\n"
        "\n"
        "Run optimal-transport methods from the geomrt runtime on .npy / .csv files.\n"
        "\n"
        "Commands:\n"
        "  list                      every method with its one-line summary\n"
        "  describe METHOD [--json]  inputs, outputs and parameters of a method\n"
        "                            (--json: the method's JSON descriptor)\n"
        "  plugins                   every plugin file tried: loaded or rejected, and why\n"
        "  run METHOD [OPTIONS]      call a method and print its outputs\n"
        "  help                      this text\n"
        "\n"
        "Global options (before the command):\n"
        "  --plugin-path PATH        plugin file or directory searched first (repeatable);\n"
        "                            then $GEOMRT_PLUGIN_PATH and the default directories\n"
        "  --version                 print the versions and exit\n"
        "  -h, --help                print this text and exit\n"
        "\n"
        "run options:\n"
        "  -i, --input NAME=FILE     an input tensor (repeatable). FILE is .npy (float64,\n"
        "                            float32 or int64; C or Fortran order) or .csv/.txt/.tsv\n"
        "                            (numbers separated by commas or blanks, one row per\n"
        "                            line, '#' comment lines; one row or column = a vector)\n"
        "  -p, --param KEY=VALUE     a parameter, as text (repeatable)\n"
        "  -o, --out DIR             save outputs as DIR/NAME.npy (sparse outputs also as\n"
        "                            NAME.indptr.npy, NAME.indices.npy, NAME.values.npy)\n"
        "  --json                    print one JSON object: method, elapsed_s, scalar\n"
        "                            outputs, and the shape/dtype of the other outputs\n"
        "  -t, --threads N           threads the method may use (0 = all cores)\n"
        "  -q, --quiet               no progress bar, no list of written files\n"
        "\n"
        "Ctrl-C cancels a running method (exit status 130); errors exit with status 2.\n"
        "\n"
        "Example:\n"
        "  geomrt run ot.emd --input xs=xs.npy --input xt=xt.npy --param metric=sqeuclidean\n",
        out);
}

namespace {

void print_version() {
    std::printf("geomrt %s (library %s)\n", GEOMRT_VERSION_STRING, geomrt_version());
}

/** Parse the options before the command; returns false if the program should stop (help/version printed). */
bool parse_global_options(ArgCursor &args, GlobalOptions &global) {
    std::string value;
    while (args.at_option()) {
        if (args.take_value("--plugin-path", nullptr, value)) {
            if (value.empty()) usage_error("--plugin-path needs a file or directory");
            global.plugin_paths.push_back(value);
        } else if (args.take_flag("--version")) {
            print_version();
            return false;
        } else if (args.take_flag("--help", "-h")) {
            print_usage(stdout);
            return false;
        } else {
            usage_error("unknown option '" + args.peek() + "'");
        }
    }
    return true;
}

int dispatch(const std::string &command, const GlobalOptions &global, ArgCursor &args) {
    if (command == "list") return cmd_list(global, args);
    if (command == "describe") return cmd_describe(global, args);
    if (command == "plugins") return cmd_plugins(global, args);
    if (command == "run") return cmd_run(global, args);
    if (command == "help") {
        print_usage(stdout);
        return kExitOk;
    }
    usage_error("unknown command '" + command + "' (commands: list, describe, plugins, run, help)");
}

int run_main(int argc, char **argv) {
    ArgCursor args(argc, argv);
    GlobalOptions global;
    if (!parse_global_options(args, global)) return kExitOk;
    if (args.done()) usage_error("no command given");
    const std::string command = args.next();
    return dispatch(command, global, args);
}

}  // namespace
}  // namespace geomrt_cli

int main(int argc, char **argv) {
    using namespace geomrt_cli;
    try {
        return run_main(argc, argv);
    } catch (const CliError &e) {
        std::fprintf(stderr, "geomrt: %s\n", e.what());
        if (e.is_usage()) std::fprintf(stderr, "(`geomrt --help` shows the usage)\n");
    } catch (const std::bad_alloc &) {
        std::fprintf(stderr, "geomrt: out of memory\n");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "geomrt: %s\n", e.what());
    }
    return kExitError;
}
