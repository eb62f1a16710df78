#include "experiment/StageLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace netsight::experiment {

StageLock::StageLock(const std::filesystem::path& models, const std::string& stage,
                     const runtime::JobContext& job) {
    const std::string path = (models / ("." + stage + ".lock")).string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::runtime_error(path + ": cannot create the lock file (" + std::strerror(errno) +
                                 "); is the experiment folder writable?");
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    job.log("waiting for another process to finish " + stage);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (job.cancelled()) {
            ::close(fd_);
            throw runtime::JobCancelled();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

StageLock::~StageLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
}

}  // namespace netsight::experiment
