// A private temporary folder, removed with everything in it on destruction.
#pragma once

#include <filesystem>

namespace zc {

class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace zc
