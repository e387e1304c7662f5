// Eight threads call ot.sinkhorn and ot.emd on one runtime at once; results equal serial calls bit for bit.
#include <thread>

#include "../common.hpp"

using namespace gt;

namespace {
struct Outcome {
    std::vector<double> plan;
    double cost;
};

Outcome solve(geomrt_runtime *rt, const char *method, const Mat &xs, const Mat &xt, const std::vector<double> &a,
              const std::vector<double> &b) {
    geomrt_args *args = nullptr;
    Outcome o{{}, 0};
    if (geomrt_args_new(&args) != GEOMRT_OK) return o;
    int64_t sx[2] = {xs.rows, xs.cols}, st[2] = {xt.rows, xt.cols}, sa[1] = {xs.rows}, sb[1] = {xt.rows};
    geomrt_args_set_f64(args, "xs", xs.v.data(), 2, sx);
    geomrt_args_set_f64(args, "xt", xt.v.data(), 2, st);
    geomrt_args_set_f64(args, "a", a.data(), 1, sa);
    geomrt_args_set_f64(args, "b", b.data(), 1, sb);
    if (std::string(method) == "ot.sinkhorn") geomrt_args_set_param_f64(args, "reg", 0.05);
    geomrt_call_options opt = GEOMRT_CALL_OPTIONS_INIT;
    opt.num_threads = 1;
    geomrt_result *r = nullptr;
    if (geomrt_invoke(&r, rt, method, args, &opt) == GEOMRT_OK) {
        o.plan.resize(static_cast<size_t>(xs.rows * xt.rows));
        geomrt_result_copy_f64(r, "plan", o.plan.data(), xs.rows * xt.rows);
        geomrt_result_scalar(r, "cost", &o.cost);
    }
    geomrt_result_free(r);
    geomrt_args_free(args);
    return o;
}
}  // namespace

TEST_CASE("eight threads calling ot.sinkhorn and ot.emd get the serial results", "[threads]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(7);
    Mat xs = uniform_points(g, 60, 2), xt = uniform_points(g, 50, 2);
    auto a = random_weights(g, 60), b = random_weights(g, 50);
    const Outcome ref_s = solve(rt.get(), "ot.sinkhorn", xs, xt, a, b);
    const Outcome ref_e = solve(rt.get(), "ot.emd", xs, xt, a, b);
    REQUIRE(ref_s.plan.size() == 3000);
    REQUIRE(ref_e.plan.size() == 3000);
    std::vector<Outcome> got(16);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int k = 0; k < 2; ++k)
                got[2 * t + k] = solve(rt.get(), (t + k) % 2 ? "ot.emd" : "ot.sinkhorn", xs, xt, a, b);
        });
    for (auto &th : threads) th.join();
    for (int t = 0; t < 8; ++t)
        for (int k = 0; k < 2; ++k) {
            const Outcome &ref = (t + k) % 2 ? ref_e : ref_s;
            CHECK(got[2 * t + k].cost == ref.cost);
            CHECK(got[2 * t + k].plan == ref.plan);
        }
}
