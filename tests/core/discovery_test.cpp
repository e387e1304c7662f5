// Plugin discovery: explicit paths, GEOMRT_PLUGIN_PATH, and every way a plugin file can be broken.
#include <cstdlib>
#include <fstream>
#include <string>

#include <geomrt/plugin.h>

#include "../common.hpp"

using namespace gt;

namespace {

struct Entry {
    std::string path, name, reason;
    int status;
};

std::vector<Entry> report(const geomrt_runtime *rt) {
    std::vector<Entry> out;
    for (size_t i = 0; i < geomrt_runtime_plugin_report_count(rt); ++i) {
        const char *p, *n, *r;
        int s;
        REQUIRE(geomrt_runtime_plugin_report_at(rt, i, &p, &s, &n, &r) == GEOMRT_OK);
        out.push_back({p, n, r, s});
    }
    return out;
}

const Entry *find_entry(const std::vector<Entry> &rep, const std::string &file_part) {
    for (const auto &e : rep)
        if (e.path.find(file_part) != std::string::npos) return &e;
    return nullptr;
}

std::string broken(const std::string &name) { return std::string(GEOMRT_TEST_BROKEN_DIR) + "/libbroken_" + name + ".so"; }

}  // namespace

TEST_CASE("an explicit directory loads every plugin in it", "[discovery]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    auto rep = report(rt.get());
    REQUIRE(rep.size() == 1);
    CHECK(rep[0].status == GEOMRT_PLUGIN_LOADED);
    CHECK(rep[0].name == "test");
    CHECK(rep[0].reason.empty());
    CHECK(rep[0].path.front() == '/');  // absolute
    CHECK(geomrt_runtime_plugin_report_at(rt.get(), 1, nullptr, nullptr, nullptr, nullptr) == GEOMRT_ENOTFOUND);
}

TEST_CASE("broken plugin files are reported with their reason and do not stop the others", "[discovery]") {
    // A text file with a library's name.
    std::string fake = std::string(GEOMRT_TEST_BROKEN_DIR) + "/libnot_a_library.so";
    { std::ofstream(fake) << "this is not an ELF file\n"; }
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR, GEOMRT_TEST_BROKEN_DIR, "/nonexistent/geomrt/plugin.so"});
    auto rep = report(rt.get());
    // The good plugin loaded and its methods are callable.
    const Entry *good = find_entry(rep, "geomrt_test_plugin");
    REQUIRE(good);
    CHECK(good->status == GEOMRT_PLUGIN_LOADED);
    const geomrt_method *m = nullptr;
    REQUIRE(geomrt_method_find(&m, rt.get(), "test.echo") == GEOMRT_OK);
    CHECK(std::string(geomrt_method_plugin(m)) == good->path);  // the duplicate did not replace it

    struct Case {
        const char *file, *reason_part;
    } cases[] = {
        {"libnot_a_library.so", "not a loadable shared library"},
        {"libbroken_no_entry.so", "missing entry point geomrt_plugin_init_v1"},
        {"libbroken_abi_v2.so", "ABI major version 2"},
        {"libbroken_newer_minor.so", "newer minor version"},
        {"libbroken_duplicate.so", "method 'test.echo' is already provided by"},
        {"libbroken_init_fails.so", "entry point failed with GEOMRT_EINTERNAL"},
        {"libbroken_bad_default.so", "invalid default"},
        {"/nonexistent/geomrt/plugin.so", "no such file"},
    };
    for (const auto &c : cases) {
        INFO(c.file);
        const Entry *e = find_entry(rep, c.file);
        REQUIRE(e);
        CHECK(e->status == GEOMRT_PLUGIN_REJECTED);
        CHECK(e->reason.find(c.reason_part) != std::string::npos);
    }
    const Entry *dup = find_entry(rep, "libbroken_duplicate.so");
    CHECK(dup->reason.find(good->path) != std::string::npos);  // names both files
    const Entry *minor = find_entry(rep, "libbroken_newer_minor.so");
    // The fixture declares the host's minor + 7; the message names both versions.
    const std::string host_abi = "ABI 1." + std::to_string(GEOMRT_PLUGIN_ABI_MINOR);
    const std::string plugin_abi = "ABI 1." + std::to_string(GEOMRT_PLUGIN_ABI_MINOR + 7);
    CHECK(minor->reason.find(plugin_abi) != std::string::npos);
    CHECK(minor->reason.find(host_abi) != std::string::npos);
    CHECK(geomrt_method_find(&m, rt.get(), "bad.default") == GEOMRT_ENOTFOUND);
    std::remove(fake.c_str());
}

TEST_CASE("geomrt_runtime_load_plugin loads now and reports rejections as errors", "[discovery]") {
    auto rt = runtime_with({});
    CHECK(geomrt_method_count(rt.get()) == 0);
    CHECK(geomrt_runtime_load_plugin(rt.get(), broken("abi_v2").c_str()) == GEOMRT_EVERSION);
    CHECK(std::string(geomrt_last_error()).find("libbroken_abi_v2.so") != std::string::npos);
    CHECK(geomrt_runtime_load_plugin(rt.get(), broken("no_entry").c_str()) == GEOMRT_EPLUGIN);
    CHECK(geomrt_runtime_load_plugin(rt.get(), "/no/such/file.so") == GEOMRT_ENOTFOUND);
    std::string good = std::string(GEOMRT_TEST_GOOD_DIR) + "/libgeomrt_test_plugin.so";
    CHECK(geomrt_runtime_load_plugin(rt.get(), good.c_str()) == GEOMRT_OK);
    CHECK(geomrt_method_count(rt.get()) == 9);
    // loading the same file again is refused, and changes nothing
    CHECK(geomrt_runtime_load_plugin(rt.get(), good.c_str()) == GEOMRT_EPLUGIN);
    CHECK(std::string(geomrt_last_error()).find("is already loaded") != std::string::npos);
    CHECK(geomrt_method_count(rt.get()) == 9);
}

TEST_CASE("GEOMRT_PLUGIN_PATH is searched after explicit paths", "[discovery]") {
    std::string env = std::string("/nonexistent/dir:") + GEOMRT_TEST_GOOD_DIR;
    REQUIRE(setenv("GEOMRT_PLUGIN_PATH", env.c_str(), 1) == 0);
    geomrt_runtime *raw = nullptr;
    REQUIRE(geomrt_runtime_new(&raw, nullptr) == GEOMRT_OK);
    Runtime rt(raw);
    unsetenv("GEOMRT_PLUGIN_PATH");
    const geomrt_method *m = nullptr;
    CHECK(geomrt_method_find(&m, rt.get(), "test.echo") == GEOMRT_OK);
    // The default directory beside libgeomrt holds the ot plugin.
    CHECK(geomrt_method_find(&m, rt.get(), "ot.emd") == GEOMRT_OK);
    // no_default_search skips the environment
    REQUIRE(setenv("GEOMRT_PLUGIN_PATH", GEOMRT_TEST_GOOD_DIR, 1) == 0);
    auto rt2 = runtime_with({});
    unsetenv("GEOMRT_PLUGIN_PATH");
    CHECK(geomrt_method_count(rt2.get()) == 0);
}

TEST_CASE("two runtimes load the same plugin independently", "[discovery]") {
    auto r1 = runtime_with({GEOMRT_TEST_GOOD_DIR});
    auto r2 = runtime_with({GEOMRT_TEST_GOOD_DIR});
    r1.reset();
    auto a = new_args();
    Mat x(1, 1);
    x.v[0] = 2.0;
    set_mat(a.get(), "x", x);
    auto res = invoke(r2.get(), "test.echo", a.get());
    CHECK(scalar(res.get(), "sum") == 2.0);
}
