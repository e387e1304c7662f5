// Large-buffer allocation of the core: output storage and the scratch buffers plugins get
// through the host table (geomrt_host_api::scratch), and the per-runtime cache that lets
// repeated calls reuse scratch buffers. Nothing here is part of the ABI.
#ifndef GEOMRT_CORE_MEMORY_HPP
#define GEOMRT_CORE_MEMORY_HPP

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace geomrt {
namespace core {

/// Blocks of at least this many bytes are mapped directly (2 MiB aligned, transparent huge pages
/// advised unless GEOMRT_MADVISE_HUGEPAGE=0); smaller ones come from the C heap.
constexpr size_t kLargeBlock = size_t(4) << 20;

/// A block of memory: `bytes` usable bytes at `p`.
struct Block {
    void *p = nullptr;
    size_t bytes = 0;    // usable size (rounded up to 2 MiB for mapped blocks)
    bool mapped = false;
};

/// Allocate `bytes` (> 0). zeroed: the contents are zero (fresh pages or calloc); otherwise they
/// are unspecified. Alignment: 2 MiB for mapped blocks, else 64 bytes (zeroed: 16). Throws
/// std::bad_alloc.
Block block_alloc(size_t bytes, bool zeroed);
/// Free a block from block_alloc (a null block is a no-op).
void block_free(Block &b);

/// Zero-filled output storage (8-byte aligned at least). Large blocks are mapped (see
/// kLargeBlock), as numpy does for large arrays; either way the pages are fresh zero pages: an
/// output costs nothing until the method writes it, and the method's threads share the
/// first-touch work.
class ZeroBuffer {
public:
    ZeroBuffer() = default;
    ZeroBuffer(ZeroBuffer &&o) noexcept : b_(o.b_), n_(o.n_) { o.b_ = Block(), o.n_ = 0; }
    ZeroBuffer &operator=(ZeroBuffer &&o) noexcept {
        if (this != &o) {
            block_free(b_);
            b_ = o.b_, n_ = o.n_;
            o.b_ = Block(), o.n_ = 0;
        }
        return *this;
    }
    ZeroBuffer(const ZeroBuffer &) = delete;
    ZeroBuffer &operator=(const ZeroBuffer &) = delete;
    ~ZeroBuffer() { block_free(b_); }

    /// Replace the contents by `count` zero doubles.
    void assign_zeros(size_t count) {
        block_free(b_);
        n_ = 0;
        if (count == 0) return;
        // Sizes whose byte count (rounded up to whole huge pages) would wrap are impossible.
        if (count > (SIZE_MAX - (size_t(1) << 23)) / sizeof(double)) throw std::bad_alloc();
        b_ = block_alloc(count * sizeof(double), true);
        n_ = count;
    }
    double *data() { return static_cast<double *>(b_.p); }
    const double *data() const { return static_cast<const double *>(b_.p); }
    size_t size() const { return n_; }

private:
    Block b_;
    size_t n_ = 0;
};

/// Idle scratch blocks kept by a runtime between calls, so that repeated calls skip the page
/// faults (and, with huge pages, the kernel's zeroing of fresh 2 MiB pages) of a new mapping.
/// Only mapped blocks (>= kLargeBlock) are kept: small ones are cheap to get from the heap.
/// Bounded: at most kMaxIdle blocks and limit() bytes in all; the least recently returned block
/// goes first. Blocks in use by a running call are not counted: each belongs to that call alone.
/// Thread-safe.
class ScratchCache {
public:
    static constexpr size_t kMaxIdle = 4;
    /// Default limit: GEOMRT_SCRATCH_CACHE_MB (MiB) if set, else 1 GiB.
    ScratchCache();
    ~ScratchCache();
    ScratchCache(const ScratchCache &) = delete;
    ScratchCache &operator=(const ScratchCache &) = delete;

    /// A block of at least `bytes`: an idle one of capacity in [bytes, 2 bytes] if there is one,
    /// else a new one. Contents unspecified. Throws std::bad_alloc.
    Block take(size_t bytes);
    /// Hand a block back (from take); it is kept or freed according to the bounds.
    void give(Block b);
    /// Change the limit (0: keep nothing); frees idle blocks beyond it.
    void set_limit(size_t bytes);
    size_t limit() const;
    /// Number and total size of the idle blocks.
    void stats(size_t *count, size_t *bytes) const;

private:
    void trim_locked(std::vector<Block> &drop);
    mutable std::mutex mu_;
    std::vector<Block> idle_;  // most recently returned first
    size_t idle_bytes_ = 0;
    size_t limit_;
};

/// The scratch blocks one call has taken; all go back to the cache when the call ends
/// (the destructor), whether it succeeded or not. Thread-safe.
class ScratchSession {
public:
    explicit ScratchSession(ScratchCache *cache) : cache_(cache) {}
    ~ScratchSession();
    ScratchSession(const ScratchSession &) = delete;
    ScratchSession &operator=(const ScratchSession &) = delete;
    /// Throws std::bad_alloc.
    void *take(size_t bytes);
    /// Give one block back before the call ends; false if `p` is not a block of this call.
    bool release(void *p);

private:
    void give(Block &b);
    ScratchCache *cache_;
    std::mutex mu_;
    std::vector<Block> used_;
};

}  // namespace core
}  // namespace geomrt

#endif
