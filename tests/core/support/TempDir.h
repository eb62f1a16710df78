#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace netsight::test {

/// A fresh directory under the system temp folder, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

/// Writes bytes to a file, creating parent folders.
void writeBytes(const std::filesystem::path& file, const std::vector<unsigned char>& bytes);
void writeText(const std::filesystem::path& file, const std::string& text);
/// A file's bytes (empty when it cannot be read).
std::string readAll(const std::filesystem::path& file);

}  // namespace netsight::test
