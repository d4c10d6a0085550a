// A private temporary folder, removed with everything in it on destruction.
// Named zc-bench.<owner pid>.XXXXXX and locked (flock) while its owner
// lives, so that a folder left by a killed run (SIGKILL runs no destructor)
// is recognised and swept when the next run starts, the way stale veth
// namespaces are (sinks/netns.cpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/base/fd.hpp"

namespace zc {

class TempDir {
 public:
  // Sweeps stale folders in `parent` first (sweep_stale_temp_dirs).
  explicit TempDir(const std::filesystem::path& parent);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  UniqueFd lock_;  // held for the folder's life; the kernel drops it when we die
};

// A file removed when this goes out of scope, however the scope ends (a
// log, a sink's output): nothing zc-bench creates outlives its
// repetition, and a full file system gets its space back before the next.
class RemovedOnExit {
 public:
  explicit RemovedOnExit(std::filesystem::path p) : path_(std::move(p)) {}
  RemovedOnExit(const RemovedOnExit&) = delete;
  RemovedOnExit& operator=(const RemovedOnExit&) = delete;
  ~RemovedOnExit() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  // Creates the file empty (0600, truncated when it was there): a
  // repetition's log. Returns it open for writing.
  UniqueFd create() const;

 private:
  std::filesystem::path path_;
};

// Removes this user's zc-bench.<pid>.XXXXXX folders in `parent` whose owner
// is gone: no process with that pid, and nobody holds the folder's lock
// (which also protects a live owner in another pid namespace). Folders of
// other users, of live owners, and anything else are left alone. Returns
// the folders removed.
std::vector<std::filesystem::path> sweep_stale_temp_dirs(const std::filesystem::path& parent);

}  // namespace zc
