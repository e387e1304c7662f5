// fl methods reject bad input with a clear error and leave the caller's memory untouched.
#include <cmath>
#include <limits>
#include <thread>

#include "fl_helpers.hpp"

namespace {

const char *kMethods[] = {"fl.multi_metrics", "fl.fedavg",          "fl.krum",      "fl.multi_krum", "fl.median",
                          "fl.trimmed_mean",  "fl.geometric_median", "fl.foolsgold", "fl.fltrust"};

flt::Call clients(int64_t K, int64_t d, uint64_t seed = 1) {
    std::mt19937_64 g(seed);
    flt::Call c;
    c.K = K;
    c.d = d;
    c.W = flt::gaussian(g, static_cast<size_t>(K * d));
    c.vecs["server_update"] = flt::gaussian(g, static_cast<size_t>(d));
    return c;
}

flt::Call for_method(flt::Call c, const std::string &m) {
    if (m != "fl.fltrust") c.vecs.erase("server_update");
    return c;
}

}  // namespace

TEST_CASE("fl methods name the client whose row holds NaN or Inf", "[fl][bad_input]") {
    auto rt = gt::plugins_runtime();
    for (const char *m : kMethods)
        for (bool f32 : {false, true})
            for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
                auto c = for_method(clients(9, 1500), m);
                c.f32 = f32;
                c.W[6 * 1500 + 1400] = bad;  // client 6, in the third column block
                c.W[8 * 1500 + 3] = -bad;    // and client 8
                const auto before = c.W;
                std::string msg;
                INFO(m << " f32=" << f32);
                CHECK(flt::fails(rt.get(), m, c, &msg) == GEOMRT_EINVAL);
                CHECK(msg.find(m) != std::string::npos);
                CHECK(msg.find("client 6") != std::string::npos);
                CHECK(msg.find("'W'") != std::string::npos);
                CHECK(std::equal(before.begin(), before.end(), c.W.begin(),
                                 [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }));
            }
}

TEST_CASE("fl methods refuse too few clients for their rule", "[fl][bad_input]") {
    auto rt = gt::plugins_runtime();
    std::string msg;
    auto c = clients(4, 10);
    c.vecs.clear();
    c.params["f"] = "1";  // Krum needs K > 2f + 2 = 4
    CHECK(flt::fails(rt.get(), "fl.krum", c, &msg) == GEOMRT_ESHAPE);
    CHECK(msg.find("K > 2f + 2") != std::string::npos);
    CHECK(flt::fails(rt.get(), "fl.multi_krum", c, &msg) == GEOMRT_ESHAPE);
    c.params.clear();
    c.params["keep_fraction"] = "0.2";  // floor(0.2 * 4) = 0 clients kept
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", c, &msg) == GEOMRT_ESHAPE);
    CHECK(msg.find("keep_fraction") != std::string::npos);
    auto one = clients(1, 10);
    one.vecs.clear();
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", one, &msg) == GEOMRT_ESHAPE);
    CHECK(flt::fails(rt.get(), "fl.foolsgold", one, &msg) == GEOMRT_ESHAPE);
    c.params.clear();
    c.params["f"] = "0";
    c.params["m"] = "5";  // more than K = 4
    CHECK(flt::fails(rt.get(), "fl.multi_krum", c, &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'m'") != std::string::npos);
}

TEST_CASE("fl methods check shapes, dtypes, parameters and sample counts", "[fl][bad_input]") {
    auto rt = gt::plugins_runtime();
    std::string msg;
    auto c = clients(6, 20);
    c.vecs.clear();
    c.params["variant"] = "paper";  // needs w0
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", c, &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'w0'") != std::string::npos);
    c.params["variant"] = "code";
    c.vecs["w0"] = std::vector<double>(19, 0.0);  // wrong length
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", c, &msg) == GEOMRT_ESHAPE);
    c.vecs.clear();
    c.params["variant"] = "median";  // not a choice
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", c, &msg) != GEOMRT_OK);
    c.params.clear();
    c.params["keep_fraction"] = "1.5";
    CHECK(flt::fails(rt.get(), "fl.multi_metrics", c, &msg) != GEOMRT_OK);
    c.params.clear();
    c.vecs["n"] = std::vector<double>(6, 0.0);
    CHECK(flt::fails(rt.get(), "fl.fedavg", c, &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'n'") != std::string::npos);
    c.vecs["n"] = {1, 1, -1, 1, 1, 1};
    CHECK(flt::fails(rt.get(), "fl.fedavg", c, &msg) == GEOMRT_EINVAL);
    c.vecs["n"] = {1, 1, 1};
    CHECK(flt::fails(rt.get(), "fl.fedavg", c, &msg) == GEOMRT_ESHAPE);
    c.vecs.clear();
    c.params["beta"] = "0.5";
    CHECK(flt::fails(rt.get(), "fl.trimmed_mean", c, &msg) != GEOMRT_OK);
    c.params.clear();
    CHECK(flt::fails(rt.get(), "fl.fltrust", c, &msg) != GEOMRT_OK);  // server_update missing
    // integer W: not float32/float64
    auto args = gt::new_args();
    std::vector<int64_t> wi(12, 1);
    int64_t shape[2] = {3, 4};
    REQUIRE(geomrt_args_set_tensor(args.get(), "W", GEOMRT_DTYPE_I64, wi.data(), 2, shape, nullptr) == GEOMRT_OK);
    CHECK(gt::invoke_fails(rt.get(), "fl.median", args.get(), &msg) == GEOMRT_EDTYPE);
    CHECK(msg.find("float64 or float32") != std::string::npos);
    // empty W
    auto e = gt::new_args();
    int64_t eshape[2] = {0, 4};
    REQUIRE(geomrt_args_set_tensor(e.get(), "W", GEOMRT_DTYPE_F64, wi.data(), 2, eshape, nullptr) == GEOMRT_OK);
    CHECK(gt::invoke_fails(rt.get(), "fl.fedavg", e.get(), &msg) == GEOMRT_ESHAPE);
}

TEST_CASE("fl methods give identical results from several threads at once and for any thread count", "[fl][threads]") {
    auto rt = gt::plugins_runtime();
    auto c = clients(20, 60000, 4);  // large enough that the methods use 2 threads
    for (const char *m : kMethods) {
        auto mc = for_method(c, m);
        mc.threads = 1;
        const auto ref = flt::run(rt.get(), m, mc);
        mc.threads = 2;
        CHECK(flt::run(rt.get(), m, mc).v == ref.v);
        std::vector<flt::Out> outs(4);
        std::vector<gt::Args> args;
        std::vector<std::vector<float>> w32(4);
        std::vector<std::vector<double>> w64(4);
        for (int t = 0; t < 4; ++t) {  // prepared here: Catch assertions are not thread-safe
            args.push_back(gt::new_args());
            flt::set_inputs(args.back().get(), mc, w32[t], w64[t]);
        }
        std::vector<std::thread> th;
        for (int t = 0; t < 4; ++t)
            th.emplace_back([&, t] {
                geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
                o.num_threads = 1 + t % 2;
                geomrt_result *r = nullptr;
                if (geomrt_invoke(&r, rt.get(), m, args[t].get(), &o) != GEOMRT_OK) return;
                geomrt_tensor_view v;
                if (geomrt_result_tensor(r, "aggregate", &v) == GEOMRT_OK) {
                    std::vector<double> agg(static_cast<size_t>(v.numel));
                    geomrt_result_copy_f64(r, "aggregate", agg.data(), v.numel);
                    outs[t].v["aggregate"] = agg;
                }
                geomrt_result_free(r);
            });
        for (auto &t : th) t.join();
        INFO(m);
        for (const auto &o : outs) {
            REQUIRE(o.v.count("aggregate"));
            CHECK(o.v.at("aggregate") == ref["aggregate"]);
        }
    }
}
