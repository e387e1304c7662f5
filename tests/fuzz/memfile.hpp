// memfile.hpp -- fuzz helper: bytes as a named file without touching the disk (memfd).
#ifndef GEOMRT_FUZZ_MEMFILE_HPP
#define GEOMRT_FUZZ_MEMFILE_HPP

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace geomrt_fuzz {

/// An anonymous in-memory file; path() names it as /proc/self/fd/N for code that opens paths.
class MemFile {
public:
    explicit MemFile(const char *name) : fd_(memfd_create(name, 0)) {
        if (fd_ < 0) std::abort();
    }
    ~MemFile() { close(fd_); }
    MemFile(const MemFile &) = delete;
    MemFile &operator=(const MemFile &) = delete;

    /// Replace the contents.
    void assign(const uint8_t *data, size_t size) {
        if (ftruncate(fd_, 0) != 0) std::abort();
        size_t done = 0;
        while (done < size) {
            const ssize_t w = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
            if (w <= 0) std::abort();
            done += static_cast<size_t>(w);
        }
    }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace geomrt_fuzz

#endif
