// cmd_run.cpp -- `geomrt run METHOD --input NAME=FILE ... --param KEY=VALUE ...`.
#include "cli_error.hpp"
#include "commands.hpp"
#include "inputs.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "runtime.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

namespace geomrt_cli {
namespace {

// The tool's only mutable global: set by the SIGINT handler, read by the runtime
// through geomrt_call_options.cancel_flag.
volatile int g_cancel_requested = 0;

void on_sigint(int) { g_cancel_requested = 1; }  // async-signal-safe: only sets the flag

/**
 * Installs the Ctrl-C handler for its lifetime; a second Ctrl-C gets the
 * default action (SA_RESETHAND). SIGINT stays ignored if it was ignored on
 * entry (e.g. a background job of a non-interactive shell).
 */
class SigintGuard {
public:
    SigintGuard() {
        if (sigaction(SIGINT, nullptr, &previous_) != 0 || previous_.sa_handler == SIG_IGN) return;
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        installed_ = sigaction(SIGINT, &sa, nullptr) == 0;
    }
    ~SigintGuard() {
        if (installed_) sigaction(SIGINT, &previous_, nullptr);
    }
    SigintGuard(const SigintGuard &) = delete;
    SigintGuard &operator=(const SigintGuard &) = delete;

private:
    struct sigaction previous_ {};
    bool installed_ = false;
};

/** Outcome of geomrt_invoke: code, message (read right after the call), result, time in the call. */
struct Invocation {
    int rc = GEOMRT_OK;
    std::string message;
    ResultPtr result;
    double elapsed_s = 0.0;
};

std::string joined_names(const std::vector<std::string> &names) {
    std::string s;
    for (const std::string &n : names) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "none" : s;
}

const geomrt_slot_info &find_input_slot(const std::vector<geomrt_slot_info> &slots, const std::string &name,
                                        const std::string &method) {
    std::vector<std::string> names;
    for (const geomrt_slot_info &s : slots) {
        if (str_or_empty(s.name) == name) return s;
        names.push_back(str_or_empty(s.name));
    }
    throw CliError("method " + method + " has no input '" + name + "' (its inputs: " + joined_names(names) + ")");
}

void check_param_name(const std::vector<geomrt_param_info> &params, const std::string &name,
                      const std::string &method) {
    std::vector<std::string> names;
    for (const geomrt_param_info &p : params) {
        if (str_or_empty(p.name) == name) return;
        names.push_back(str_or_empty(p.name));
    }
    throw CliError("method " + method + " has no parameter '" + name + "' (its parameters: " +
                   joined_names(names) + ")");
}

/** Check every --input and --param name against the method before reading any file. */
void check_names(const geomrt_method *m, const RunOptions &o) {
    const std::vector<geomrt_slot_info> slots = method_inputs(m);
    for (const auto &in : o.inputs) find_input_slot(slots, in.first, o.method);
    const std::vector<geomrt_param_info> params = method_params(m);
    for (const auto &p : o.params) check_param_name(params, p.first, o.method);
}

std::vector<LoadedInput> load_inputs(const geomrt_method *m, const RunOptions &o) {
    const std::vector<geomrt_slot_info> slots = method_inputs(m);
    std::vector<LoadedInput> loaded;
    for (const auto &in : o.inputs)
        loaded.push_back(load_input(in.first, in.second, find_input_slot(slots, in.first, o.method)));
    return loaded;
}

void set_params(geomrt_args *args, const RunOptions &o) {
    for (const auto &p : o.params) {
        check_api(geomrt_args_set_param_string(args, p.first.c_str(), p.second.c_str()),
                  "parameter " + p.first + "=" + p.second);
    }
}

Invocation invoke(geomrt_runtime *rt, const RunOptions &o, const geomrt_args *args) {
    ProgressBar bar(!o.quiet && isatty(STDERR_FILENO), &g_cancel_requested);
    geomrt_call_options opts = GEOMRT_CALL_OPTIONS_INIT;
    opts.num_threads = o.threads;
    opts.progress = &ProgressBar::callback;
    opts.progress_user = &bar;
    opts.cancel_flag = &g_cancel_requested;

    Invocation inv;
    SigintGuard sigint;
    geomrt_result *res = nullptr;
    const auto start = std::chrono::steady_clock::now();
    inv.rc = geomrt_invoke(&res, rt, o.method.c_str(), args, &opts);
    const auto stop = std::chrono::steady_clock::now();
    if (inv.rc != GEOMRT_OK) inv.message = api_message(inv.rc);
    inv.result.reset(res);
    inv.elapsed_s = std::chrono::duration<double>(stop - start).count();
    bar.finish();
    return inv;
}

/** "METHOD: message", unless the runtime already named the method. */
std::string with_method_prefix(const std::string &method, const std::string &message) {
    const std::string prefix = method + ":";
    return message.compare(0, prefix.size(), prefix) == 0 ? message : method + ": " + message;
}

void report(const RunOptions &o, const Invocation &inv, const std::vector<OutputInfo> &outputs,
            const std::vector<std::string> &written) {
    if (o.json) {
        std::printf("%s\n", json_report(o.method, inv.elapsed_s, outputs).c_str());
    } else {
        print_text_report(outputs);
    }
    if (!o.quiet)
        for (const std::string &path : written) std::fprintf(stderr, "wrote %s\n", path.c_str());
}

}  // namespace

int cmd_run(const GlobalOptions &global, ArgCursor &args) {
    bool help = false;
    const RunOptions o = parse_run_options(args, help);
    if (help) {
        print_usage(stdout);
        return kExitOk;
    }
    RuntimePtr rt = make_runtime(global.plugin_paths);
    const geomrt_method *m = find_method(rt.get(), o.method);
    check_names(m, o);
    if (!o.out_dir.empty()) prepare_out_dir(o.out_dir);
    std::vector<LoadedInput> inputs = load_inputs(m, o);
    ArgsPtr a = make_args();
    for (LoadedInput &in : inputs) bind_input(a.get(), in);
    set_params(a.get(), o);

    const Invocation inv = invoke(rt.get(), o, a.get());
    if (inv.rc == GEOMRT_ECANCELLED) {
        std::fprintf(stderr, "geomrt: cancelled\n");
        return kExitCancelled;
    }
    if (inv.rc != GEOMRT_OK) throw CliError(with_method_prefix(o.method, inv.message));

    const std::vector<OutputInfo> outputs = collect_outputs(inv.result.get());
    std::vector<std::string> written;
    if (!o.out_dir.empty()) written = write_outputs(inv.result.get(), outputs, inputs, o.out_dir);
    report(o, inv, outputs, written);
    return kExitOk;
}

}  // namespace geomrt_cli
