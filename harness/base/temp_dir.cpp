#include "harness/base/temp_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "harness/base/errors.hpp"

namespace zc {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "zc-bench.";

// "zc-bench.<pid>.XXXXXX" -> pid, or 0 for any other name.
pid_t owner_of(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return 0;
  const char* p = name.c_str() + std::char_traits<char>::length(kPrefix);
  char* end = nullptr;
  long pid = std::strtol(p, &end, 10);
  if (end == p || *end != '.' || pid <= 0 || pid > 0x7fffffff || std::strlen(end + 1) != 6)
    return 0;
  return pid_t(pid);
}

bool owner_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// An exclusive, non-blocking flock on the folder: taken while it is held
// elsewhere fails, and the kernel releases it when its holder dies.
UniqueFd lock_folder(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) fd.reset();
  return fd;
}

}  // namespace

std::vector<fs::path> sweep_stale_temp_dirs(const fs::path& parent) {
  std::vector<fs::path> removed;
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const auto& path = it->path();
    pid_t pid = owner_of(path.filename().string());
    if (pid == 0 || pid == ::getpid() || owner_alive(pid)) continue;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
      continue;
    if (!lock_folder(path)) continue;  // someone holds it: not stale
    std::error_code rm;
    fs::remove_all(path, rm);
    if (!rm) removed.push_back(path);
  }
  return removed;
}

TempDir::TempDir(const fs::path& parent) {
  sweep_stale_temp_dirs(parent);
  std::string tmpl = (parent / (kPrefix + std::to_string(::getpid()) + ".XXXXXX")).string();
  if (!::mkdtemp(tmpl.data()))
    throw UsageError("cannot create a temporary folder in " + parent.string() + ": " +
                     errno_text(errno));
  path_ = tmpl;
  lock_ = lock_folder(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

UniqueFd RemovedOnExit::create() const {
  return UniqueFd(check_unix(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                             "create log"));
}

}  // namespace zc
