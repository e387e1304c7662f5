// Every fl method against NumPy reference values (tests/data/fl_reference.txt, made by
// tests/data/make_fl_reference.py from the papers' and the authors' formulas).
#include <fstream>

#include "fl_helpers.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

struct Case {
    std::string name, method;
    int64_t K = 0, d = 0;
    std::map<std::string, std::string> params;
    std::map<std::string, std::vector<double>> arrays;
};

std::vector<Case> read_reference() {
    std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/fl_reference.txt");
    REQUIRE(in.good());
    std::vector<Case> out;
    Case cur;
    std::string tok;
    while (in >> tok) {
        if (tok == "case") {
            cur = Case();
            in >> cur.name >> cur.method >> cur.K >> cur.d;
        } else if (tok == "param") {
            std::string k, v;
            in >> k >> v;
            cur.params[k] = v;
        } else if (tok == "end") {
            out.push_back(cur);
        } else {
            size_t n = 0;
            in >> n;
            std::vector<double> v(n);
            for (auto &x : v) in >> x;
            cur.arrays[tok] = v;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("fl methods match the NumPy reference values", "[fl][reference]") {
    auto rt = gt::plugins_runtime();
    const auto cases = read_reference();
    REQUIRE(cases.size() == 11);
    for (const auto &rc : cases) {
        for (bool f32 : {false, true}) {
            flt::Call c;
            c.K = rc.K;
            c.d = rc.d;
            c.W = rc.arrays.at("W");
            c.f32 = f32;
            c.params = rc.params;
            for (const char *in : {"n", "w0", "server_update"})
                if (rc.arrays.count(in)) c.vecs[in] = rc.arrays.at(in);
            const auto o = flt::run(rt.get(), rc.method.c_str(), c);
            const double tol = f32 ? 1e-4 : 1e-9;
            for (const auto &kv : rc.arrays) {
                if (kv.first == "W" || c.vecs.count(kv.first)) continue;
                INFO(rc.name << " output " << kv.first << " f32=" << f32);
                const auto &got = o[kv.first];
                REQUIRE(got.size() == kv.second.size());
                if (kv.first == "kept") {
                    CHECK(got == kv.second);
                    continue;
                }
                // f32 inputs are rounded copies of the reference's f64 matrix: compare with a looser tolerance
                for (size_t i = 0; i < got.size(); ++i)
                    CHECK_THAT(got[i], WithinRel(kv.second[i], tol) || WithinAbs(kv.second[i], tol * 1e-2));
            }
        }
    }
}
