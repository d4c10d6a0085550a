#include "harness/base/process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "harness/base/fd.hpp"

namespace zc {
namespace {

struct ProcStat {
  pid_t pid = 0, ppid = 0, pgid = 0;
  char state = '?';
};

std::uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000 + std::uint64_t(ts.tv_nsec);
}

bool read_stat(pid_t pid, ProcStat& out) {
  char path[64], buf[1024];
  std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  auto n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  // "pid (comm) state ppid pgrp ...": comm may hold anything, ')' included.
  const char* close = std::strrchr(buf, ')');
  if (!close) return false;
  int ppid = 0, pgid = 0;
  if (std::sscanf(close + 1, " %c %d %d", &out.state, &ppid, &pgid) != 3) return false;
  out.pid = pid;
  out.ppid = ppid;
  out.pgid = pgid;
  return true;
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    ProcStat s;
    if (read_stat(pid_t(pid), s)) out.push_back(s);
  }
  ::closedir(d);
  return out;
}

// Whether `pid`'s environment holds `marker` ("NAME=VALUE") as an entry.
bool has_marker(pid_t pid, const std::string& marker) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/environ", int(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  std::string env(1, '\0'), chunk(64 * 1024, '\0');
  // At most 1 MiB: a marker is set early, among the first entries.
  while (env.size() < (1u << 20)) {
    auto n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n <= 0) break;
    env.append(chunk.data(), std::size_t(n));
  }
  std::string entry = '\0' + marker + '\0';
  env += '\0';
  return env.find(entry) != std::string::npos;
}

}  // namespace

void become_subreaper() {
  static std::atomic<bool> done{false};
  if (!done.exchange(true)) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

std::string new_process_marker() {
  static std::atomic<unsigned> counter{0};
  return "ZC_BENCH_PROCESS_TREE=" + std::to_string(::getpid()) + "." + std::to_string(++counter);
}

std::vector<pid_t> freeze_descendants(pid_t root, const std::string& marker) {
  const pid_t self = ::getpid();
  std::set<pid_t> found;
  std::map<pid_t, bool> marked;  // environments read once per call
  // The root and its group first: a stopped process cannot fork.
  ::kill(-root, SIGSTOP);
  ::kill(root, SIGSTOP);
  for (int round = 0; round < 100; ++round) {
    auto procs = all_processes();
    bool grew = false;
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& p : procs) {
        if (p.pid == self || p.pid == root || found.count(p.pid)) continue;
        bool ours = p.pgid == root || p.ppid == root || found.count(p.ppid);
        if (!ours && !marker.empty()) {
          auto [it, fresh] = marked.try_emplace(p.pid, false);
          if (fresh) it->second = has_marker(p.pid, marker);
          ours = it->second;
        }
        if (!ours) continue;
        found.insert(p.pid);
        ::kill(p.pid, SIGSTOP);
        changed = grew = true;
      }
    }
    if (!grew) break;
  }
  return {found.begin(), found.end()};
}

void kill_and_reap(const std::vector<pid_t>& pids, std::uint64_t wait_ns) {
  for (pid_t p : pids) ::kill(p, SIGKILL);
  std::set<pid_t> left(pids.begin(), pids.end());
  const auto deadline = monotonic_ns() + wait_ns;
  while (!left.empty()) {
    for (auto it = left.begin(); it != left.end();) {
      pid_t p = *it;
      int status = 0;
      pid_t r = ::waitpid(p, &status, WNOHANG);
      ProcStat s;
      // Reaped here, or gone (its parent reaped it), or a zombie whose
      // parent is not us and is itself being killed: wait for it to come.
      if (r == p || (r < 0 && errno == ECHILD && !read_stat(p, s)))
        it = left.erase(it);
      else
        ++it;
    }
    if (left.empty() || monotonic_ns() >= deadline) break;
    ::usleep(2'000);
  }
}

}  // namespace zc
