#include "netsight/runtime/AtomicFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace netsight::runtime {
namespace {

std::string systemError(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

void writeFileAtomically(const std::string& path, std::string_view bytes) {
    static std::atomic<unsigned> counter{0};
    const std::string temporary =
        path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(systemError("cannot create", temporary));

    const char* data = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            const std::string message = systemError("cannot write", path) + " (the previous file is kept)";
            ::close(fd);
            ::unlink(temporary.c_str());
            throw std::runtime_error(message);
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string message = systemError("cannot flush", path) + " (the previous file is kept)";
        ::unlink(temporary.c_str());
        throw std::runtime_error(message);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string message = systemError("cannot replace", path);
        ::unlink(temporary.c_str());
        throw std::runtime_error(message);
    }
}

}  // namespace netsight::runtime
