// file_io.hpp -- small helpers to open files with clear error messages.
#ifndef GEOMRT_TOOLS_FILE_IO_HPP
#define GEOMRT_TOOLS_FILE_IO_HPP

#include "cli_error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <sys/stat.h>

namespace geomrt_cli {

struct FileCloser {
    void operator()(std::FILE *f) const {
        if (f) std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/** Open an existing regular file for binary reading; throws with the reason. */
inline FilePtr open_for_reading(const std::string &path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw CliError("cannot open '" + path + "': " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw CliError("cannot open '" + path + "': it is a directory");
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) throw CliError("cannot open '" + path + "': " + std::strerror(errno));
    return FilePtr(f);
}

/** Open (create or truncate) a file for binary writing; throws with the reason. */
inline FilePtr open_for_writing(const std::string &path) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) throw CliError("cannot create '" + path + "': " + std::strerror(errno));
    return FilePtr(f);
}

/** Write `bytes` bytes or throw naming the file. */
inline void write_bytes(std::FILE *f, const void *data, std::size_t bytes, const std::string &path) {
    if (bytes != 0 && std::fwrite(data, 1, bytes, f) != bytes)
        throw CliError("cannot write '" + path + "': " + std::strerror(errno));
}

/** Flush and close a file opened for writing, or throw naming the file. */
inline void close_written(FilePtr &file, const std::string &path) {
    std::FILE *f = file.release();
    bool ok = std::ferror(f) == 0;
    if (std::fclose(f) != 0) ok = false;
    if (!ok) throw CliError("cannot write '" + path + "': " + std::strerror(errno));
}

}  // namespace geomrt_cli

#endif
