// Plugin discovery and loading with Boost.DLL.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "core.hpp"

namespace fs = std::filesystem;

#ifndef GEOMRT_INSTALL_PLUGIN_DIR
#define GEOMRT_INSTALL_PLUGIN_DIR ""
#endif

struct geomrt_registrar {
    std::string path;
    bool declared = false;
    std::string name, version;
    std::vector<geomrt::core::MethodDesc> pending;
    int code = GEOMRT_OK;
    std::string error;
};

geomrt_runtime::~geomrt_runtime() {
    methods.clear();
    libs.clear();  // unload after every descriptor that points into them is gone
}

namespace geomrt {
namespace core {

namespace {

bool is_plugin_file_name(const fs::path &p) {
#if defined(_WIN32)
    return p.extension() == ".dll";
#elif defined(__APPLE__)
    return p.extension() == ".dylib" || p.extension() == ".so";
#else
    return p.extension() == ".so";
#endif
}

void fail_registrar(geomrt_registrar *reg, int code, const std::string &msg) {
    if (reg->code == GEOMRT_OK) {
        reg->code = code;
        reg->error = msg;
    }
}

int host_declare_plugin(geomrt_registrar *reg, const char *name, const char *version, uint32_t abi_major,
                        uint32_t abi_minor) {
    if (!reg) return GEOMRT_EINVAL;
    if (abi_major != GEOMRT_PLUGIN_ABI_MAJOR || abi_minor > GEOMRT_PLUGIN_ABI_MINOR) {
        fail_registrar(reg, GEOMRT_EVERSION,
                       "plugin built for ABI " + std::to_string(abi_major) + "." + std::to_string(abi_minor) +
                           " but this host provides ABI " + std::to_string(GEOMRT_PLUGIN_ABI_MAJOR) + "." +
                           std::to_string(GEOMRT_PLUGIN_ABI_MINOR) +
                           (abi_major == GEOMRT_PLUGIN_ABI_MAJOR ? " (newer minor version)" : " (other major version)"));
        return GEOMRT_EVERSION;
    }
    reg->declared = true;
    reg->name = name ? name : "";
    reg->version = version ? version : "";
    return GEOMRT_OK;
}

int host_register_method(geomrt_registrar *reg, const geomrt_method_desc *desc) {
    if (!reg) return GEOMRT_EINVAL;
    if (!reg->declared) {
        fail_registrar(reg, GEOMRT_EPLUGIN, "register_method called before declare_plugin");
        return GEOMRT_EPLUGIN;
    }
    try {
        MethodDesc m = copy_descriptor(desc, reg->path);
        for (const auto &p : reg->pending)
            if (p.name == m.name) throw Error(GEOMRT_EPLUGIN, "method '" + m.name + "' registered twice");
        reg->pending.push_back(std::move(m));
        return GEOMRT_OK;
    } catch (const Error &e) {
        fail_registrar(reg, e.code(), e.what());
        return e.code();
    } catch (const std::exception &e) {
        fail_registrar(reg, GEOMRT_EPLUGIN, e.what());
        return GEOMRT_EPLUGIN;
    }
}

}  // namespace

// Host functions used during calls live in invoke.cpp.
int host_output_dense(void *ctx, size_t index, int dtype, int ndim, const int64_t *shape, void **data);
int host_output_sparse(void *ctx, size_t index, int64_t rows, int64_t cols, int64_t nnz, int64_t **indptr,
                       int64_t **indices, double **values);
int host_progress(void *ctx, double fraction, int64_t iteration, double residual);
int host_cancelled(void *ctx);
void host_set_error(void *ctx, int code, const char *message);
int host_scratch(void *ctx, size_t bytes, void **data);
int host_scratch_release(void *ctx, void *data);

const geomrt_host_api &host_table() {
    static const geomrt_host_api table = {
        sizeof(geomrt_host_api), GEOMRT_PLUGIN_ABI_MAJOR, GEOMRT_PLUGIN_ABI_MINOR, 0,
        &host_declare_plugin,    &host_register_method,   &host_output_dense,      &host_output_sparse,
        &host_progress,          &host_cancelled,         &host_set_error,
        // ABI 1.1
        &host_scratch,           &host_scratch_release,
    };
    return table;
}

// The layout of ABI 1.0 is frozen: later versions only append.
static_assert(offsetof(geomrt_host_api, declare_plugin) == 16, "host table layout changed");
static_assert(offsetof(geomrt_host_api, set_error) == 16 + 6 * sizeof(void *), "host table layout changed");
// ABI 1.1 appends scratch and scratch_release; a 1.0 plugin never reads past set_error.
static_assert(offsetof(geomrt_host_api, scratch) == 16 + 7 * sizeof(void *), "host table layout changed");
static_assert(offsetof(geomrt_host_api, scratch_release) == 16 + 8 * sizeof(void *), "host table layout changed");
static_assert(sizeof(geomrt_host_api) == 16 + 9 * sizeof(void *), "host table layout changed");

namespace {

int reject(geomrt_runtime &rt, const std::string &path, int code, const std::string &reason,
           const std::string &name = "") {
    geomrt_plugin_record r;
    r.path = path;
    r.name = name;
    r.status = GEOMRT_PLUGIN_REJECTED;
    r.reason = reason;
    rt.report.push_back(r);
    set_last_error(code, path + ": " + reason);
    return code;
}

bool already_tried(const geomrt_runtime &rt, const std::string &path) {
    for (const auto &r : rt.report)
        if (r.path == path) return true;
    return false;
}

int load_file(geomrt_runtime &rt, const std::string &path, bool strict = false) {
    if (strict) {
        for (const auto &r : rt.report)
            if (r.path == path && r.status == GEOMRT_PLUGIN_LOADED)
                throw Error(GEOMRT_EPLUGIN, "geomrt_runtime_load_plugin: " + path + " is already loaded (plugin '" +
                                                r.name + "'); a plugin file is loaded once per runtime");
    } else if (already_tried(rt, path)) {
        return GEOMRT_OK;
    }
    auto lib = std::make_shared<boost::dll::shared_library>();
    try {
        boost::dll::fs::error_code ec;
        lib->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
        if (ec) return reject(rt, path, GEOMRT_EPLUGIN, "not a loadable shared library (" + ec.message() + ")");
    } catch (const std::exception &e) {
        return reject(rt, path, GEOMRT_EPLUGIN, std::string("not a loadable shared library (") + e.what() + ")");
    }
#if !defined(_WIN32)
    // Keep the code mapped until the process exits, even after the runtime is freed: a plugin's
    // thread pools (OpenMP workers) and dependencies may outlive the handle.
    if (void *pin = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) dlclose(pin);
#endif
    if (!lib->has(GEOMRT_PLUGIN_ENTRY)) {
        for (int major = 0; major < 10; ++major) {
            if (major == GEOMRT_PLUGIN_ABI_MAJOR) continue;
            std::string sym = "geomrt_plugin_init_v" + std::to_string(major);
            if (lib->has(sym))
                return reject(rt, path, GEOMRT_EVERSION,
                              "plugin ABI major version " + std::to_string(major) + " (entry point " + sym +
                                  ") but this host provides ABI " + std::to_string(GEOMRT_PLUGIN_ABI_MAJOR) + "." +
                                  std::to_string(GEOMRT_PLUGIN_ABI_MINOR));
        }
        return reject(rt, path, GEOMRT_EPLUGIN, std::string("missing entry point ") + GEOMRT_PLUGIN_ENTRY);
    }
    geomrt_registrar reg;
    reg.path = path;
    int rc = GEOMRT_EPLUGIN;
    try {
        auto &init = lib->get<int(const geomrt_host_api *, geomrt_registrar *)>(GEOMRT_PLUGIN_ENTRY);
        rc = init(&host_table(), &reg);
    } catch (const std::exception &e) {
        return reject(rt, path, GEOMRT_EPLUGIN, std::string("entry point threw: ") + e.what());
    } catch (...) {
        return reject(rt, path, GEOMRT_EPLUGIN, "entry point threw an exception");
    }
    if (reg.code != GEOMRT_OK) return reject(rt, path, reg.code, reg.error, reg.name);
    if (rc != GEOMRT_OK)
        return reject(rt, path, rc < 0 ? rc : GEOMRT_EPLUGIN,
                      std::string("entry point failed with ") + error_name(rc), reg.name);
    if (!reg.declared) return reject(rt, path, GEOMRT_EPLUGIN, "entry point did not declare the plugin's ABI version");
    for (const auto &m : reg.pending) {
        for (const auto &existing : rt.methods)
            if (existing->d.name == m.name)
                return reject(rt, path, GEOMRT_EPLUGIN,
                              "method '" + m.name + "' is already provided by " + existing->d.plugin_path, reg.name);
    }
    for (auto &m : reg.pending) {
        auto h = std::make_unique<geomrt_method>();
        h->d = std::move(m);
        auto pos = std::lower_bound(rt.methods.begin(), rt.methods.end(), h->d.name,
                                    [](const std::unique_ptr<geomrt_method> &a, const std::string &n) {
                                        return a->d.name < n;
                                    });
        rt.methods.insert(pos, std::move(h));
    }
    rt.libs.push_back(lib);
    geomrt_plugin_record r;
    r.path = path;
    r.name = reg.name;
    r.version = reg.version;
    r.status = GEOMRT_PLUGIN_LOADED;
    rt.report.push_back(r);
    return GEOMRT_OK;
}

std::string absolute_path(const std::string &p) {
    std::error_code ec;
    fs::path a = fs::absolute(p, ec);
    if (ec) return p;
    fs::path c = fs::weakly_canonical(a, ec);
    return ec ? a.lexically_normal().string() : c.string();
}

}  // namespace

int load_path(geomrt_runtime &rt, const std::string &raw, bool explicit_request, bool strict) {
    if (raw.empty()) return GEOMRT_OK;
    std::string path = absolute_path(raw);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> files;
        for (const auto &e : fs::directory_iterator(path, ec))
            if (is_plugin_file_name(e.path()) && !fs::is_directory(e.path(), ec)) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        int first = GEOMRT_OK;
        for (const auto &f : files) {
            int rc = load_file(rt, absolute_path(f));
            if (first == GEOMRT_OK) first = rc;
        }
        return first;
    }
    if (!fs::exists(path, ec)) {
        if (!explicit_request) return GEOMRT_OK;
        if (already_tried(rt, path) && !strict) return GEOMRT_OK;
        return reject(rt, path, GEOMRT_ENOTFOUND, "no such file or directory");
    }
    return load_file(rt, path, strict);
}

void discover(geomrt_runtime &rt, const geomrt_runtime_options *opts) {
    if (opts && opts->plugin_paths)
        for (size_t i = 0; i < opts->n_plugin_paths; ++i)
            if (opts->plugin_paths[i]) load_path(rt, opts->plugin_paths[i], true);
    if (opts && opts->no_default_search) return;
    if (const char *env = std::getenv("GEOMRT_PLUGIN_PATH")) {
        std::string s(env), cur;
        for (size_t i = 0; i <= s.size(); ++i) {
            if (i == s.size() || s[i] == ':') {
                load_path(rt, cur, true);
                cur.clear();
            } else {
                cur += s[i];
            }
        }
    }
    try {
        boost::dll::fs::error_code ec;
        auto here = boost::dll::this_line_location(ec);
        if (!ec) load_path(rt, (here.parent_path() / "geomrt" / "plugins").string(), false);
    } catch (...) {
    }
    load_path(rt, GEOMRT_INSTALL_PLUGIN_DIR, false);
}

}  // namespace core
}  // namespace geomrt
