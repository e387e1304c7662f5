// runtime.hpp -- owning wrappers and lookups over the geomrt C API.
#ifndef GEOMRT_TOOLS_RUNTIME_HPP
#define GEOMRT_TOOLS_RUNTIME_HPP

#include <geomrt/geomrt.h>

#include <memory>
#include <string>
#include <vector>

namespace geomrt_cli {

struct RuntimeDeleter {
    void operator()(geomrt_runtime *rt) const { geomrt_runtime_free(rt); }
};
struct ArgsDeleter {
    void operator()(geomrt_args *a) const { geomrt_args_free(a); }
};
struct ResultDeleter {
    void operator()(geomrt_result *r) const { geomrt_result_free(r); }
};
using RuntimePtr = std::unique_ptr<geomrt_runtime, RuntimeDeleter>;
using ArgsPtr = std::unique_ptr<geomrt_args, ArgsDeleter>;
using ResultPtr = std::unique_ptr<geomrt_result, ResultDeleter>;

/** Create a runtime that searches `plugin_paths` first, then the default places. */
RuntimePtr make_runtime(const std::vector<std::string> &plugin_paths);

/** Create an empty argument set. */
ArgsPtr make_args();

/** Find a method by name; the error names it and points at `geomrt list` / `geomrt plugins`. */
const geomrt_method *find_method(const geomrt_runtime *rt, const std::string &name);

/** Every method of the runtime, sorted by name. */
std::vector<const geomrt_method *> all_methods(const geomrt_runtime *rt);

/** Descriptors of a method's inputs, outputs and parameters. */
std::vector<geomrt_slot_info> method_inputs(const geomrt_method *m);
std::vector<geomrt_slot_info> method_outputs(const geomrt_method *m);
std::vector<geomrt_param_info> method_params(const geomrt_method *m);

/** One entry of the plugin report. */
struct PluginReportEntry {
    std::string path;
    bool loaded = false;
    std::string name;
    std::string reason;
};
std::vector<PluginReportEntry> plugin_report(const geomrt_runtime *rt);

/** A NULL-safe std::string from a C string owned by the runtime. */
inline std::string str_or_empty(const char *s) { return s ? std::string(s) : std::string(); }

}  // namespace geomrt_cli

#endif
