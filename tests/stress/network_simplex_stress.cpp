// network_simplex_stress.cpp -- standalone checks and timings for plugins/ot/network_simplex.hpp.
// Built as the program network_simplex_stress (CTest label `stress`, run there with --quick).
//
//   build/bin/network_simplex_stress            # everything (tiny cases, random certificates, POT comparison, timings)
//   build/bin/network_simplex_stress --quick    # no POT, no timings
//
// Optimality is proven on every random problem by a dual certificate: the
// plan is feasible (marginals, >= 0), the duals are feasible for every (i, j),
// complementary on the support, and the primal cost equals a.alpha + b.beta.
// Compile with -DGEOMRT_NS_VALIDATE to also check the tree after every pivot.
#include "network_simplex.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <functional>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

using geomrt::ot::EmdSolution;
using geomrt::ot::EmdStatus;
using geomrt::ot::network_simplex;

namespace {

int g_fail = 0, g_pass = 0;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            ++g_fail;                                                         \
            std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
            std::printf(__VA_ARGS__);                                         \
            std::printf("\n");                                                \
        } else {                                                              \
            ++g_pass;                                                         \
        }                                                                     \
    } while (0)

const char *status_name(EmdStatus s) {
    switch (s) {
    case EmdStatus::Optimal: return "Optimal";
    case EmdStatus::MaxIterReached: return "MaxIterReached";
    case EmdStatus::Infeasible: return "Infeasible";
    case EmdStatus::Cancelled: return "Cancelled";
    }
    return "?";
}

double cpu_now() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Problem {
    int64_t n = 0, m = 0;
    std::vector<double> a, b, C;  // C row-major n x m
    std::string name;
};

struct Dense {
    const double *C;
    int64_t m;
    double operator()(int64_t i, int64_t j) const { return C[i * m + j]; }
};

// full certificate check; returns the worst relative quantities for printing
struct Report {
    double marg = 0, dual_viol = 0, compl_viol = 0, gap_rel = 0;
    bool ok = true;
};

Report certify(const Problem &P, const EmdSolution &s, const char *tag, bool print = false) {
    Report r;
    const int64_t n = P.n, m = P.m;
    double cmax = 0, tot = 0;
    for (double c : P.C) cmax = std::max(cmax, std::fabs(c));
    for (double v : P.a) tot += v;
    const double ctol = 1e-9 * std::max(cmax, 1e-300);

    // plan: sorted, in range, positive, at most n+m-1 entries, marginals
    bool sorted = true, inrange = true, positive = true;
    std::vector<double> rs(n, 0.0), cs(m, 0.0);
    double cost = 0;
    for (size_t t = 0; t < s.flows.size(); ++t) {
        const int64_t i = s.rows[t], j = s.cols[t];
        if (i < 0 || i >= n || j < 0 || j >= m) {
            inrange = false;
            continue;
        }
        if (t > 0 && !(s.rows[t - 1] < i || (s.rows[t - 1] == i && s.cols[t - 1] < j))) sorted = false;
        if (!(s.flows[t] > 0)) positive = false;
        rs[i] += s.flows[t];
        cs[j] += s.flows[t];
        cost += s.flows[t] * P.C[i * m + j];
    }
    CHECK(inrange, "%s: index out of range", tag);
    CHECK(sorted, "%s: support not sorted by (row, col)", tag);
    CHECK(positive, "%s: non-positive flow listed", tag);
    CHECK(s.rows.size() == s.flows.size() && s.cols.size() == s.flows.size(), "%s: sizes", tag);
    CHECK(static_cast<int64_t>(s.flows.size()) <= n + m - 1, "%s: %zu nonzeros > n+m-1=%lld", tag,
          s.flows.size(), static_cast<long long>(n + m - 1));
    for (int64_t i = 0; i < n; ++i) r.marg = std::max(r.marg, std::fabs(rs[i] - P.a[i]));
    for (int64_t j = 0; j < m; ++j) r.marg = std::max(r.marg, std::fabs(cs[j] - P.b[j]));
    CHECK(r.marg <= 1e-12 * std::max(1.0, tot), "%s: marginal error %.3g", tag, r.marg);
    CHECK(std::fabs(cost - s.cost) <= 1e-12 * std::max(std::fabs(cost), cmax * tot) + 1e-300,
          "%s: reported cost %.17g vs recomputed %.17g", tag, s.cost, cost);

    // duals: feasible everywhere, tight on the support, centred
    CHECK(static_cast<int64_t>(s.alpha.size()) == n && static_cast<int64_t>(s.beta.size()) == m,
          "%s: dual sizes", tag);
    if (static_cast<int64_t>(s.alpha.size()) == n && static_cast<int64_t>(s.beta.size()) == m) {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j)
                r.dual_viol = std::max(r.dual_viol, s.alpha[i] + s.beta[j] - P.C[i * m + j]);
        for (size_t t = 0; t < s.flows.size(); ++t) {
            const int64_t i = s.rows[t], j = s.cols[t];
            r.compl_viol = std::max(r.compl_viol, std::fabs(s.alpha[i] + s.beta[j] - P.C[i * m + j]));
        }
        CHECK(r.dual_viol <= ctol, "%s: dual infeasibility %.3g (max|C| %.3g)", tag, r.dual_viol, cmax);
        CHECK(r.compl_viol <= ctol, "%s: complementarity violation %.3g", tag, r.compl_viol);
        double dobj = 0, sa = 0, sb = 0, aa = 0, bb = 0;
        for (int64_t i = 0; i < n; ++i) {
            dobj += P.a[i] * s.alpha[i];
            sa += P.a[i];
            aa += P.a[i] * s.alpha[i];
        }
        for (int64_t j = 0; j < m; ++j) {
            dobj += P.b[j] * s.beta[j];
            sb += P.b[j];
            bb += P.b[j] * s.beta[j];
        }
        const double scale = std::max(std::fabs(cost), 1e-3 * cmax * tot) + 1e-300;
        r.gap_rel = std::fabs(cost - dobj) / scale;
        CHECK(r.gap_rel <= 1e-10, "%s: primal %.17g vs dual %.17g (rel %.3g)", tag, cost, dobj, r.gap_rel);
        // centring: the centring shift of the returned duals is ~0
        const double cc = (bb - aa) / (sa + sb);
        double amax = 1e-300;
        for (double v : s.alpha) amax = std::max(amax, std::fabs(v));
        for (double v : s.beta) amax = std::max(amax, std::fabs(v));
        if (sa + sb > 0)
            CHECK(std::fabs(cc) <= 1e-12 * std::max(amax, cmax), "%s: duals not centred (shift %.3g)", tag, cc);
    }
    r.ok = g_fail == 0;
    if (print)
        std::printf("  %-34s cost=%.15g nnz=%zu it=%lld marg=%.1e dualviol=%.1e compl=%.1e gap=%.1e\n", tag,
                    s.cost, s.flows.size(), static_cast<long long>(s.iterations), r.marg, r.dual_viol,
                    r.compl_viol, r.gap_rel);
    return r;
}

EmdStatus solve(const Problem &P, EmdSolution &s, int threads = 1, int64_t max_iter = 0,
                const std::function<bool()> &stop = {}) {
    Dense d{P.C.data(), P.m};
    return network_simplex(P.n, P.m, P.a.data(), P.b.data(), d, max_iter, threads, s, stop);
}

bool same_solution(const EmdSolution &x, const EmdSolution &y) {
    return x.rows == y.rows && x.cols == y.cols && x.flows == y.flows && x.alpha == y.alpha &&
           x.beta == y.beta && x.cost == y.cost && x.iterations == y.iterations;
}

// ------------------------------------------------------------ tiny cases
Problem make(int64_t n, int64_t m, std::vector<double> a, std::vector<double> b, std::vector<double> C,
             const char *name) {
    Problem P;
    P.n = n;
    P.m = m;
    P.a = std::move(a);
    P.b = std::move(b);
    P.C = std::move(C);
    P.name = name;
    return P;
}

void expect_plan(const Problem &P, const EmdSolution &s, double cost,
                 const std::vector<std::tuple<int64_t, int64_t, double>> &plan) {
    CHECK(std::fabs(s.cost - cost) <= 1e-14 * std::max(1.0, std::fabs(cost)), "%s: cost %.17g expected %.17g",
          P.name.c_str(), s.cost, cost);
    bool same = s.flows.size() == plan.size();
    for (size_t t = 0; same && t < plan.size(); ++t)
        same = s.rows[t] == std::get<0>(plan[t]) && s.cols[t] == std::get<1>(plan[t]) &&
               std::fabs(s.flows[t] - std::get<2>(plan[t])) <= 1e-15;
    CHECK(same, "%s: plan differs from the hand-computed one", P.name.c_str());
}

void tiny_cases() {
    std::printf("[1] tiny hand-computed cases\n");
    {
        Problem P = make(1, 1, {1.0}, {1.0}, {3.0}, "1x1");
        EmdSolution s;
        CHECK(solve(P, s) == EmdStatus::Optimal, "1x1 status");
        expect_plan(P, s, 3.0, {{0, 0, 1.0}});
        CHECK(std::fabs(s.alpha[0] + s.beta[0] - 3.0) < 1e-15, "1x1 duals");
        CHECK(std::fabs(s.alpha[0] - 1.5) < 1e-15 && std::fabs(s.beta[0] - 1.5) < 1e-15,
              "1x1 centred duals %g %g", s.alpha[0], s.beta[0]);
        certify(P, s, "1x1", true);
    }
    {
        Problem P = make(2, 2, {0.5, 0.5}, {0.5, 0.5}, {0, 1, 1, 0}, "2x2 identity");
        EmdSolution s;
        CHECK(solve(P, s) == EmdStatus::Optimal, "2x2 status");
        expect_plan(P, s, 0.0, {{0, 0, 0.5}, {1, 1, 0.5}});
        certify(P, s, "2x2 identity", true);
    }
    {
        Problem P = make(2, 2, {0.5, 0.5}, {0.5, 0.5}, {1, 0, 0, 1}, "2x2 swap");
        EmdSolution s;
        solve(P, s);
        expect_plan(P, s, 0.0, {{0, 1, 0.5}, {1, 0, 0.5}});
        certify(P, s, "2x2 swap", true);
    }
    {
        Problem P = make(2, 2, {0.75, 0.25}, {0.5, 0.5}, {1, 2, 3, 1}, "2x2 nonuniform");
        EmdSolution s;
        solve(P, s);
        // x11=t, x12=.75-t, x21=.5-t, x22=t-.25 ; cost = t+1.5-2t+1.5-3t+t-.25 = 2.75-3t, t=.5
        expect_plan(P, s, 1.25, {{0, 0, 0.5}, {0, 1, 0.25}, {1, 1, 0.25}});
        certify(P, s, "2x2 nonuniform", true);
    }
    {
        Problem P = make(1, 3, {1.0}, {0.25, 0.25, 0.5}, {1, 2, 3}, "1x3");
        EmdSolution s;
        solve(P, s);
        expect_plan(P, s, 0.25 + 0.5 + 1.5, {{0, 0, 0.25}, {0, 1, 0.25}, {0, 2, 0.5}});
        certify(P, s, "1x3", true);
    }
    {
        Problem P = make(3, 1, {0.5, 0.25, 0.25}, {1.0}, {4, -1, 2}, "3x1");
        EmdSolution s;
        solve(P, s);
        expect_plan(P, s, 2.0 - 0.25 + 0.5, {{0, 0, 0.5}, {1, 0, 0.25}, {2, 0, 0.25}});
        certify(P, s, "3x1 (negative cost)", true);
    }
    {
        // zero weights: row 1 and column 0 carry nothing but get feasible duals
        Problem P = make(3, 2, {0.5, 0.0, 0.5}, {0.0, 1.0}, {1, 2, 0, 0, 3, 4}, "zero weights");
        EmdSolution s;
        CHECK(solve(P, s) == EmdStatus::Optimal, "zero weights status");
        expect_plan(P, s, 0.5 * 2 + 0.5 * 4, {{0, 1, 0.5}, {2, 1, 0.5}});
        certify(P, s, "zero weights", true);
    }
    {
        // zero-weight row whose cheapest column is a zero-weight column, and all mass on one pair
        Problem P = make(3, 3, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}, {-5, 7, 1, 2, 2, 9, 3, -1, 0}, "point mass");
        EmdSolution s;
        solve(P, s);
        expect_plan(P, s, 9.0, {{1, 2, 1.0}});
        certify(P, s, "point mass + zero weights", true);
    }
    {
        // all-zero cost: any plan is optimal, duals must sum to 0
        Problem P = make(3, 4, {0.25, 0.25, 0.5}, {0.25, 0.25, 0.25, 0.25}, std::vector<double>(12, 0.0), "zero cost");
        EmdSolution s;
        CHECK(solve(P, s) == EmdStatus::Optimal, "zero cost status");
        CHECK(s.cost == 0.0, "zero cost: %g", s.cost);
        certify(P, s, "all-zero cost", true);
    }
    {
        // all weights zero
        Problem P = make(2, 2, {0.0, 0.0}, {0.0, 0.0}, {1, 2, 3, 4}, "empty mass");
        EmdSolution s;
        CHECK(solve(P, s) == EmdStatus::Optimal, "empty mass status");
        CHECK(s.flows.empty() && s.cost == 0.0, "empty mass plan");
        certify(P, s, "all weights zero", true);
    }
    {
        // unbalanced masses -> Infeasible
        Problem P = make(2, 2, {0.5, 0.5}, {0.5, 0.25}, {1, 2, 3, 4}, "unbalanced");
        EmdSolution s;
        EmdStatus st = solve(P, s);
        CHECK(st == EmdStatus::Infeasible, "unbalanced: %s", status_name(st));
        std::printf("  %-34s status=%s\n", "unbalanced masses", status_name(st));
    }
}

// ------------------------------------------------------------ random problems
enum class CostKind { Uniform, SqEuclid2, SqEuclid3, Integer, Negative };
enum class WeightKind { Uniform, Random, RandomWithZeros, Dyadic };

Problem random_problem(int64_t n, int64_t m, CostKind ck, WeightKind wk, uint64_t seed, std::vector<double> *X = nullptr,
                       std::vector<double> *Y = nullptr) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    Problem P;
    P.n = n;
    P.m = m;
    P.a.resize(n);
    P.b.resize(m);
    auto weights = [&](std::vector<double> &w) {
        for (auto &v : w) {
            switch (wk) {
            case WeightKind::Uniform: v = 1.0; break;
            case WeightKind::Random: v = 0.05 + U(g); break;
            case WeightKind::RandomWithZeros: v = U(g) < 0.2 ? 0.0 : U(g); break;
            case WeightKind::Dyadic: v = static_cast<double>(1 + (g() % 4)); break;
            }
        }
        double s = 0;
        for (double v : w) s += v;
        if (s == 0) {
            w[0] = 1;
            s = 1;
        }
        for (auto &v : w) v /= s;
    };
    weights(P.a);
    weights(P.b);
    if (wk == WeightKind::Dyadic) {
        // small integer masses times 2^-20: exactly balanced, highly degenerate
        int64_t S = 0;
        for (int64_t i = 0; i < n; ++i) {
            const int64_t v = 1 + static_cast<int64_t>(g() % 4);
            P.a[i] = std::ldexp(static_cast<double>(v), -20);
            S += v;
        }
        int64_t rest = S;
        for (int64_t j = 0; j < m; ++j) {
            const int64_t v = (j + 1 == m) ? rest : std::min<int64_t>(rest, static_cast<int64_t>(g() % (2 * S / m + 2)));
            P.b[j] = std::ldexp(static_cast<double>(v), -20);
            rest -= v;
        }
    } else {
        // rebalance b onto sum(a) (caller normalizes)
        double sa = 0, sb = 0;
        for (double v : P.a) sa += v;
        for (double v : P.b) sb += v;
        for (auto &v : P.b) v *= sa / sb;
    }
    P.C.resize(static_cast<size_t>(n * m));
    const int dim = ck == CostKind::SqEuclid3 ? 3 : 2;
    std::vector<double> xs(static_cast<size_t>(n * dim)), ys(static_cast<size_t>(m * dim));
    for (auto &v : xs) v = U(g);
    for (auto &v : ys) v = U(g);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) {
            double c = 0;
            switch (ck) {
            case CostKind::Uniform: c = U(g); break;
            case CostKind::Negative: c = 10.0 * U(g) - 5.0; break;
            case CostKind::Integer: c = static_cast<double>(1 + g() % 8); break;
            case CostKind::SqEuclid2:
            case CostKind::SqEuclid3:
                for (int d = 0; d < dim; ++d) {
                    const double t = xs[i * dim + d] - ys[j * dim + d];
                    c += t * t;
                }
                break;
            }
            P.C[i * m + j] = c;
        }
    if (X) *X = xs;
    if (Y) *Y = ys;
    return P;
}

void random_cases(bool big) {
    std::printf("[2] random problems: certificate of optimality; 2-4 threads give bit-identical results\n");
    struct Sz {
        int64_t n, m;
    };
    std::vector<Sz> sizes = {{5, 5}, {37, 51}, {200, 150}, {1, 40}, {40, 1}, {3, 300}, {257, 2}};
    if (big) sizes.push_back({1000, 1000});
    const CostKind cks[] = {CostKind::Uniform, CostKind::SqEuclid2, CostKind::SqEuclid3, CostKind::Integer,
                            CostKind::Negative};
    const char *ckn[] = {"rand", "sqeuc2", "sqeuc3", "int", "neg"};
    const WeightKind wks[] = {WeightKind::Random, WeightKind::RandomWithZeros, WeightKind::Uniform, WeightKind::Dyadic};
    const char *wkn[] = {"w-rand", "w-zeros", "w-unif", "w-dyadic"};
    uint64_t seed = 1;
    for (const Sz &z : sizes) {
        for (int c = 0; c < 5; ++c) {
            for (int w = 0; w < 4; ++w) {
                if (z.n * z.m >= 1000000 && !((c == 0 && w == 0) || (c == 1 && w == 2) || (c == 3 && w == 1)))
                    continue;
                Problem P = random_problem(z.n, z.m, cks[c], wks[w], seed++);
                char tag[128];
                std::snprintf(tag, sizeof tag, "%lldx%lld %s %s", static_cast<long long>(z.n),
                              static_cast<long long>(z.m), ckn[c], wkn[w]);
                EmdSolution s1, s2;
                EmdStatus st1 = solve(P, s1, 1);
                CHECK(st1 == EmdStatus::Optimal, "%s: status %s", tag, status_name(st1));
                certify(P, s1, tag, z.n * z.m >= 30000 || (z.n == 37 && w == 0));
                const int th = 2 + static_cast<int>(seed % 3);  // 2, 3 or 4 threads
                EmdStatus st2 = solve(P, s2, th);
                CHECK(st2 == st1 && same_solution(s1, s2), "%s: %d threads differ from 1 thread", tag, th);
            }
        }
    }
    // many small problems: stresses degenerate pivots and the tree update
    int small = 0;
    std::mt19937_64 g(777);
    const int before = g_fail;
    for (int t = 0; t < 3000; ++t) {
        const int64_t n = 1 + static_cast<int64_t>(g() % 12), m = 1 + static_cast<int64_t>(g() % 12);
        Problem P = random_problem(n, m, cks[g() % 5], wks[g() % 4], 10000 + t);
        EmdSolution s;
        EmdStatus st = solve(P, s, 1 + static_cast<int>(t & 1));
        CHECK(st == EmdStatus::Optimal, "small %lldx%lld: %s", static_cast<long long>(n), static_cast<long long>(m),
              status_name(st));
        certify(P, s, "small");
        ++small;
    }
    std::printf("  %d small random problems (1..12 x 1..12): %s\n", small, g_fail == before ? "all certified" : "FAILURES");

    // the cost as a callable computing distances on the fly gives the same answer as the matrix
    {
        std::vector<double> X, Y;
        Problem P = random_problem(300, 200, CostKind::SqEuclid2, WeightKind::Random, 4242, &X, &Y);
        const int64_t m = P.m;
        (void)m;
        auto cloud = [&](int64_t i, int64_t j) {
            const double dx = X[2 * i] - Y[2 * j], dy = X[2 * i + 1] - Y[2 * j + 1];
            double c = 0;
            c += dx * dx;
            c += dy * dy;
            return c;
        };
        EmdSolution s1, s2, s3;
        solve(P, s1, 1);
        network_simplex(P.n, P.m, P.a.data(), P.b.data(), cloud, 0, 1, s2);
        network_simplex(P.n, P.m, P.a.data(), P.b.data(), cloud, 0, 2, s3);
        CHECK(same_solution(s1, s2) && same_solution(s1, s3), "point-cloud callable differs from dense matrix");
        std::printf("  point-cloud callable == dense matrix (300x200): %s\n", same_solution(s1, s2) ? "yes" : "NO");
    }
    // max_iter and cancellation
    {
        Problem P = random_problem(100, 120, CostKind::Uniform, WeightKind::Random, 99);
        EmdSolution s;
        EmdStatus st = solve(P, s, 1, 10);
        CHECK(st == EmdStatus::MaxIterReached && s.iterations == 10, "max_iter: %s it=%lld", status_name(st),
              static_cast<long long>(s.iterations));
        Problem Q = random_problem(600, 600, CostKind::Uniform, WeightKind::Random, 98);
        int calls = 0;
        st = solve(Q, s, 1, 0, [&] { return ++calls >= 2; });
        CHECK(st == EmdStatus::Cancelled && calls == 2, "should_stop: %s after %d calls", status_name(st), calls);
        std::printf("  max_iter=10 -> %s; should_stop -> %s after %lld pivots\n", "MaxIterReached",
                    status_name(st), static_cast<long long>(s.iterations));
    }
}

// ------------------------------------------------------------ POT comparison
const char *kPy = R"PY(
import sys, time, json
import numpy as np
import ot
d = sys.argv[1]
cases = [
    ("40x60 rand nonunif", 40, 60, "rand", "rand"),
    ("300x500 sqeuc nonunif", 300, 500, "sqeuc", "rand"),
    ("1000x700 sqeuc3 nonunif", 1000, 700, "sqeuc3", "rand"),
    ("1500x1000 rand nonunif", 1500, 1000, "rand", "rand"),
    ("2000x1200 sqeuc nonunif", 2000, 1200, "sqeuc", "rand"),
    ("2000x2000 sqeuc uniform", 2000, 2000, "sqeuc", "unif"),
]
rng = np.random.default_rng(12345)
out = []
for k, (name, n, m, ck, wk) in enumerate(cases):
    if wk == "unif":
        a = np.full(n, 1.0 / n); b = np.full(m, 1.0 / m)
    else:
        a = rng.random(n) + 0.05; a /= a.sum(); b = rng.random(m) + 0.05; b *= a.sum() / b.sum()
    if ck == "rand":
        M = rng.random((n, m))
    else:
        dim = 3 if ck == "sqeuc3" else 2
        X = rng.random((n, dim)); Y = rng.random((m, dim))
        M = ot.dist(X, Y)  # squared Euclidean
    M = np.ascontiguousarray(M, dtype=np.float64)
    a.astype(np.float64).tofile(f"{d}/case{k}_a.bin"); b.astype(np.float64).tofile(f"{d}/case{k}_b.bin")
    M.tofile(f"{d}/case{k}_M.bin")
    t = time.perf_counter(); c = ot.emd2(a, b, M, numItermax=10**8); t = time.perf_counter() - t
    out.append(dict(name=name, n=n, m=m, cost=float(c), t=t))
# timings of ot.emd on the 2000x2000 uniform problem
k = len(cases) - 1
n = m = 2000
a = np.fromfile(f"{d}/case{k}_a.bin"); b = np.fromfile(f"{d}/case{k}_b.bin"); M = np.fromfile(f"{d}/case{k}_M.bin").reshape(n, m)
tim = {}
for th in (1, "max"):
    wall = []; cpu = []
    for r in range(5 if th == 1 else 3):
        t = time.perf_counter(); c = time.process_time()
        try:
            ot.emd(a, b, M, numItermax=10**8, numThreads=th)
        except TypeError:
            wall = None; break
        wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    tim[str(th)] = wall
    tim["cpu" + str(th)] = cpu
with open(f"{d}/pot.json", "w") as f:
    json.dump(dict(cases=out, timings=tim, version=ot.__version__), f)
)PY";

bool read_bin(const std::string &path, std::vector<double> &v, size_t count) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    v.resize(count);
    f.read(reinterpret_cast<char *>(v.data()), static_cast<std::streamsize>(count * sizeof(double)));
    return static_cast<size_t>(f.gcount()) == count * sizeof(double);
}

// tiny ad-hoc JSON field readers (the file is written by the script above)
std::vector<std::string> json_objects(const std::string &s, const std::string &key) {
    std::vector<std::string> r;
    size_t p = s.find("\"" + key + "\"");
    if (p == std::string::npos) return r;
    p = s.find('[', p);
    size_t e = s.find(']', p);
    size_t q = p;
    while ((q = s.find('{', q)) != std::string::npos && q < e) {
        size_t z = s.find('}', q);
        r.push_back(s.substr(q, z - q + 1));
        q = z;
    }
    return r;
}
double json_num(const std::string &s, const std::string &key) {
    size_t p = s.find("\"" + key + "\":");
    if (p == std::string::npos) return NAN;
    return std::strtod(s.c_str() + p + key.size() + 3, nullptr);
}
std::string json_str(const std::string &s, const std::string &key) {
    size_t p = s.find("\"" + key + "\": \"");
    if (p == std::string::npos) return "";
    p += key.size() + 5;
    return s.substr(p, s.find('"', p) - p);
}
std::vector<double> json_list(const std::string &s, const std::string &key) {
    std::vector<double> r;
    size_t p = s.find("\"" + key + "\": [");
    if (p == std::string::npos) return r;
    p += key.size() + 5;
    size_t e = s.find(']', p);
    while (p < e) {
        char *end;
        double v = std::strtod(s.c_str() + p, &end);
        if (end == s.c_str() + p) break;
        r.push_back(v);
        p = static_cast<size_t>(end - s.c_str());
        while (p < e && (s[p] == ',' || s[p] == ' ')) ++p;
    }
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? NAN : v[v.size() / 2];
}

void time_solver(const Problem &P, const char *label, int reps) {
    for (int threads : {1, 2}) {
        std::vector<double> ts, cs;
        EmdSolution s;
        for (int r = 0; r < reps; ++r) {
            const double t0 = now(), c0 = cpu_now();
            solve(P, s, threads);
            ts.push_back(now() - t0);
            cs.push_back(cpu_now() - c0);
        }
        std::printf("  %-28s threads=%d: wall min %.3f s, median %.3f s; cpu median %.3f s (%d runs, %lld pivots, cost %.15g)\n",
                    label, threads, *std::min_element(ts.begin(), ts.end()), median(ts), median(cs), reps,
                    static_cast<long long>(s.iterations), s.cost);
    }
}

void pot_comparison(bool timings) {
    std::printf("[3] comparison with POT (ot.emd2) and [4] timings\n");
    const std::string dir = "/tmp/nstest_pot";
    const std::string py = dir + "/gen.py";
    if (std::system(("mkdir -p " + dir).c_str()) != 0) {
        std::printf("  SKIP: cannot create %s\n", dir.c_str());
        return;
    }
    {
        std::ofstream f(py);
        f << kPy;
    }
    std::printf("  running /usr/bin/python3 (POT) ...\n");
    std::fflush(stdout);
    if (std::system(("/usr/bin/python3 " + py + " " + dir).c_str()) != 0) {
        std::printf("  SKIP: python3/POT not usable\n");
        return;
    }
    std::ifstream jf(dir + "/pot.json");
    std::string js((std::istreambuf_iterator<char>(jf)), std::istreambuf_iterator<char>());
    std::printf("  POT version %s\n", json_str(js, "version").c_str());
    auto cases = json_objects(js, "cases");
    CHECK(!cases.empty(), "no POT results");
    Problem timing_problem;
    for (size_t k = 0; k < cases.size(); ++k) {
        Problem P;
        P.n = static_cast<int64_t>(json_num(cases[k], "n"));
        P.m = static_cast<int64_t>(json_num(cases[k], "m"));
        P.name = json_str(cases[k], "name");
        const double pot_cost = json_num(cases[k], "cost"), pot_t = json_num(cases[k], "t");
        const std::string base = dir + "/case" + std::to_string(k);
        bool ok = read_bin(base + "_a.bin", P.a, static_cast<size_t>(P.n)) &&
                  read_bin(base + "_b.bin", P.b, static_cast<size_t>(P.m)) &&
                  read_bin(base + "_M.bin", P.C, static_cast<size_t>(P.n * P.m));
        CHECK(ok, "reading %s", base.c_str());
        if (!ok) continue;
        EmdSolution s;
        const double t0 = now();
        EmdStatus st = solve(P, s, 1);
        const double t = now() - t0;
        CHECK(st == EmdStatus::Optimal, "%s: %s", P.name.c_str(), status_name(st));
        const double rel = std::fabs(s.cost - pot_cost) / std::max(std::fabs(pot_cost), 1e-300);
        CHECK(rel <= 1e-9, "%s: cost %.17g vs POT %.17g (rel %.3g)", P.name.c_str(), s.cost, pot_cost, rel);
        std::printf("  %-26s ours %.15g  POT %.15g  rel.diff %.1e  (ours %.3f s, POT emd2 %.3f s)\n",
                    P.name.c_str(), s.cost, pot_cost, rel, t, pot_t);
        certify(P, s, P.name.c_str());
        if (k + 1 == cases.size()) timing_problem = P;
    }
    if (!timings || timing_problem.n == 0) return;
    std::printf("  timings on the POT 2000x2000 problem (uniform 2-D points, sqeuclidean, uniform weights):\n");
    time_solver(timing_problem, "geomrt network_simplex", 7);
    for (const char *th : {"1", "max"}) {
        auto v = json_list(js, th);
        auto c = json_list(js, std::string("cpu") + th);
        if (v.empty())
            std::printf("  %-28s numThreads=%s: not accepted\n", "POT ot.emd", th);
        else
            std::printf("  %-28s numThreads=%s: wall min %.3f s, median %.3f s; cpu median %.3f s (%zu runs)\n",
                        "POT ot.emd", th, *std::min_element(v.begin(), v.end()), median(v), median(c), v.size());
    }
}

void own_timing() {
    std::printf("[4] timing on a freshly generated 2000x2000 problem (uniform 2-D points, sqeuclidean, uniform weights)\n");
    Problem P = random_problem(2000, 2000, CostKind::SqEuclid2, WeightKind::Uniform, 2024);
    time_solver(P, "geomrt network_simplex", 7);
    EmdSolution s;
    solve(P, s, 1);
    certify(P, s, "2000x2000 sqeuc uniform", true);
}

}  // namespace

int main(int argc, char **argv) {
    bool quick = false;
    for (int i = 1; i < argc; ++i)
        if (!std::strcmp(argv[i], "--quick")) quick = true;
#ifdef GEOMRT_NS_VALIDATE
    quick = true;  // the per-pivot tree check is far too slow for the big problems
#endif
    tiny_cases();
    random_cases(!quick);
    if (!quick) {
        pot_comparison(true);
        own_timing();
    }
    std::printf("\n%d checks passed, %d failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
