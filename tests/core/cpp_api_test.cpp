// The C++ API (geomrt.hpp): handles, errors as exceptions, zero-copy inputs and outputs (with
// Eigen), progress and cancellation, introspection.
#include <Eigen/Core>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>
#include <geomrt/geomrt.hpp>

namespace {
geomrt::Runtime test_runtime() {
    geomrt::RuntimeOptions o;
    o.plugin_paths = {GEOMRT_TEST_GOOD_DIR, GEOMRT_OT_PLUGIN_DIR};
    o.no_default_search = true;
    return geomrt::Runtime(o);
}
}  // namespace

TEST_CASE("geomrt.hpp: exact OT between shifted point clouds gives the squared shift", "[cpp]") {
    geomrt::Runtime rt = test_runtime();
    std::vector<double> xs = {0, 0, 1, 0, 0, 1, 1, 1};
    std::vector<double> xt = {0.5, 0.25, 1.5, 0.25, 0.5, 1.25, 1.5, 1.25};
    geomrt::Result r = rt.invoke("ot.emd", {{"xs", geomrt::TensorRef(xs.data(), {4, 2})},
                                            {"xt", geomrt::TensorRef(xt.data(), {4, 2})}},
                                 {{"metric", "sqeuclidean"}});
    CHECK(r.scalar("cost") == Approx(0.3125).epsilon(1e-12));
    CHECK(r.kind("plan") == GEOMRT_KIND_SPARSE);
    geomrt::SparseView plan = r.sparse("plan");
    CHECK(plan.rows == 4);
    CHECK(plan.nnz == 4);
    std::vector<double> dense = r.to_vector("plan");
    REQUIRE(dense.size() == 16);
    for (int i = 0; i < 4; ++i) CHECK(dense[static_cast<size_t>(i * 4 + i)] == Approx(0.25));
    CHECK(r.has("alpha"));
    CHECK_FALSE(r.has("no_such_output"));
    auto names = r.names();
    CHECK(std::find(names.begin(), names.end(), "cost") != names.end());
}

TEST_CASE("geomrt.hpp: errors are exceptions carrying the code and the runtime's message", "[cpp]") {
    geomrt::Runtime rt = test_runtime();
    std::vector<double> x = {1, 2, 3, 4};
    try {
        rt.invoke("ot.sinkhorn", {{"xs", geomrt::TensorRef(x.data(), {2, 2})}, {"xt", geomrt::TensorRef(x.data(), {2, 2})}},
                  {{"reg", -1.0}});
        FAIL("no exception");
    } catch (const geomrt::Error &e) {
        CHECK(e.code() == GEOMRT_EINVAL);
        CHECK(std::string(e.code_name()) == "GEOMRT_EINVAL");
        CHECK(std::string(e.what()).find("reg") != std::string::npos);
    }
    try {
        rt.invoke("no.such_method", geomrt::Args());
        FAIL("no exception");
    } catch (const geomrt::Error &e) {
        CHECK(e.code() == GEOMRT_ENOTFOUND);
    }
    geomrt::Result ok = rt.invoke("test.echo", {{"x", geomrt::TensorRef(x.data(), {2, 2})}});
    CHECK_THROWS_AS(ok.scalar("y"), geomrt::Error);        // not a scalar
    CHECK_THROWS_AS(ok.sparse("y"), geomrt::Error);        // dense
    CHECK_THROWS_AS(ok.tensor("y").data<float>(), geomrt::Error);  // wrong dtype
    CHECK(ok.tensor("y").to_vector<double>() == x);
    CHECK_THROWS_AS(rt.method("no.such"), geomrt::Error);
    // A wrong-type parameter value.
    CHECK_THROWS_AS(rt.invoke("test.params", {}, {{"f", "abc"}}), geomrt::Error);
}

TEST_CASE("geomrt.hpp: parameters of every type reach the method", "[cpp]") {
    geomrt::Runtime rt = test_runtime();
    geomrt::Args a;
    a.param("f", 0.25).param("i", 42).param("b", true).param("mode", "exact").param("s", std::string("xy"));
    geomrt::Result r = rt.invoke("test.params", a);
    CHECK(r.scalar("f") == 0.25);
    CHECK(r.scalar("i") == 42);
    CHECK(r.scalar("b") == 1);
    CHECK(r.scalar("mode_len") == 5 + 200);
    a.param("i", int64_t(3)).param("f", "0.5");
    r = rt.invoke("test.params", a);
    CHECK(r.scalar("i") == 3);
    CHECK(r.scalar("f") == 0.5);
}

TEST_CASE("geomrt.hpp: Eigen inputs pass without a copy in either storage order; outputs map back", "[cpp][eigen]") {
    geomrt::Runtime rt = test_runtime();
    Eigen::MatrixXd cm(3, 2);  // column-major
    cm << 1, 2, 3, 4, 5, 6;
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = cm;
    // test.strided reads strides itself: a column-major matrix arrives with strides {1, 3}.
    geomrt::Result s = rt.invoke("test.strided", {{"x", cm}});
    const int64_t *st = s.tensor("strides").data<int64_t>();
    CHECK(st[0] == 1);
    CHECK(st[1] == 3);
    geomrt::Result s2 = rt.invoke("test.strided", {{"x", rm}});
    CHECK(s2.tensor("strides").data<int64_t>()[0] == 2);
    CHECK(s.scalar("weighted") == s2.scalar("weighted"));
    // A block of a larger matrix (outer stride 3, not contiguous).
    Eigen::MatrixXd big = Eigen::MatrixXd::Random(3, 5);
    geomrt::Result blk = rt.invoke("test.echo", {{"x", big.block(0, 1, 3, 2)}});
    auto y = blk.matrix("y");
    REQUIRE(y.rows() == 3);
    REQUIRE(y.cols() == 2);
    CHECK(y.isApprox(big.block(0, 1, 3, 2)));
    CHECK(blk.vector("y").size() == 6);
    CHECK(y.data() == blk.tensor("y").data<double>());  // a view of the result, no copy
    CHECK(blk.scalar("sum") == Approx(big.block(0, 1, 3, 2).sum()));
    // A vector and a float32 matrix.
    Eigen::VectorXd w = Eigen::VectorXd::Ones(3);
    geomrt::Result e2 = rt.invoke("test.echo", {{"x", cm}, {"w", w}});
    CHECK(e2.scalar("sum") == Approx(21 + 3));
    Eigen::MatrixXf f = cm.cast<float>();
    CHECK_THROWS_AS(rt.invoke("test.echo", {{"x", f}}), geomrt::Error);  // float32 where float64 is declared
}

TEST_CASE("geomrt.hpp: in-place state is written only on success", "[cpp]") {
    geomrt::Runtime rt = test_runtime();
    std::vector<double> state = {1, 2, 3};
    geomrt::Args a;
    a.set_inplace("state", state.data(), {3}).param("delta", 0.5);
    CHECK(rt.invoke("test.accumulate", a).scalar("total") == Approx(7.5));
    CHECK(state == std::vector<double>({1.5, 2.5, 3.5}));
    a.param("fail", true);
    CHECK_THROWS_AS(rt.invoke("test.accumulate", a), geomrt::Error);
    CHECK(state == std::vector<double>({1.5, 2.5, 3.5}));
}

TEST_CASE("geomrt.hpp: progress callbacks cancel by returning false or throwing; cancel flags stop calls", "[cpp][progress]") {
    geomrt::Runtime rt = test_runtime();
    geomrt::Args a;
    a.param("steps", 50);
    int calls = 0;
    geomrt::CallOptions o;
    o.threads(1).progress([&](double, int64_t, double) { return ++calls < 10; });
    try {
        rt.invoke("test.progress", a, o);
        FAIL("not cancelled");
    } catch (const geomrt::Error &e) {
        CHECK(e.code() == GEOMRT_ECANCELLED);
    }
    CHECK(calls == 10);
    geomrt::CallOptions thrower;
    thrower.progress([](double, int64_t it, double) -> bool {
        if (it == 5) throw std::logic_error("stop at 5");
        return true;
    });
    CHECK_THROWS_WITH(rt.invoke("test.progress", a, thrower), "stop at 5");
    geomrt::CallOptions all;
    all.progress([&](double, int64_t, double) { return true; });
    CHECK(rt.invoke("test.progress", a, all).scalar("done") == 50);
    volatile int flag = 1;
    geomrt::CallOptions flagged;
    flagged.cancel_flag(&flag);
    CHECK_THROWS_AS(rt.invoke("test.progress", a, flagged), geomrt::Error);
}

TEST_CASE("geomrt.hpp: introspection lists methods, slots, parameters and the plugin report", "[cpp]") {
    geomrt::Runtime rt = test_runtime();
    auto methods = rt.methods();
    REQUIRE(methods.size() > 5);
    CHECK(rt.has_method("ot.emd"));
    CHECK_FALSE(rt.has_method("ot.nothing"));
    geomrt::Method m = rt.method("test.echo");
    CHECK(m.name() == "test.echo");
    CHECK(m.summary() == "copy x and sum it");
    REQUIRE(m.inputs().size() == 2);
    CHECK(std::string(m.inputs()[1].name) == "w");
    CHECK((m.inputs()[1].flags & GEOMRT_IO_OPTIONAL) != 0);
    REQUIRE(m.params().size() == 1);
    CHECK(std::string(m.params()[0].default_value) == "1.5");
    CHECK(m.outputs().size() == 3);
    CHECK(m.json().find("\"test.echo\"") != std::string::npos);
    CHECK_FALSE(rt.method("ot.emd").citation().empty());
    auto report = rt.plugin_report();
    REQUIRE(report.size() >= 2);
    for (const auto &p : report) CHECK(p.loaded);
}

TEST_CASE("geomrt.hpp: handles move; one runtime serves several threads", "[cpp][threads]") {
    geomrt::Runtime rt0 = test_runtime();
    geomrt::Runtime rt = std::move(rt0);
    CHECK(rt0.get() == nullptr);
    std::vector<double> x = {1, 2, 3, 4, 5, 6};
    std::atomic<int> bad{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            for (int k = 0; k < 50; ++k) {
                geomrt::Result r = rt.invoke("test.echo", {{"x", geomrt::TensorRef(x.data(), {3, 2})}}, {{"scale", 2}});
                geomrt::Result moved = std::move(r);
                if (moved.scalar("sum") != 21 || moved.scalar("scale") != 2 || r.get() != nullptr) ++bad;
            }
        });
    for (auto &t : ts) t.join();
    CHECK(bad == 0);
}
