// Large-buffer allocation and the per-runtime scratch cache (see memory.hpp).
#include "memory.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace geomrt {
namespace core {

namespace {

/// Transparent huge pages are advised for large blocks unless GEOMRT_MADVISE_HUGEPAGE=0.
bool huge_pages_wanted() {
    static const bool yes = [] {
        const char *e = std::getenv("GEOMRT_MADVISE_HUGEPAGE");
        return !(e && e[0] == '0');
    }();
    return yes;
}

constexpr size_t kHuge = size_t(1) << 21;

}  // namespace

Block block_alloc(size_t bytes, bool zeroed) {
    Block b;
    if (bytes == 0) bytes = 1;
#if defined(__linux__)
    if (bytes >= kLargeBlock) {
        if (bytes > SIZE_MAX - 2 * kHuge) throw std::bad_alloc();
        const size_t len = (bytes + kHuge - 1) / kHuge * kHuge;
        // Map one huge page more than needed, then cut the unaligned ends off.
        void *raw = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) throw std::bad_alloc();
        const uintptr_t r = reinterpret_cast<uintptr_t>(raw), start = (r + kHuge - 1) / kHuge * kHuge;
        if (start > r) munmap(raw, start - r);
        if (r + kHuge > start) munmap(reinterpret_cast<void *>(start + len), r + kHuge - start);
#ifdef MADV_HUGEPAGE
        if (huge_pages_wanted()) madvise(reinterpret_cast<void *>(start), len, MADV_HUGEPAGE);
#endif
        b.p = reinterpret_cast<void *>(start);
        b.bytes = len;
        b.mapped = true;
        return b;
    }
#endif
    if (zeroed) {
        b.p = std::calloc(bytes, 1);
    } else {
        if (bytes > SIZE_MAX - 64) throw std::bad_alloc();
        b.p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    }
    if (!b.p) throw std::bad_alloc();
    b.bytes = bytes;
    b.mapped = false;
    return b;
}

void block_free(Block &b) {
    if (!b.p) return;
#if defined(__linux__)
    if (b.mapped)
        munmap(b.p, b.bytes);
    else
        std::free(b.p);
#else
    std::free(b.p);
#endif
    b = Block();
}

ScratchCache::ScratchCache() : limit_(size_t(1) << 30) {
    if (const char *e = std::getenv("GEOMRT_SCRATCH_CACHE_MB")) {
        char *end = nullptr;
        const unsigned long long mb = std::strtoull(e, &end, 10);
        if (end != e && *end == '\0') limit_ = mb >= (SIZE_MAX >> 20) ? SIZE_MAX : static_cast<size_t>(mb) << 20;
    }
}

ScratchCache::~ScratchCache() {
    for (Block &b : idle_) block_free(b);
}

Block ScratchCache::take(size_t bytes) {
    if (bytes >= kLargeBlock) {
        std::lock_guard<std::mutex> lock(mu_);
        size_t best = idle_.size();
        for (size_t k = 0; k < idle_.size(); ++k) {
            const size_t cap = idle_[k].bytes;
            if (cap >= bytes && cap / 2 <= bytes && (best == idle_.size() || cap < idle_[best].bytes)) best = k;
        }
        if (best < idle_.size()) {
            Block b = idle_[best];
            idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(best));
            idle_bytes_ -= b.bytes;
            return b;
        }
    }
    return block_alloc(bytes, false);
}

void ScratchCache::give(Block b) {
    if (!b.p) return;
    std::vector<Block> drop;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!b.mapped || b.bytes > limit_) {
            drop.push_back(b);
        } else {
            idle_.insert(idle_.begin(), b);
            idle_bytes_ += b.bytes;
            trim_locked(drop);
        }
    }
    for (Block &d : drop) block_free(d);  // unmapping outside the lock
}

void ScratchCache::trim_locked(std::vector<Block> &drop) {
    while (!idle_.empty() && (idle_.size() > kMaxIdle || idle_bytes_ > limit_)) {
        idle_bytes_ -= idle_.back().bytes;
        drop.push_back(idle_.back());
        idle_.pop_back();
    }
}

void ScratchCache::set_limit(size_t bytes) {
    std::vector<Block> drop;
    {
        std::lock_guard<std::mutex> lock(mu_);
        limit_ = bytes;
        trim_locked(drop);
    }
    for (Block &d : drop) block_free(d);
}

size_t ScratchCache::limit() const {
    std::lock_guard<std::mutex> lock(mu_);
    return limit_;
}

void ScratchCache::stats(size_t *count, size_t *bytes) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (count) *count = idle_.size();
    if (bytes) *bytes = idle_bytes_;
}

ScratchSession::~ScratchSession() {
    for (Block &b : used_) give(b);
}

void ScratchSession::give(Block &b) {
    if (cache_)
        cache_->give(b);
    else
        block_free(b);
}

void *ScratchSession::take(size_t bytes) {
    Block b = cache_ ? cache_->take(bytes) : block_alloc(bytes, false);
    try {
        std::lock_guard<std::mutex> lock(mu_);
        used_.push_back(b);
    } catch (...) {
        give(b);
        throw;
    }
    return b.p;
}

bool ScratchSession::release(void *p) {
    Block b;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = std::find_if(used_.begin(), used_.end(), [p](const Block &x) { return x.p == p; });
        if (it == used_.end()) return false;
        b = *it;
        used_.erase(it);
    }
    give(b);
    return true;
}

}  // namespace core
}  // namespace geomrt
