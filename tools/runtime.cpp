// runtime.cpp -- owning wrappers and lookups over the geomrt C API (see runtime.hpp).
#include "runtime.hpp"

#include "cli_error.hpp"

namespace geomrt_cli {

RuntimePtr make_runtime(const std::vector<std::string> &plugin_paths) {
    std::vector<const char *> paths;
    for (const std::string &p : plugin_paths) paths.push_back(p.c_str());
    geomrt_runtime_options opts = GEOMRT_RUNTIME_OPTIONS_INIT;
    opts.plugin_paths = paths.empty() ? nullptr : paths.data();
    opts.n_plugin_paths = paths.size();
    geomrt_runtime *rt = nullptr;
    check_api(geomrt_runtime_new(&rt, &opts), "cannot create the runtime");
    return RuntimePtr(rt);
}

ArgsPtr make_args() {
    geomrt_args *a = nullptr;
    check_api(geomrt_args_new(&a), "cannot create an argument set");
    return ArgsPtr(a);
}

namespace {

std::size_t rejected_plugin_count(const geomrt_runtime *rt) {
    std::size_t n = 0;
    for (const PluginReportEntry &e : plugin_report(rt)) n += e.loaded ? 0 : 1;
    return n;
}

}  // namespace

const geomrt_method *find_method(const geomrt_runtime *rt, const std::string &name) {
    const geomrt_method *m = nullptr;
    int rc = geomrt_method_find(&m, rt, name.c_str());
    if (rc == GEOMRT_OK && m) return m;
    const std::string why = api_message(rc);  // read before any other geomrt call
    const std::size_t available = geomrt_method_count(rt);
    std::string msg = "unknown method '" + name + "' (" + why + "); `geomrt list` shows the " +
                      std::to_string(available) + " available";
    std::size_t rejected = rejected_plugin_count(rt);
    if (rejected)
        msg += ", and " + std::to_string(rejected) + " plugin file(s) were rejected: see `geomrt plugins`";
    throw CliError(msg);
}

std::vector<const geomrt_method *> all_methods(const geomrt_runtime *rt) {
    std::vector<const geomrt_method *> out;
    std::size_t n = geomrt_method_count(rt);
    for (std::size_t i = 0; i < n; ++i) {
        const geomrt_method *m = nullptr;
        check_api(geomrt_method_at(&m, rt, i), "cannot list methods");
        out.push_back(m);
    }
    return out;
}

std::vector<geomrt_slot_info> method_inputs(const geomrt_method *m) {
    std::vector<geomrt_slot_info> out(geomrt_method_input_count(m));
    for (std::size_t i = 0; i < out.size(); ++i)
        check_api(geomrt_method_input(m, i, &out[i]), "cannot describe an input");
    return out;
}

std::vector<geomrt_slot_info> method_outputs(const geomrt_method *m) {
    std::vector<geomrt_slot_info> out(geomrt_method_output_count(m));
    for (std::size_t i = 0; i < out.size(); ++i)
        check_api(geomrt_method_output(m, i, &out[i]), "cannot describe an output");
    return out;
}

std::vector<geomrt_param_info> method_params(const geomrt_method *m) {
    std::vector<geomrt_param_info> out(geomrt_method_param_count(m));
    for (std::size_t i = 0; i < out.size(); ++i)
        check_api(geomrt_method_param(m, i, &out[i]), "cannot describe a parameter");
    return out;
}

std::vector<PluginReportEntry> plugin_report(const geomrt_runtime *rt) {
    std::vector<PluginReportEntry> out;
    std::size_t n = geomrt_runtime_plugin_report_count(rt);
    for (std::size_t i = 0; i < n; ++i) {
        const char *path = nullptr, *name = nullptr, *reason = nullptr;
        int status = GEOMRT_PLUGIN_REJECTED;
        check_api(geomrt_runtime_plugin_report_at(rt, i, &path, &status, &name, &reason),
                  "cannot read the plugin report");
        out.push_back({str_or_empty(path), status == GEOMRT_PLUGIN_LOADED, str_or_empty(name),
                       str_or_empty(reason)});
    }
    return out;
}

}  // namespace geomrt_cli
