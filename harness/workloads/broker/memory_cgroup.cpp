#include "harness/workloads/broker/memory_cgroup.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "harness/base/errors.hpp"

namespace zc {
namespace fs = std::filesystem;
namespace {

struct Mount {
  std::string root, point;
};

// The mount of the v1 hierarchy with the memory controller, or of cgroup2.
std::optional<Mount> find_mount(bool v2) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, word;
    f >> id >> parent >> dev >> root >> point;
    while (f >> word && word != "-") {
    }
    std::string type, source, options;
    f >> type >> source >> options;
    if (v2 && type == "cgroup2") return Mount{root, point};
    if (!v2 && type == "cgroup" && ("," + options + ",").find(",memory,") != std::string::npos)
      return Mount{root, point};
  }
  return std::nullopt;
}

// This process's cgroup path in the v1 memory hierarchy or in cgroup2.
std::optional<std::string> own_path(bool v2) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    auto controllers = line.substr(a + 1, b - a - 1);
    bool match = v2 ? line.compare(0, a, "0") == 0 && controllers.empty()
                    : ("," + controllers + ",").find(",memory,") != std::string::npos;
    if (match) return line.substr(b + 1);
  }
  return std::nullopt;
}

fs::path under(const Mount& m, const std::string& path) {
  std::string rel = path;
  if (m.root != "/" && rel.rfind(m.root, 0) == 0) rel = rel.substr(m.root.size());
  return fs::path(m.point) / fs::path(rel).relative_path();
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  out.flush();
  if (!out) throw std::system_error(errno, std::generic_category(), "write " + p.string());
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream s(text);
  std::string w;
  while (s >> w)
    if (w == word) return true;
  return false;
}

// The cgroups of a zc-bench that was killed (SIGKILL, its cgroup's OOM
// killer) before it could remove them: empty, their process gone.
void remove_stale(const fs::path& parent) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind("zc-bench-", 0) != 0) continue;
    auto pid = std::atol(name.c_str() + 9);
    if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) ::rmdir(e.path().c_str());
  }
}

}  // namespace

std::unique_ptr<MemoryCgroup> MemoryCgroup::create(std::uint64_t limit, std::string* why) {
  static std::atomic<unsigned> serial{0};
  std::unique_ptr<MemoryCgroup> g(new MemoryCgroup);
  fs::path parent;
  auto m = find_mount(false);
  auto path = own_path(false);
  auto m2 = find_mount(true);
  auto path2 = own_path(true);
  if (m && path) {
    g->home_ = under(*m, *path);
    parent = g->home_;
  } else if (m2 && path2) {
    g->v2_ = true;
    g->home_ = under(*m2, *path2);
    // Only a cgroup without processes of its own may hand the memory
    // controller to children (the v2 root is the exception): make ours
    // under the root.
    parent = m2->point;
    if (!has_word(read_text(parent / "cgroup.subtree_control"), "memory")) {
      if (why)
        *why = "cgroup2 at " + parent.string() +
               " does not hand the memory controller to "
               "its children (cgroup.subtree_control)";
      return nullptr;
    }
  } else {
    if (why) *why = "no memory cgroup controller is mounted";
    return nullptr;
  }
  remove_stale(parent);
  g->dir_ = parent / ("zc-bench-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
  if (::mkdir(g->dir_.c_str(), 0700) != 0) {
    int err = errno;
    if (why)
      *why = "making a memory cgroup (" + g->dir_.string() + ") was refused: " + errno_text(err) +
             (err == EACCES || err == EPERM || err == EROFS
                  ? " (needs root, or a cgroup delegated to this user)"
                  : "");
    return nullptr;
  }
  try {
    write_text(g->dir_ / (g->v2_ ? "memory.high" : "memory.limit_in_bytes"), std::to_string(limit));
  } catch (const std::exception& e) {
    if (why) *why = std::string("setting the memory cgroup's limit failed: ") + e.what();
    return nullptr;  // the destructor removes the folder
  }
  return g;
}

MemoryCgroup::~MemoryCgroup() {
  try {
    leave();
  } catch (...) {
  }
  // A cgroup that just lost its last task can be busy for a moment.
  for (int i = 0; i < 50 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(10'000);
}

void MemoryCgroup::enter() {
  write_text(dir_ / "cgroup.procs", std::to_string(::getpid()));
  inside_ = true;
}

void MemoryCgroup::leave() {
  if (!inside_) return;
  write_text(home_ / "cgroup.procs", std::to_string(::getpid()));
  inside_ = false;
}

std::string MemoryCgroup::method() const {
  return v2_ ? "memory cgroup v2, memory.high" : "memory cgroup v1, memory.limit_in_bytes";
}

std::optional<std::uint64_t> MemoryCgroup::peak_bytes() const {
  std::ifstream in(dir_ / (v2_ ? "memory.peak" : "memory.max_usage_in_bytes"));
  std::uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

}  // namespace zc
