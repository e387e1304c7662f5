// Eigen matrices in and out without copies, a progress callback, and a method's descriptor.
// Include <Eigen/Core> before geomrt.hpp to enable the Eigen overloads.
#include <Eigen/Core>

#include <cmath>
#include <cstdio>

#include <geomrt/geomrt.hpp>

int main() try {
    geomrt::Runtime rt;
    const int n = 200, m = 150;
    // Two Gaussian-like clouds from a fixed linear congruential sequence (reproducible).
    unsigned long long s = 42;
    auto next = [&s] { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return ((s >> 11) * 0x1.0p-53) - 0.5; };
    Eigen::MatrixXd xs(n, 2), xt(m, 2);  // column-major: passed with strides {1, n}, no copy
    for (int i = 0; i < n; ++i) xs.row(i) << next(), next();
    for (int j = 0; j < m; ++j) xt.row(j) << next() + 1.0, next();
    Eigen::VectorXd a = Eigen::VectorXd::Constant(n, 1.0 / n), b = Eigen::VectorXd::Constant(m, 1.0 / m);

    int reports = 0;
    geomrt::CallOptions opts;
    opts.threads(2).progress([&](double, int64_t, double) { ++reports; return true; });
    geomrt::Args args({{"xs", xs}, {"xt", xt}, {"a", a}, {"b", b}}, {{"reg", 0.01}, {"tol", 1e-10}});
    geomrt::Result r = rt.invoke("ot.sinkhorn", args, opts);

    auto P = r.matrix("plan");  // n x m row-major view of the result's memory
    const double err = (P.rowwise().sum() - a).lpNorm<1>() + (P.colwise().sum().transpose() - b).lpNorm<1>();
    std::printf("plan %ld x %ld, cost %.8f, marginal error %.2e, %g iterations, %d progress reports\n",
                static_cast<long>(P.rows()), static_cast<long>(P.cols()), r.scalar("cost"), err,
                r.scalar("iterations"), reports);

    geomrt::Method method = rt.method("ot.sinkhorn");
    std::printf("%s: %s\n", method.name().c_str(), method.summary().c_str());
    for (const geomrt_param_info &p : method.params())
        if (std::string(p.name) == "reg" || std::string(p.name) == "tol")
            std::printf("  param %-4s default '%s': %s\n", p.name, p.default_value, p.doc);
    return err < 1e-8 ? 0 : 1;
} catch (const geomrt::Error &e) {
    std::fprintf(stderr, "geomrt error %s: %s\n", e.code_name(), e.what());
    return 1;
}
