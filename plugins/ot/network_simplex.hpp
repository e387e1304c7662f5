// network_simplex.hpp -- exact optimal transport (transportation problem) by the
// primal network simplex method with block-search pivoting. Header-only, C++17.
//
// Formulation. Nodes 0..n-1 are the supplies (a), nodes n..n+m-1 the demands
// (b), node n+m an artificial root. Real arcs i -> n+j (all pairs, implicit,
// index k = i*m + j) are uncapacitated, cost C(i,j) from the callable. The
// starting basis joins every node to the root with an artificial arc: i -> root
// for supplies and zero-weight demands, root -> n+j for demands with b_j > 0.
//
// Big-M without rounding trouble: an artificial arc costs M with M a symbolic,
// infinitely large number. Every tree path to the root has exactly one
// artificial arc (they all touch the root), so each potential is
// pi_u = s_u * M + x_u with s_u = +-1. The solver keeps x_u (double) and
// K_u = s_u * H (H a power of two far above any |x|); a reduced cost is
// evaluated as (c + x_i - x_j) + (K_i - K_j), which is exact in its M part and
// as accurate as c + x_i - x_j in the rest. Artificial arcs are never priced
// back in once they leave the basis.
//
// Tree: parent / thread (preorder) / reverse thread / subtree size / last
// successor arrays; the direction (up = child -> parent) and the flow of each
// node's arc to its parent. Leaving arc by the strongly-feasible-tree rule
// (last blocking arc of the cycle, traversed from the apex in the direction of
// the entering arc), so degenerate pivots cannot cycle.
//
// Entering arc: block search (block = max(sqrt(n m), 10) arcs, cyclic; the
// most negative reduced cost of the first block that has one below -tol,
// tol = 1e-14 max|C|). The scan of a block walks rows of the cost callable
// with SSE2 (a vector minimum per 64 arcs, a scalar rescan of improving chunks
// only). Every 4096 pivots, and before optimality is declared, the potentials
// are recomputed exactly from the tree so that rounding drift cannot build up.
//
// Threads: when a search has failed GEOMRT_NS_PARALLEL_AFTER blocks in a row,
// the rest of the sweep is handed out block by block (atomic ticket) to the
// calling thread and the workers; the answer is the lowest-numbered block that
// holds a candidate, exactly what the sequential sweep returns, so the pivot
// sequence and the result are identical for any thread count. Workers spin
// briefly after a sweep and otherwise sleep; the calling thread never waits
// for a worker that has not claimed a block.
//
// Statuses: Optimal (plan, duals and cost as documented); Infeasible (the
// masses do not balance: an artificial arc keeps > 1e-9 * total); for
// MaxIterReached / Cancelled the outputs describe the last basis (its real
// arcs and potentials), which need not satisfy the marginals.
//
// Costs are finite or +inf; a +inf arc is absent (its reduced cost is never negative, so it
// never enters the basis; max|C| is taken over the finite costs), and a problem whose masses
// cannot be moved without one ends Infeasible. Node indices are int32 (n + m < 2^31).
#ifndef GEOMRT_OT_NETWORK_SIMPLEX_HPP
#define GEOMRT_OT_NETWORK_SIMPLEX_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>
#ifdef GEOMRT_NS_VALIDATE
#include <cstdio>
#include <cstdlib>
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifndef GEOMRT_NS_PARALLEL_AFTER
#define GEOMRT_NS_PARALLEL_AFTER 4
#endif
#ifndef GEOMRT_NS_NOINLINE
#define GEOMRT_NS_NOINLINE
#endif

namespace geomrt::ot {

enum class EmdStatus { Optimal, MaxIterReached, Infeasible, Cancelled };

struct EmdSolution {
    // nonzero flows of the optimal plan, sorted by (row, col); at most n+m-1 entries
    std::vector<int64_t> rows, cols;
    std::vector<double> flows;
    // dual potentials: alpha_i + beta_j <= C(i,j), equality on the support;
    // centred: c = (beta.b - alpha.a)/(sum a + sum b); alpha += c; beta -= c
    std::vector<double> alpha, beta;
    double cost = 0;         // sum flow * C(i,j)
    int64_t iterations = 0;  // simplex pivots
};

namespace detail {

template <class Cost>
class NetworkSimplexSolver {
public:
    using node_t = int32_t;

    NetworkSimplexSolver(int64_t n, int64_t m, const double *a, const double *b, const Cost &cost, int threads)
        : n_(n), m_(m), nn_(n + m + 1), root_(static_cast<node_t>(n + m)), a_(a), b_(b), cost_(cost),
          threads_(clamp_threads(threads)) {}
    ~NetworkSimplexSolver() { stop_workers(); }
    NetworkSimplexSolver(const NetworkSimplexSolver &) = delete;
    NetworkSimplexSolver &operator=(const NetworkSimplexSolver &) = delete;

    EmdStatus solve(int64_t max_iter, EmdSolution &out, const std::function<bool()> &should_stop) {
        init();
        EmdStatus status = EmdStatus::Optimal;
        bool fresh = true;  // potentials recomputed exactly from the tree since the last pivot
        int64_t it = 0, next_check = kCheckEvery;
        int guard = 0;
        for (;;) {
            if (max_iter > 0 && it >= max_iter) {
                status = EmdStatus::MaxIterReached;
                break;
            }
            if (it >= next_check) {
                next_check = it + kCheckEvery;
                if (should_stop && should_stop()) {
                    status = EmdStatus::Cancelled;
                    break;
                }
            }
            int64_t ei, ej;
            if (!find_entering(ei, ej)) {
                if (!fresh) {  // confirm optimality with drift-free potentials
                    refresh_potentials();
                    fresh = true;
                    continue;
                }
                break;
            }
            if (is_tree_arc(ei, ej)) {
                // rounding drift made a basic arc look attractive: recompute and,
                // if that is not enough, loosen the tolerance.
                if (fresh) tol_ = tol_ > 0 ? tol_ * 4 : std::numeric_limits<double>::min();
                refresh_potentials();
                fresh = true;
                if (++guard > 200) break;
                continue;
            }
            guard = 0;
            pivot(ei, ej);
#ifdef GEOMRT_NS_VALIDATE
            check_tree();
#endif
            fresh = false;
            ++it;
            if ((it & (kRefreshEvery - 1)) == 0) {
                refresh_potentials();
                fresh = true;
            }
        }
        stop_workers();
        if (!fresh) refresh_potentials();
        out.iterations = it;
        return finish(status, out);
    }

private:
    // more workers than hardware threads only adds contention (the result does
    // not depend on the count anyway)
    static int clamp_threads(int threads) {
        const unsigned hw = std::thread::hardware_concurrency();
        int t = std::max(1, threads);
        if (hw > 0) t = std::min<int>(t, static_cast<int>(hw));
        return t;
    }

    static constexpr int64_t kCheckEvery = 2048;
    static constexpr int64_t kRefreshEvery = 4096;
    static constexpr int64_t kSub = 64;

    // ------------------------------------------------------------------ setup
    void init() {
        const size_t N = static_cast<size_t>(nn_);
        parent_.assign(N, -1);
        thread_.resize(N);
        rev_.resize(N);
        succ_.assign(N, 1);
        last_.resize(N);
        up_.assign(N, 1);
        flow_.assign(N, 0.0);
        x_.assign(N, 0.0);
        K_.assign(N, 0.0);
        zneg_.assign(static_cast<size_t>(m_), 0.0);
        zpos_.assign(static_cast<size_t>(m_), 0.0);
        supply_.assign(N, 0.0);

        // max |C| (tolerance and the size of the symbolic M)
        double cmax = max_abs_cost();
        cmax_ = cmax;
        tol_ = 1e-14 * cmax;
        double bound = 4.0 * static_cast<double>(nn_) * (cmax > 0 ? cmax : 1.0) + 1.0;
        int e;
        std::frexp(bound, &e);
        H_ = std::ldexp(1.0, e + 2);

        double maxw = 0;
        total_a_ = 0;
        total_b_ = 0;
        for (int64_t i = 0; i < n_; ++i) {
            supply_[i] = a_[i];
            total_a_ += a_[i];
            maxw = std::max(maxw, std::fabs(a_[i]));
        }
        for (int64_t j = 0; j < m_; ++j) {
            supply_[n_ + j] = -b_[j];
            total_b_ += b_[j];
            maxw = std::max(maxw, std::fabs(b_[j]));
        }
        maxw_ = maxw;

        const node_t r = root_;
        for (node_t u = 0; u < r; ++u) {
            parent_[u] = r;
            thread_[u] = u + 1;
            rev_[u] = u - 1;
            last_[u] = u;
            succ_[u] = 1;
            if (supply_[u] >= 0) {  // u -> root, pi_u = -M
                up_[u] = 1;
                flow_[u] = supply_[u];
                K_[u] = -H_;
            } else {  // root -> u, pi_u = +M
                up_[u] = 0;
                flow_[u] = -supply_[u];
                K_[u] = H_;
            }
        }
        thread_[r] = r == 0 ? r : 0;
        if (r > 0) {
            rev_[0] = r;
            thread_[r - 1] = r;
        }
        rev_[r] = r > 0 ? r - 1 : r;
        last_[r] = r > 0 ? r - 1 : r;
        succ_[r] = static_cast<node_t>(nn_);
        parent_[r] = -1;
        for (node_t v = static_cast<node_t>(n_); v < r; ++v) set_z(v);

        const double arcs = static_cast<double>(n_) * static_cast<double>(m_);
        block_ = std::max<int64_t>(static_cast<int64_t>(std::ceil(std::sqrt(arcs))), 10);
        block_ = std::min<int64_t>(block_, n_ * m_);
        pos_i_ = 0;
        pos_j_ = 0;

        if (threads_ > 1 && n_ * m_ >= kParallelMinArcs && n_ * m_ >= 4 * block_) start_workers();
    }

    double max_abs_cost() const {
        double cm = 0;
        for (int64_t i = 0; i < n_; ++i) {
            int64_t j = 0;
            double r = 0;
#if defined(__SSE2__)
            const __m128d sign = _mm_set1_pd(-0.0), inf = _mm_set1_pd(std::numeric_limits<double>::infinity());
            __m128d v0 = _mm_setzero_pd(), v1 = v0;
            for (; j + 4 <= m_; j += 4) {
                const __m128d c0 = _mm_set_pd(static_cast<double>(cost_(i, j + 1)), static_cast<double>(cost_(i, j)));
                const __m128d c1 =
                    _mm_set_pd(static_cast<double>(cost_(i, j + 3)), static_cast<double>(cost_(i, j + 2)));
                const __m128d a0 = _mm_andnot_pd(sign, c0), a1 = _mm_andnot_pd(sign, c1);
                // +inf costs (absent arcs) count as 0
                v0 = _mm_max_pd(_mm_and_pd(a0, _mm_cmplt_pd(a0, inf)), v0);
                v1 = _mm_max_pd(_mm_and_pd(a1, _mm_cmplt_pd(a1, inf)), v1);
            }
            v0 = _mm_max_pd(v0, v1);
            v0 = _mm_max_sd(v0, _mm_unpackhi_pd(v0, v0));
            r = _mm_cvtsd_f64(v0);
#endif
            for (; j < m_; ++j) {
                const double c = std::fabs(static_cast<double>(cost_(i, j)));
                r = c > r && c < std::numeric_limits<double>::infinity() ? c : r;
            }
            cm = std::max(cm, r);
        }
        return cm;
    }

    // ---------------------------------------------------------------- pricing
    // Reduced cost of arc i -> j as the scan evaluates it: (c + x_i) - z_j with
    // z = zneg_ for rows with K_i = -H and zpos_ for K_i = +H, where
    // z_j = x_j + (K_j - K_i) is x_j exactly when the signs agree and x_j +- 2H
    // (sign-correct, dominant) otherwise.
    inline const double *zrow(int64_t i) const { return K_[i] < 0 ? zneg_.data() : zpos_.data(); }
    inline void set_z(node_t v) {
        const size_t j = static_cast<size_t>(v - n_);
        zneg_[j] = x_[v] + (K_[v] + H_);
        zpos_[j] = x_[v] + (K_[v] - H_);
    }

    // scan arcs (i, j0..j1-1); keep the first strictly smallest reduced cost (< best)
    inline double scan_row(int64_t i, int64_t j0, int64_t j1, double best, int64_t &bk) const {
        const double xi = x_[i];
        const double *z = zrow(i);
        int64_t bj = -1;
        int64_t j = j0;
#if defined(__SSE2__)
        // sub-chunks of kSub arcs: a vectorized minimum, and a scalar rescan
        // (same arithmetic, so the same values) only when the chunk improves
        const __m128d vxi = _mm_set1_pd(xi);
        for (; j + kSub <= j1; j += kSub) {
            __m128d v0 = _mm_set1_pd(best), v1 = v0;
            for (int64_t t = j; t < j + kSub; t += 4) {
                const __m128d c0 = _mm_set_pd(static_cast<double>(cost_(i, t + 1)), static_cast<double>(cost_(i, t)));
                const __m128d c1 =
                    _mm_set_pd(static_cast<double>(cost_(i, t + 3)), static_cast<double>(cost_(i, t + 2)));
                v0 = _mm_min_pd(_mm_sub_pd(_mm_add_pd(c0, vxi), _mm_loadu_pd(z + t)), v0);
                v1 = _mm_min_pd(_mm_sub_pd(_mm_add_pd(c1, vxi), _mm_loadu_pd(z + t + 2)), v1);
            }
            v0 = _mm_min_pd(v0, v1);
            v0 = _mm_min_sd(v0, _mm_unpackhi_pd(v0, v0));
            if (_mm_cvtsd_f64(v0) < best) {
                for (int64_t t = j; t < j + kSub; ++t) {
                    const double r = (static_cast<double>(cost_(i, t)) + xi) - z[t];
                    if (r < best) {
                        best = r;
                        bj = t;
                    }
                }
            }
        }
#endif
        for (; j < j1; ++j) {
            const double r = (static_cast<double>(cost_(i, j)) + xi) - z[j];
            if (r < best) {
                best = r;
                bj = j;
            }
        }
        if (bj >= 0) bk = i * m_ + bj;
        return best;
    }

    // scan `count` arcs from linear position `start` (cyclic), threshold best
    double scan_span(int64_t start, int64_t count, double best, int64_t &bk) const {
        int64_t i = start / m_, j = start - i * m_;
        while (count > 0) {
            int64_t j1 = std::min<int64_t>(m_, j + count);
            best = scan_row(i, j, j1, best, bk);
            count -= j1 - j;
            j = j1;
            if (j == m_) {
                j = 0;
                if (++i == n_) i = 0;
            }
        }
        return best;
    }

    // Entering arc: scan blocks of block_ arcs cyclically from the saved
    // position; the first block holding an arc with reduced cost < -tol gives
    // its (first) most negative arc. After parallel_after_ blocks failed, the
    // rest of the sweep is shared with the worker threads block by block; the
    // answer is the lowest-numbered block with a candidate, exactly as in the
    // sequential sweep.
    GEOMRT_NS_NOINLINE bool find_entering(int64_t &ei, int64_t &ej) {
        const int64_t total = n_ * m_;
        const int64_t start = pos_i_ * m_ + pos_j_;
        int64_t done = 0;  // arcs scanned so far in this search
        int64_t nblocks = 0;
        while (done < total) {
            const int64_t left = total - done;
            if (!workers_.empty() && nblocks >= parallel_after_ && left > block_) {
                int64_t found_end = 0, bk = -1;
                if (parallel_sweep((start + done) % total, left, bk, found_end)) {
                    set_pos((start + done + found_end) % total);
                    ei = bk / m_;
                    ej = bk - ei * m_;
                    return true;
                }
                return false;
            }
            const int64_t cnt = std::min<int64_t>(block_, left);
            int64_t bk = -1;
            scan_span((start + done) % total, cnt, -tol_, bk);
            done += cnt;
            ++nblocks;
            if (bk >= 0) {
                set_pos((start + done) % total);
                ei = bk / m_;
                ej = bk - ei * m_;
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------ parallel pricing
    static constexpr uint64_t kClosed = 0xffffffffULL;
    static constexpr uint32_t kSpinBeforeSleep = 1000;  // pause loops a worker spins after a round
    static constexpr int64_t kParallelMinArcs = int64_t(1) << 22;  // below this, worker threads cost more than they save
    static constexpr int64_t kWakeAfter = 8;            // blocks the main thread scans before waking workers
    struct alignas(64) BlockResult {
        int64_t bk;
    };

    void start_workers() {
        const int64_t total = n_ * m_;
        slots_.assign(static_cast<size_t>(total / block_ + 2), BlockResult{-1});
        ticket_.store(kClosed, std::memory_order_seq_cst);  // round 0, closed
        quit_.store(false);
        for (int t = 1; t < threads_; ++t) workers_.emplace_back([this] { worker_main(); });
    }
    void stop_workers() {
        if (workers_.empty()) return;
        {
            std::lock_guard<std::mutex> lk(mu_);
            quit_.store(true, std::memory_order_seq_cst);
            cv_.notify_all();
        }
        for (auto &t : workers_) t.join();
        workers_.clear();
    }

    // claim blocks of round `round` until none is left (or a lower one succeeded)
    void participate(uint64_t round, bool is_main) {
        int64_t mine = 0;
        for (;;) {
            if (is_main && ++mine == kWakeAfter && sleeping_.load(std::memory_order_seq_cst)) {
                // a long sweep: worth waking the sleeping workers
                std::lock_guard<std::mutex> lk(mu_);
                cv_.notify_all();
            }
            uint64_t t = ticket_.load(std::memory_order_seq_cst);
            if ((t >> 32) != round || (t & kClosed) == kClosed) return;
            if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_seq_cst)) continue;
            const int64_t idx = static_cast<int64_t>(t & kClosed);
            if (idx >= par_nblocks_ || idx > found_.load(std::memory_order_seq_cst)) return;
            const int64_t off = idx * block_;
            const int64_t cnt = std::min<int64_t>(block_, par_left_ - off);
            int64_t bk = -1;
            scan_span((par_start_ + off) % (n_ * m_), cnt, -tol_, bk);
            slots_[static_cast<size_t>(idx)].bk = bk;
            if (bk >= 0) {
                int64_t f = found_.load(std::memory_order_seq_cst);
                while (idx < f && !found_.compare_exchange_weak(f, idx, std::memory_order_seq_cst)) {
                }
            }
        }
    }

    void worker_main() {
        uint64_t last_round = 0;
        uint32_t idle = 0;
        auto joinable = [&](uint64_t t) { return (t >> 32) != last_round && (t & kClosed) != kClosed; };
        while (!quit_.load(std::memory_order_seq_cst)) {
            const uint64_t t = ticket_.load(std::memory_order_seq_cst);
            if (joinable(t)) {
                active_.fetch_add(1, std::memory_order_seq_cst);
                participate(t >> 32, false);
                active_.fetch_sub(1, std::memory_order_seq_cst);
                last_round = t >> 32;
                idle = 0;
                continue;
            }
            if (++idle < kSpinBeforeSleep) {
                cpu_relax();
                continue;
            }
            // nothing to do for a while: block instead of burning a core the
            // pivoting thread (or another process) could use
            std::unique_lock<std::mutex> lk(mu_);
            sleeping_.store(true, std::memory_order_seq_cst);
            cv_.wait(lk, [&] {
                return quit_.load(std::memory_order_seq_cst) || joinable(ticket_.load(std::memory_order_seq_cst));
            });
            sleeping_.store(false, std::memory_order_seq_cst);
            idle = 0;
        }
    }

    static inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }

    // sweep `left` arcs from `start` with the workers; bk and the offset of the
    // end of the winning block on success
    bool parallel_sweep(int64_t start, int64_t left, int64_t &bk, int64_t &end_off) {
        par_start_ = start;
        par_left_ = left;
        par_nblocks_ = (left + block_ - 1) / block_;
        found_.store(std::numeric_limits<int64_t>::max(), std::memory_order_seq_cst);
        const uint64_t round = ++round_;
        ticket_.store(round << 32, std::memory_order_seq_cst);  // open
        participate(round, true);
        ticket_.store((round << 32) | kClosed, std::memory_order_seq_cst);  // close
        while (active_.load(std::memory_order_seq_cst) != 0) cpu_relax();
        const int64_t f = found_.load(std::memory_order_seq_cst);
        if (f == std::numeric_limits<int64_t>::max()) return false;
        bk = slots_[static_cast<size_t>(f)].bk;
        end_off = std::min<int64_t>((f + 1) * block_, left);
        return true;
    }

    void set_pos(int64_t pos) {
        pos_i_ = pos / m_;
        pos_j_ = pos - pos_i_ * m_;
    }

    bool is_tree_arc(int64_t i, int64_t j) const {
        const node_t u = static_cast<node_t>(i), v = static_cast<node_t>(n_ + j);
        return parent_[u] == v || parent_[v] == u;
    }

    // ----------------------------------------------------------------- pivot
    GEOMRT_NS_NOINLINE void pivot(int64_t ei, int64_t ej) {
        const node_t u = static_cast<node_t>(ei), v = static_cast<node_t>(n_ + ej);
        const double c = static_cast<double>(cost_(ei, ej));
        const double rx = c + x_[u] - x_[v];  // finite part of the reduced cost
        const double rK = K_[u] - K_[v];      // M part (0 or +-2H)

        // apex of the cycle
        node_t p1 = u, p2 = v;
        while (p1 != p2) {
            if (succ_[p1] < succ_[p2]) p1 = parent_[p1];
            else p2 = parent_[p2];
        }
        const node_t join = p1;

        // leaving arc: last blocking arc from the apex along the orientation
        // join -> ... -> u -> v -> ... -> join
        double delta = std::numeric_limits<double>::infinity();
        node_t out = -1;
        bool out_u_side = true;
        for (node_t w = u; w != join; w = parent_[w]) {
            if (up_[w] && flow_[w] < delta) {  // arc w->parent traversed downward
                delta = flow_[w];
                out = w;
            }
        }
        for (node_t w = v; w != join; w = parent_[w]) {
            if (!up_[w] && flow_[w] <= delta) {  // arc parent->w traversed upward
                delta = flow_[w];
                out = w;
                out_u_side = false;
            }
        }

        if (delta > 0) {
            for (node_t w = u; w != join; w = parent_[w]) flow_[w] += up_[w] ? -delta : delta;
            for (node_t w = v; w != join; w = parent_[w]) flow_[w] += up_[w] ? delta : -delta;
        }

        // the subtree S rooted at `out` is detached and re-hung: new root q, new parent p
        const node_t q = out_u_side ? u : v;
        const node_t p = out_u_side ? v : u;
        const node_t s = succ_[out];
        const node_t E = last_[out];
        const node_t R = rev_[out];
        const node_t A = thread_[E];
        const node_t P0 = parent_[out];

        // path q = w0, w1, ..., wk = out with the old data we need
        path_.clear();
        for (node_t w = q;; w = parent_[w]) {
            PathNode pn;
            pn.w = w;
            pn.rv = rev_[w];
            pn.ls = last_[w];
            pn.tl = thread_[pn.ls];
            pn.sc = succ_[w];
            pn.up = up_[w];
            pn.fl = flow_[w];
            path_.push_back(pn);
            if (w == out) break;
        }
        const size_t k = path_.size() - 1;

        // 1. remove S from the thread and from its old ancestors
        thread_[R] = A;
        rev_[A] = R;
        for (node_t w = P0; w != join; w = parent_[w]) succ_[w] -= s;
        for (node_t w = P0; w >= 0 && last_[w] == E; w = parent_[w]) last_[w] = R;

        // 2. preorder of S re-rooted at q: seg(w0), then for each i the old
        //    segment of w_i without the segment of w_{i-1}
        node_t tail = path_[0].ls;
        for (size_t i = 1; i <= k; ++i) {
            const PathNode &cur = path_[i], &prv = path_[i - 1];
            thread_[tail] = cur.w;
            rev_[cur.w] = tail;
            tail = prv.rv;
            if (cur.ls != prv.ls) {
                thread_[tail] = prv.tl;
                rev_[prv.tl] = tail;
                tail = cur.ls;
            }
        }
        const node_t Lnew = tail;
        for (size_t i = 0; i <= k; ++i) {
            const node_t w = path_[i].w;
            last_[w] = Lnew;
            if (i == 0) {
                succ_[w] = s;
                parent_[w] = p;
                up_[w] = out_u_side ? 1 : 0;  // u -> v seen from q
                flow_[w] = delta;
            } else {
                succ_[w] = s - path_[i - 1].sc;
                parent_[w] = path_[i - 1].w;
                up_[w] = path_[i - 1].up ? 0 : 1;
                flow_[w] = path_[i - 1].fl;
            }
        }

        // 3. insert S right after p
        const node_t B = thread_[p];
        const bool p_leaf = last_[p] == p;
        thread_[p] = q;
        rev_[q] = p;
        thread_[Lnew] = B;
        rev_[B] = Lnew;
        for (node_t w = p; w != join; w = parent_[w]) succ_[w] += s;
        if (p_leaf)
            for (node_t w = p; w >= 0 && last_[w] == p; w = parent_[w]) last_[w] = Lnew;

        // 4. potentials of S
        const double dx = out_u_side ? -rx : rx;
        const double dK = out_u_side ? -rK : rK;
        node_t w = q;
        for (node_t t = 0; t < s; ++t, w = thread_[w]) {
            x_[w] += dx;
            K_[w] += dK;
            if (w >= n_) set_z(w);
        }
    }

#ifdef GEOMRT_NS_VALIDATE
    // debugging aid: full consistency check of the tree arrays (slow)
    void check_tree() const {
        auto fail = [](const char *what) {
            std::fprintf(stderr, "network_simplex: tree check failed: %s\n", what);
            std::abort();
        };
        const node_t N = static_cast<node_t>(nn_);
        std::vector<node_t> order;
        std::vector<char> seen(static_cast<size_t>(N), 0);
        node_t w = root_;
        for (node_t t = 0; t < N; ++t) {
            if (seen[w]) fail("thread revisits a node");
            seen[w] = 1;
            order.push_back(w);
            if (rev_[thread_[w]] != w) fail("rev_thread");
            w = thread_[w];
        }
        if (w != root_) fail("thread is not one cycle");
        std::vector<node_t> posn(static_cast<size_t>(N));
        for (node_t t = 0; t < N; ++t) posn[order[t]] = t;
        for (node_t t = 0; t < N; ++t) {
            const node_t u = order[t];
            const node_t e = t + succ_[u] - 1;
            if (succ_[u] < 1 || e >= N) fail("succ_num range");
            if (order[e] != last_[u]) fail("last_succ");
            for (node_t k = t + 1; k <= e; ++k) {
                node_t x = order[k];
                while (x != -1 && x != u) x = parent_[x];
                if (x != u) fail("subtree not contiguous");
            }
            if (u != root_) {
                if (posn[parent_[u]] >= t) fail("parent after child");
                const node_t p = parent_[u];
                if (p != root_ && ((u < n_) == (p < n_))) fail("arc inside one side");
                if (p != root_ && up_[u] != (u < n_ ? 1 : 0)) fail("direction of a real arc");
                if (flow_[u] < -1e-12) fail("negative flow");
                if (flow_[u] <= 0 && !up_[u]) fail("not strongly feasible");
                double rc = 0, rk = 0;
                if (p == root_) {
                    rk = up_[u] ? (H_ + K_[u]) : (H_ - K_[u]);
                    rc = x_[u];
                } else {
                    const node_t i = u < n_ ? u : p, jn = u < n_ ? p : u;
                    rc = static_cast<double>(cost_(i, jn - n_)) + x_[i] - x_[jn];
                    rk = K_[i] - K_[jn];
                }
                if (rk != 0 || std::fabs(rc) > 1e-9 * (1 + cmax_)) fail("tree arc reduced cost");
            }
        }
        std::vector<double> bal(supply_);
        for (node_t u = 0; u < root_; ++u) {
            const node_t p = parent_[u];
            if (up_[u]) {
                bal[u] -= flow_[u];
                bal[p] += flow_[u];
            } else {
                bal[u] += flow_[u];
                bal[p] -= flow_[u];
            }
        }
        for (node_t u = 0; u < root_; ++u)
            if (std::fabs(bal[u]) > 1e-12 * (1 + maxw_)) fail("flow balance");
    }
#endif

    // exact potentials from the tree (preorder walk)
    void refresh_potentials() {
        for (node_t w = thread_[root_]; w != root_; w = thread_[w]) {
            const node_t p = parent_[w];
            if (p == root_) {
                x_[w] = 0;
                K_[w] = up_[w] ? -H_ : H_;
            } else if (w < n_) {  // supply w -> demand p
                x_[w] = x_[p] - static_cast<double>(cost_(w, p - n_));
                K_[w] = K_[p];
            } else {  // supply p -> demand w
                x_[w] = x_[p] + static_cast<double>(cost_(p, w - n_));
                K_[w] = K_[p];
            }
            if (w >= n_) set_z(w);
        }
    }

    // ---------------------------------------------------------------- output
    EmdStatus finish(EmdStatus status, EmdSolution &out) {
        // flows from the tree and the supplies (children before parents)
        std::vector<double> acc(supply_);
        for (node_t w = rev_[root_]; w != root_; w = rev_[w]) {
            const double f = acc[w];
            acc[parent_[w]] += f;
            flow_[w] = up_[w] ? f : -f;
        }
        const double total = std::max(total_a_, total_b_);
        double art = 0;
        for (node_t w = thread_[root_]; w != root_; w = thread_[w])
            if (parent_[w] == root_) art = std::max(art, std::fabs(flow_[w]));
        if (status == EmdStatus::Optimal && art > 1e-9 * std::max(total, 1e-300) && art > 0)
            status = EmdStatus::Infeasible;

        // duals: pi_u = s_u * M' + x_u with the smallest M' >= 0 keeping every
        // real arc dual feasible (only needed when both signs survive)
        double Mfin = 0;
        if (status == EmdStatus::Optimal || status == EmdStatus::Infeasible) {
            std::vector<int64_t> rowsP, colsN;
            for (int64_t i = 0; i < n_; ++i)
                if (K_[i] > 0) rowsP.push_back(i);
            for (int64_t j = 0; j < m_; ++j)
                if (K_[n_ + j] < 0) colsN.push_back(j);
            if (!rowsP.empty() && !colsN.empty()) {
                double need = 0;
                for (int64_t i : rowsP)
                    for (int64_t j : colsN) {
                        const double r = static_cast<double>(cost_(i, j)) + x_[i] - x_[n_ + j];
                        need = std::max(need, -0.5 * r);
                    }
                Mfin = need;
            }
        }
        out.alpha.assign(static_cast<size_t>(n_), 0.0);
        out.beta.assign(static_cast<size_t>(m_), 0.0);
        for (int64_t i = 0; i < n_; ++i) {
            const double pi = (K_[i] > 0 ? Mfin : -Mfin) + x_[i];
            out.alpha[i] = -pi;
        }
        for (int64_t j = 0; j < m_; ++j) {
            const double pi = (K_[n_ + j] > 0 ? Mfin : -Mfin) + x_[n_ + j];
            out.beta[j] = pi;
        }
        {
            double sa = 0, sb = 0, ba = 0, aa = 0;
            for (int64_t i = 0; i < n_; ++i) {
                sa += a_[i];
                aa += out.alpha[i] * a_[i];
            }
            for (int64_t j = 0; j < m_; ++j) {
                sb += b_[j];
                ba += out.beta[j] * b_[j];
            }
            if (sa + sb > 0) {
                const double cc = (ba - aa) / (sa + sb);
                for (auto &v : out.alpha) v += cc;
                for (auto &v : out.beta) v -= cc;
            }
        }

        // support
        const double thr = 16.0 * std::numeric_limits<double>::epsilon() * maxw_;
        std::vector<std::pair<int64_t, double>> sup;
        sup.reserve(static_cast<size_t>(n_ + m_));
        for (node_t w = 0; w < root_; ++w) {
            const node_t p = parent_[w];
            if (p == root_ || p < 0) continue;
            const double f = flow_[w];
            if (!(f > thr)) continue;
            const int64_t i = w < n_ ? w : p;
            const int64_t j = (w < n_ ? p : w) - n_;
            sup.emplace_back(i * m_ + j, f);
        }
        std::sort(sup.begin(), sup.end(),
                  [](const std::pair<int64_t, double> &x, const std::pair<int64_t, double> &y) {
                      return x.first < y.first;
                  });
        out.rows.resize(sup.size());
        out.cols.resize(sup.size());
        out.flows.resize(sup.size());
        double cs = 0, comp = 0;  // Neumaier summation
        for (size_t t = 0; t < sup.size(); ++t) {
            const int64_t i = sup[t].first / m_, j = sup[t].first - (sup[t].first / m_) * m_;
            out.rows[t] = i;
            out.cols[t] = j;
            out.flows[t] = sup[t].second;
            const double term = sup[t].second * static_cast<double>(cost_(i, j));
            const double tt = cs + term;
            if (std::fabs(cs) >= std::fabs(term)) comp += (cs - tt) + term;
            else comp += (term - tt) + cs;
            cs = tt;
        }
        out.cost = cs + comp;
        return status;
    }

    struct PathNode {
        node_t w, rv, ls, tl, sc;
        uint8_t up;
        double fl;
    };

    const int64_t n_, m_, nn_;
    const node_t root_;
    const double *a_, *b_;
    const Cost &cost_;
    const int threads_;

    std::vector<node_t> parent_, thread_, rev_, succ_, last_;
    std::vector<uint8_t> up_;
    std::vector<double> flow_, x_, K_, zneg_, zpos_, supply_;
    std::vector<PathNode> path_;
    double cmax_ = 0, tol_ = 0, H_ = 1, total_a_ = 0, total_b_ = 0, maxw_ = 0;
    int64_t block_ = 10, pos_i_ = 0, pos_j_ = 0;

    // parallel pricing
    std::vector<std::thread> workers_;
    std::vector<BlockResult> slots_;
    std::atomic<uint64_t> ticket_{0};  // (round << 32) | next block index (kClosed: closed)
    std::atomic<int64_t> found_{0};    // lowest block index with a candidate
    std::atomic<int> active_{0};       // workers inside a round
    std::atomic<bool> quit_{false};
    std::atomic<bool> sleeping_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    uint64_t round_ = 0;
    int64_t par_start_ = 0, par_left_ = 0, par_nblocks_ = 0;
    int64_t parallel_after_ = GEOMRT_NS_PARALLEL_AFTER;  // go parallel once this many blocks failed in a search
};

}  // namespace detail

// cost: callable double(int64_t i, int64_t j); see the file header.
template <class Cost>
EmdStatus network_simplex(int64_t n, int64_t m, const double *a, const double *b, const Cost &cost,
                          int64_t max_iter, int threads, EmdSolution &out,
                          const std::function<bool()> &should_stop = {}) {
    out = EmdSolution{};
    if (n < 0 || m < 0) return EmdStatus::Infeasible;
    if (n == 0 || m == 0) {
        double sa = 0, sb = 0;
        for (int64_t i = 0; i < n; ++i) sa += a[i];
        for (int64_t j = 0; j < m; ++j) sb += b[j];
        out.alpha.assign(static_cast<size_t>(n), 0.0);
        out.beta.assign(static_cast<size_t>(m), 0.0);
        return (sa == 0 && sb == 0) ? EmdStatus::Optimal : EmdStatus::Infeasible;
    }
    detail::NetworkSimplexSolver<Cost> solver(n, m, a, b, cost, threads);
    return solver.solve(max_iter, out, should_stop);
}

}  // namespace geomrt::ot

#endif  // GEOMRT_OT_NETWORK_SIMPLEX_HPP
