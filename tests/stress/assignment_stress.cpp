// assignment_stress.cpp -- standalone checks and timings for plugins/ot/assignment.hpp.
// Built as the program assignment_stress (CTest label `stress`, run there with --no-scipy --reps 1).
// By hand: cmake --build build --target assignment_stress && build/bin/assignment_stress
// Options: --no-scipy (skip the SciPy comparison and timing), --reps N (timing repetitions, default 7).
// The SciPy comparison runs Debian's /usr/bin/python3 (numpy + scipy) on matrices written by this program as raw
// little-endian float64 files in a temporary directory.
#include "assignment.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

using geomrt::ot::solve_assignment;

namespace {

int g_fail = 0, g_checks = 0;
double g_worst_feas = 0.0;  // worst dual infeasibility / max|C|
double g_worst_gap = 0.0;   // worst |primal - dual| / scale

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        ++g_checks;                                                        \
        if (!(cond)) {                                                     \
            ++g_fail;                                                      \
            std::printf("FAIL %s:%d: %s -- ", __FILE__, __LINE__, #cond);  \
            std::printf(__VA_ARGS__);                                      \
            std::printf("\n");                                             \
        }                                                                  \
    } while (0)

struct Result {
    bool ok = false;
    std::vector<int64_t> perm;
    std::vector<double> u, v;
    double primal = 0.0;
    double seconds = 0.0;
};

Result run(int64_t n, const std::vector<double> &C) {
    Result r;
    auto t0 = std::chrono::steady_clock::now();
    r.ok = solve_assignment(n, C.data(), r.perm, r.u, r.v);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.ok && (int64_t)r.perm.size() == n) {
        long double s = 0;
        for (int64_t i = 0; i < n; ++i) s += C[i * n + r.perm[i]];
        r.primal = (double)s;
    }
    return r;
}

// Optimality certificate: permutation, dual feasibility, complementary slackness, primal == dual.
bool verify(const char *name, int64_t n, const std::vector<double> &C, const Result &r) {
    int before = g_fail;
    CHECK(r.ok, "%s: solver returned false", name);
    CHECK((int64_t)r.perm.size() == n && (int64_t)r.u.size() == n && (int64_t)r.v.size() == n, "%s: sizes", name);
    if (g_fail != before) return false;
    std::vector<char> seen(n, 0);
    bool isperm = true;
    for (int64_t i = 0; i < n; ++i) {
        if (r.perm[i] < 0 || r.perm[i] >= n || seen[r.perm[i]]) isperm = false;
        else seen[r.perm[i]] = 1;
    }
    CHECK(isperm, "%s: not a permutation", name);
    if (!isperm) return false;
    double maxabs = 0.0;
    for (double c : C) maxabs = std::max(maxabs, std::fabs(c));
    const double scale = std::max(maxabs, 1e-300);
    double worst = 0.0;  // max violation of u_i + v_j <= C_ij
    for (int64_t i = 0; i < n; ++i) {
        const double *row = C.data() + i * n;
        for (int64_t j = 0; j < n; ++j) worst = std::max(worst, r.u[i] + r.v[j] - row[j]);
    }
    double slack = 0.0;
    long double du = 0, dv = 0, absd = 0;
    for (int64_t i = 0; i < n; ++i) {
        slack = std::max(slack, std::fabs(r.u[i] + r.v[r.perm[i]] - C[i * n + r.perm[i]]));
        du += r.u[i];
        dv += r.v[i];
        absd += std::fabs(r.u[i]) + std::fabs(r.v[i]);
    }
    const double dual = (double)(du + dv);
    const double gscale = std::max({std::fabs(r.primal), (double)absd, 1e-300});
    const double gap = std::fabs(r.primal - dual) / gscale;
    g_worst_feas = std::max(g_worst_feas, worst / scale);
    g_worst_gap = std::max(g_worst_gap, gap);
    CHECK(worst <= 1e-12 * scale, "%s: dual infeasible by %.3g (max|C| %.3g)", name, worst, maxabs);
    CHECK(slack <= 1e-12 * scale, "%s: complementary slackness violated by %.3g", name, slack);
    CHECK(gap <= 1e-10, "%s: primal %.17g dual %.17g rel gap %.3g", name, r.primal, dual, gap);
    return g_fail == before;
}

double brute_force(int64_t n, const std::vector<double> &C) {
    std::vector<int64_t> p(n);
    std::iota(p.begin(), p.end(), 0);
    double best = INFINITY;
    do {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += C[i * n + p[i]];
        best = std::min(best, s);
    } while (std::next_permutation(p.begin(), p.end()));
    return best;
}

void check_case(const char *name, int64_t n, const std::vector<double> &C, double expected = NAN) {
    Result r = run(n, C);
    if (!verify(name, n, C, r)) return;
    if (!std::isnan(expected))
        CHECK(std::fabs(r.primal - expected) <= 1e-12 * std::max(1.0, std::fabs(expected)), "%s: cost %.17g expected %.17g",
              name, r.primal, expected);
}

std::vector<double> points_sqeuclid(int64_t n, std::mt19937_64 &rng) {
    std::uniform_real_distribution<double> U(0.0, 1.0);
    std::vector<double> a(2 * n), b(2 * n);
    for (auto &t : a) t = U(rng);
    for (auto &t : b) t = U(rng);
    std::vector<double> C(n * n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            const double dx = a[2 * i] - b[2 * j], dy = a[2 * i + 1] - b[2 * j + 1];
            C[i * n + j] = dx * dx + dy * dy;
        }
    return C;
}

enum Kind { INT_SMALL, INT_LARGE, REAL, SQEUCLID, INT_OFFSET, REAL_NEG };
const char *kind_name(Kind k) {
    switch (k) {
    case INT_SMALL: return "int[0,10)";
    case INT_LARGE: return "int[0,1e6)";
    case REAL: return "real[0,1)";
    case SQEUCLID: return "sqeuclid2d";
    case INT_OFFSET: return "1e12+int[0,100)";
    case REAL_NEG: return "real[-1e3,1e3)";
    }
    return "?";
}

std::vector<double> make(Kind k, int64_t n, std::mt19937_64 &rng) {
    if (k == SQEUCLID) return points_sqeuclid(n, rng);
    std::vector<double> C(n * n);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    for (auto &c : C) {
        switch (k) {
        case INT_SMALL: c = (double)(rng() % 10); break;
        case INT_LARGE: c = (double)(rng() % 1000000); break;
        case REAL: c = U(rng); break;
        case INT_OFFSET: c = 1e12 + (double)(rng() % 100); break;
        case REAL_NEG: c = -1e3 + 2e3 * U(rng); break;
        default: break;
        }
    }
    return C;
}

double median(std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    const size_t m = xs.size();
    return m % 2 ? xs[m / 2] : 0.5 * (xs[m / 2 - 1] + xs[m / 2]);
}

void hand_cases() {
    check_case("n=1", 1, {3.5}, 3.5);
    check_case("n=1 negative", 1, {-7.0}, -7.0);
    check_case("2x2", 2, {1, 2, 3, 4}, 5);
    check_case("2x2 anti", 2, {5, 1, 1, 5}, 2);
    check_case("2x2 ties", 2, {1, 1, 1, 1}, 2);
    check_case("3x3 classic", 3, {4, 1, 3, 2, 0, 5, 3, 2, 2}, 5);
    check_case("3x3 all equal", 3, std::vector<double>(9, 2.0), 6.0);
    check_case("4x4", 4, {9, 2, 7, 8, 6, 4, 3, 7, 5, 8, 1, 8, 7, 6, 9, 4}, 13);
    check_case("3x3 offset", 3, {1e15 + 4, 1e15 + 1, 1e15 + 3, 1e15 + 2, 1e15, 1e15 + 5, 1e15 + 3, 1e15 + 2, 1e15 + 2},
               3e15 + 5);
    check_case("3x3 negative", 3, {-4, -1, -3, -2, 0, -5, -3, -2, -2}, -11);
    // all rows identical -> every column minimum is in row 0 (column reduction assigns one column only)
    {
        const int64_t n = 50;
        std::vector<double> C(n * n);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * n + j] = (double)j;
        check_case("identical rows", n, C, n * (n - 1) / 2.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * n + j] = (double)i;
        check_case("identical cols", n, C, n * (n - 1) / 2.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * n + j] = (double)(i * j);  // rearrangement: anti-identity optimal
        double e = 0;
        for (int64_t i = 0; i < n; ++i) e += (double)(i * (n - 1 - i));
        check_case("i*j", n, C, e);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * n + j] = (i == j) ? 1.0 : 0.0;  // derangement: 0
        check_case("identity cost", n, C, 0.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) C[i * n + j] = std::fabs((double)(i - j)) * 1e-9 + 1e6;
        check_case("tiny diffs on offset", n, C, n * 1e6);
    }
    // brute force on small random instances
    std::mt19937_64 rng(12345);
    for (int trial = 0; trial < 400; ++trial) {
        const int64_t n = 1 + trial % 7;
        Kind k = (Kind)(trial % 6);
        std::vector<double> C = make(k, n, rng);
        char name[64];
        std::snprintf(name, sizeof name, "brute n=%lld %s #%d", (long long)n, kind_name(k), trial);
        check_case(name, n, C, brute_force(n, C));
    }
}

void cancellation() {
    std::mt19937_64 rng(7);
    const int64_t n = 1000;
    std::vector<double> C = points_sqeuclid(n, rng);  // leaves a few hundred rows for the shortest-path phase
    std::vector<int64_t> perm;
    std::vector<double> u, v;
    bool ok = solve_assignment(n, C.data(), perm, u, v, [] { return true; });
    CHECK(!ok && perm.empty() && u.empty() && v.empty(), "immediate cancel");
    int calls = 0;
    ok = solve_assignment(n, C.data(), perm, u, v, [&calls] {
        ++calls;
        return false;
    });
    CHECK(ok, "never cancel");
    const int total_calls = calls;
    CHECK(total_calls >= 3, "should_stop polled only %d times", total_calls);
    Result r;
    r.ok = ok;
    r.perm = perm;
    r.u = u;
    r.v = v;
    for (int64_t i = 0; i < n; ++i) r.primal += C[i * n + perm[i]];
    verify("never-cancel result", n, C, r);
    // cancel at the last poll: must still return false with cleared outputs
    calls = 0;
    ok = solve_assignment(n, C.data(), perm, u, v, [&calls, total_calls] { return ++calls >= total_calls; });
    CHECK(!ok && perm.empty() && u.empty() && v.empty() && calls == total_calls, "cancel at last poll (calls=%d)", calls);
    std::printf("cancellation: should_stop polled %d times for n=%lld sqeuclid costs\n", total_calls, (long long)n);
    std::vector<int64_t> p0;
    ok = solve_assignment(0, nullptr, p0, u, v);
    CHECK(ok && p0.empty() && u.empty() && v.empty(), "n = 0");
    // non-finite costs are rejected (where detected) rather than looping
    for (double bad : {INFINITY, -INFINITY}) {
        std::vector<double> B = make(REAL, 50, rng);
        for (int64_t i = 0; i < 50; ++i) B[i * 50 + 7] = bad;  // a whole column
        bool threw = false;
        try {
            solve_assignment(50, B.data(), p0, u, v);
        } catch (const std::invalid_argument &) {
            threw = true;
        }
        CHECK(threw, "non-finite column %g not rejected", bad);
    }
    {
        std::vector<double> B = make(REAL, 50, rng);
        for (int64_t j = 0; j < 50; ++j) B[3 * 50 + j] = NAN;  // a whole row of NaN
        bool threw = false;
        try {
            solve_assignment(50, B.data(), p0, u, v);
        } catch (const std::invalid_argument &) {
            threw = true;
        }
        CHECK(threw, "NaN row not rejected");
    }
}

struct Pending {
    std::string path, label;
    int64_t n;
    int reps;
    double ours_cost;
    std::vector<double> ours_times;
};

std::string g_tmpdir;

void write_matrix(const std::string &path, const std::vector<double> &C) {
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) {
        std::perror(path.c_str());
        std::exit(2);
    }
    std::fwrite(C.data(), sizeof(double), C.size(), f);
    std::fclose(f);
}

const char *kPython = R"PY(
import sys, time
import numpy as np
from scipy.optimize import linear_sum_assignment
out = []
for line in open(sys.argv[1]):
    path, n, reps = line.split()
    n = int(n); reps = int(reps)
    C = np.fromfile(path, dtype='<f8').reshape(n, n)
    times = []
    for _ in range(max(reps, 1)):
        t0 = time.perf_counter()
        r, c = linear_sum_assignment(C)
        times.append(time.perf_counter() - t0)
    cost = float(C[r, c].sum())
    out.append('%r %s' % (cost, ' '.join('%r' % t for t in times)))
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
)PY";

bool run_scipy(std::vector<Pending> &jobs, std::vector<std::pair<double, std::vector<double>>> &res) {
    const std::string script = g_tmpdir + "/lsa.py", manifest = g_tmpdir + "/manifest.txt", results = g_tmpdir + "/results.txt";
    FILE *f = std::fopen(script.c_str(), "w");
    std::fputs(kPython, f);
    std::fclose(f);
    f = std::fopen(manifest.c_str(), "w");
    for (auto &j : jobs) std::fprintf(f, "%s %lld %d\n", j.path.c_str(), (long long)j.n, j.reps);
    std::fclose(f);
    const std::string cmd = "/usr/bin/python3 " + script + " " + manifest + " " + results;
    if (std::system(cmd.c_str()) != 0) return false;
    f = std::fopen(results.c_str(), "r");
    if (!f) return false;
    char buf[1 << 14];
    while (std::fgets(buf, sizeof buf, f)) {
        char *p = buf;
        std::pair<double, std::vector<double>> r;
        r.first = std::strtod(p, &p);
        for (;;) {
            char *q;
            double t = std::strtod(p, &q);
            if (q == p) break;
            r.second.push_back(t);
            p = q;
        }
        res.push_back(r);
    }
    std::fclose(f);
    return res.size() == jobs.size();
}

}  // namespace

int main(int argc, char **argv) {
    bool scipy = true;
    int reps = 7;
    for (int a = 1; a < argc; ++a) {
        if (!std::strcmp(argv[a], "--no-scipy")) scipy = false;
        else if (!std::strcmp(argv[a], "--reps") && a + 1 < argc) reps = std::atoi(argv[++a]);
    }
    char tmpl[] = "/tmp/geomrt_lsa_XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        return 2;
    }
    g_tmpdir = tmpl;

    hand_cases();
    std::printf("hand/brute-force cases: %d checks, %d failures\n", g_checks, g_fail);
    cancellation();

    // random instances, optimality certificate for each; some sent to SciPy
    std::vector<Pending> jobs;
    std::mt19937_64 rng(2024);
    const int64_t sizes[] = {1, 2, 3, 10, 100, 500, 2000};
    const Kind kinds[] = {INT_SMALL, INT_LARGE, REAL, SQEUCLID, INT_OFFSET, REAL_NEG};
    for (int64_t n : sizes) {
        for (Kind k : kinds) {
            const int seeds = n <= 100 ? 5 : (n <= 500 ? 2 : 1);
            for (int s = 0; s < seeds; ++s) {
                std::vector<double> C = make(k, n, rng);
                Result r = run(n, C);
                char name[96];
                std::snprintf(name, sizeof name, "random n=%lld %s seed %d", (long long)n, kind_name(k), s);
                bool good = verify(name, n, C, r);
                if (n >= 100) std::printf("  %-40s %s  %.4f s\n", name, good ? "ok" : "FAILED", r.seconds);
                if (scipy && s == 0 && n >= 3) {
                    Pending p;
                    p.path = g_tmpdir + "/c" + std::to_string(jobs.size()) + ".bin";
                    p.label = name;
                    p.n = n;
                    p.reps = 1;
                    p.ours_cost = r.primal;
                    write_matrix(p.path, C);
                    jobs.push_back(p);
                }
            }
        }
    }
    std::printf("after random instances: %d checks, %d failures; worst dual infeasibility %.3g*max|C|, worst rel gap %.3g\n",
                g_checks, g_fail, g_worst_feas, g_worst_gap);

    // SciPy cost comparison on the random instances above
    bool scipy_ok = false;
    if (scipy) {
        std::vector<std::pair<double, std::vector<double>>> res;
        if (!run_scipy(jobs, res)) {
            std::printf("SciPy comparison could not run (python3/numpy/scipy missing?)\n");
            ++g_fail;
        } else {
            scipy_ok = true;
            double worst = 0.0;
            for (size_t k = 0; k < jobs.size(); ++k) {
                const double a = jobs[k].ours_cost, b = res[k].first;
                const double rel = std::fabs(a - b) / std::max(std::fabs(b), 1e-300);
                worst = std::max(worst, (a == b) ? 0.0 : rel);
                CHECK(a == b || rel <= 1e-12, "%s: ours %.17g scipy %.17g rel %.3g", jobs[k].label.c_str(), a, b, rel);
            }
            std::printf("SciPy cost comparison: %zu instances (n = 3..2000), worst relative difference %.3g\n",
                        jobs.size(), worst);
        }
    }

    // timing: n = 2000, uniform 2-D points in [0,1]^2, squared Euclidean; a few instances, repetitions interleaved
    // with SciPy (one python process per round, timing linear_sum_assignment only) so that load changes on the
    // machine hit both alike
    const int64_t nt = 2000;
    const int ninst = 3;
    std::vector<Pending> tjobs;
    std::vector<std::vector<double>> mats;
    for (int s = 0; s < ninst; ++s) {
        std::mt19937_64 trng(1000 + s);
        mats.push_back(points_sqeuclid(nt, trng));
        Pending p;
        p.n = nt;
        p.reps = 1;
        p.label = "sqeuclid n=2000 instance " + std::to_string(s);
        p.path = g_tmpdir + "/t" + std::to_string(s) + ".bin";
        if (scipy_ok) write_matrix(p.path, mats.back());
        tjobs.push_back(p);
    }
    std::vector<std::vector<double>> sc_times(ninst);
    std::vector<double> ours_all, sc_all;
    for (int r = 0; r < reps; ++r) {
        for (int s = 0; s < ninst; ++s) {
            Result res = run(nt, mats[s]);
            if (r == 0) {
                verify(tjobs[s].label.c_str(), nt, mats[s], res);
                tjobs[s].ours_cost = res.primal;
            }
            tjobs[s].ours_times.push_back(res.seconds);
            ours_all.push_back(res.seconds);
        }
        if (scipy_ok) {
            std::vector<std::pair<double, std::vector<double>>> res;
            if (!run_scipy(tjobs, res)) {
                std::printf("SciPy timing run failed\n");
                ++g_fail;
                scipy_ok = false;
                continue;
            }
            for (int s = 0; s < ninst; ++s) {
                const double a = tjobs[s].ours_cost, b = res[s].first;
                CHECK(a == b || std::fabs(a - b) <= 1e-12 * std::fabs(b), "%s: ours %.17g scipy %.17g",
                      tjobs[s].label.c_str(), a, b);
                sc_times[s].push_back(res[s].second.at(0));
                sc_all.push_back(res[s].second.at(0));
            }
        }
    }
    for (int s = 0; s < ninst; ++s) {
        std::printf("  timing %s: ours median %.4f s (min %.4f)", tjobs[s].label.c_str(), median(tjobs[s].ours_times),
                    *std::min_element(tjobs[s].ours_times.begin(), tjobs[s].ours_times.end()));
        if (scipy_ok)
            std::printf(", scipy median %.4f s (min %.4f)", median(sc_times[s]),
                        *std::min_element(sc_times[s].begin(), sc_times[s].end()));
        std::printf(", %d reps\n", reps);
    }
    if (scipy_ok) {
        const double mo = median(ours_all), ms = median(sc_all);
        std::printf("TIMING n=2000 sqeuclid (median of %zu runs each): ours %.4f s, scipy %.4f s, speedup %.1fx\n",
                    ours_all.size(), mo, ms, ms / mo);
    } else {
        std::printf("TIMING n=2000 sqeuclid (median of %zu runs): ours %.4f s\n", ours_all.size(), median(ours_all));
    }
    std::string rm = "rm -rf " + g_tmpdir;
    if (std::system(rm.c_str()) != 0) std::printf("could not remove %s\n", g_tmpdir.c_str());

    std::printf("%s: %d checks, %d failures\n", g_fail ? "FAILED" : "PASSED", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
