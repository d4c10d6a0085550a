#include "harness/external/external_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/interrupt.hpp"
#include "harness/base/process_tree.hpp"
#include "harness/base/text.hpp"
#include "harness/kit/launch_lock.hpp"
#include "harness/measure/meters.hpp"

namespace zc {
namespace bp = boost::process;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;    // a protocol line longer than this is garbage
constexpr std::size_t kStderrTail = 2 * 1024;  // what an error shows of the program's stderr
constexpr std::uint64_t kExitGraceNs = 5'000'000'000;  // after end of file on fd 4

// The fixed descriptors of the protocol.
constexpr int kSinkFd = 0, kControlOutFd = 1, kStderrFd = 2, kSourceFd = 3, kGoFd = 4, kGateFd = 5;

// /bin/sh waits for the gate's line, then becomes the program (exec: same
// pid, so counters attached to the pid follow it). fd 5 is closed for the
// program; a gate closed without a line (zc-bench gave up) ends it.
constexpr const char* kGateScript = "read -r zc_gate <&5 || exit 125; exec \"$@\" 5<&-";

// Run in the child between fork and exec: its own process group (killed
// as one, and out of reach of the terminal's ^C, which zc-bench handles),
// and killed if zc-bench dies first.
struct ChildSetup : bp::extend::handler {
  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
};

struct Pipe {
  UniqueFd read, write;
};

// The program's environment: ours with the protocol's variables set, as a
// plain envp handed to the executor. Not boost::process::environment: its
// lookup in Boost 1.74 reads past entries shorter than the key
// (AddressSanitizer: environment.hpp:266; the receiver does the same).
class ProgramEnvironment {
 public:
  explicit ProgramEnvironment(const std::vector<std::pair<std::string, std::string>>& set) {
    for (char** e = ::environ; *e; ++e) {
      bool replaced = false;
      for (const auto& [k, v] : set)
        replaced |= std::strncmp(*e, k.c_str(), k.size()) == 0 && (*e)[k.size()] == '=';
      if (!replaced) entries_.emplace_back(*e);
    }
    for (const auto& [k, v] : set) entries_.push_back(k + "=" + v);
    for (auto& e : entries_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  char** envp() { return envp_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> envp_;
};

Pipe make_pipe() {
  int p[2];
  check_unix(::pipe2(p, O_CLOEXEC), "pipe2");
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

// "3", "2.5": a timeout as the description file spelled it.
std::string seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

std::string describe_exit(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
  return "killed by signal " + std::to_string(info.si_status);
}

// "ready tid=12 warmup_ns=3" -> the word and its fields. A field that is
// not key=count is a protocol error: the program said something else.
std::string parse_fields(const std::string& line, std::map<std::string, std::uint64_t>& fields) {
  std::istringstream in(line);
  std::string word;
  in >> word;
  for (std::string kv; in >> kv;) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("field '" + kv + "' is not key=value");
    const std::string value = kv.substr(eq + 1);
    char* end = nullptr;
    errno = 0;
    auto v = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-')
      throw std::invalid_argument("field '" + kv + "' is not a count (a whole number >= 0)");
    fields[kv.substr(0, eq)] = v;
  }
  return word;
}

}  // namespace

nlohmann::json to_json(const ExternalReport& r) {
  auto s = [](std::uint64_t a, std::uint64_t b) { return b > a ? double(b - a) * 1e-9 : 0.0; };
  const auto& t = r.timeline;
  nlohmann::json j = {{"pid", r.pid},
                      {"ready", r.ready},
                      {"done", r.done},
                      {"timeline_ns",
                       {{"spawned", t.spawned_ns},
                        {"gate_opened", t.gate_ns},
                        {"ready", t.ready_ns},
                        {"go", t.go_ns},
                        {"done", t.done_ns}}},
                      // Untimed: the program's start-up, set-up and warm-up.
                      {"startup_s", s(t.gate_ns, t.ready_ns)},
                      {"method", "CLOCK_MONOTONIC timestamps of the protocol's lines (now_ns)"}};
  if (r.data_tid) j["data_tid"] = *r.data_tid;
  if (r.syscalls) j["reported_syscalls"] = *r.syscalls;
  if (!r.exit.empty()) j["exit"] = r.exit;
  return j;
}

ExternalSession::ExternalSession(const ExternalProgram& program, const TransferContext& ctx)
    : program_(program), ctx_(ctx) {
  UniqueFd source(check_unix(::open(ctx.source_path.c_str(), O_RDONLY | O_CLOEXEC),
                             "open source for the external program"));
  // Whatever the program starts stays ours: orphans come back to zc-bench
  // (not init), and the marker finds those that left its process group.
  become_subreaper();
  marker_ = new_process_marker();
  const auto eq = marker_.find('=');
  auto out = make_pipe(), err = make_pipe(), go = make_pipe(), gate = make_pipe();
  ProgramEnvironment env({{"ZC_PROTOCOL", "1"},
                          {"ZC_SIZE", std::to_string(ctx.size)},
                          {"ZC_CHUNK", std::to_string(ctx.chunk)},
                          {"ZC_QUEUE_DEPTH", std::to_string(ctx.queue_depth)},
                          {"ZC_SINK", std::string(to_string(ctx.sink))},
                          {"ZC_SINK_FD", std::to_string(kSinkFd)},
                          {"ZC_SOURCE_FD", std::to_string(kSourceFd)},
                          {"ZC_SOURCE_PATH", ctx.source_path.string()},
                          {"ZC_GO_FD", std::to_string(kGoFd)},
                          {marker_.substr(0, eq), marker_.substr(eq + 1)}});
  auto use_env = bp::extend::on_setup([&env](auto& exec) { exec.env = env.envp(); });
  std::vector<std::string> args = {"-c", kGateScript, "zc-bench-gate"};
  args.insert(args.end(), program.command.begin(), program.command.end());
  try {
    std::lock_guard launch(launch_mutex());  // see launch_lock.hpp
    bp::child child(
        "/bin/sh", bp::args(args), use_env, ChildSetup{}, bp::posix::fd.bind(kSinkFd, ctx.sink_fd),
        bp::posix::fd.bind(kControlOutFd, out.write.get()),
        bp::posix::fd.bind(kStderrFd, err.write.get()), bp::posix::fd.bind(kSourceFd, source.get()),
        bp::posix::fd.bind(kGoFd, go.read.get()), bp::posix::fd.bind(kGateFd, gate.read.get()));
    report_.pid = child.id();
    child.detach();  // reaped by end(): the process group is killed, not only the pid
  } catch (const std::exception& e) {
    throw std::runtime_error("starting " + program.id + " (/bin/sh, then " +
                             program.command.front() + "): " + e.what());
  }
  report_.timeline.spawned_ns = now_ns();
  out_ = std::move(out.read);
  err_ = std::move(err.read);
  go_ = std::move(go.write);
  gate_ = std::move(gate.write);
}

ExternalSession::~ExternalSession() {
  try {
    end();
  } catch (...) {
  }
}

void ExternalSession::start_worker() {
  report_.timeline.gate_ns = now_ns();
  if (::write(gate_.get(), "start\n", 6) != 6)
    fail("did not start (the gate shell is gone: " + describe_end() + ")");
  gate_.reset();
  auto limit = now_ns() + std::uint64_t(program_.startup_timeout_s * 1e9);
  auto deadline = ctx_.deadline_ns ? std::min(ctx_.deadline_ns, limit) : limit;
  auto line = read_line(deadline, "ready");
  report_.timeline.ready_ns = now_ns();
  expect(line, "ready", report_.ready);
  if (auto it = report_.ready.find("tid"); it != report_.ready.end())
    report_.data_tid = pid_t(it->second);
}

std::uint64_t ExternalSession::step(CallCounters& counters) {
  if (!said_go_) {
    said_go_ = true;
    report_.timeline.go_ns = now_ns();
    if (::write(go_.get(), "go\n", 3) != 3) fail("could not be told go: " + describe_end());
    auto line = read_line(ctx_.deadline_ns, "done");
    report_.timeline.done_ns = now_ns();
    report_.done_line_bytes = line.size() + 1;
    expect(line, "done", report_.done);
    auto field = [&](const char* k) -> std::optional<std::uint64_t> {
      auto it = report_.done.find(k);
      if (it == report_.done.end()) return std::nullopt;
      return it->second;
    };
    if (!field("bytes")) fail("said done without bytes=N (the bytes it moved)");
    reported_ = *field("bytes");
    report_.syscalls = field("syscalls");
    if (report_.syscalls) counters.syscalls += *report_.syscalls;
    counters.bytes_to_user += field("bytes_to_user").value_or(0);
    counters.bytes_from_user += field("bytes_from_user").value_or(0);
    for (const auto& [k, v] : report_.done)
      if (k != "bytes" && k != "syscalls" && k != "bytes_to_user" && k != "bytes_from_user" &&
          k.size() > 3 && k.compare(k.size() - 3, 3, "_ns") != 0)
        counters.evidence["program_" + k] = v;
  }
  auto n = std::min<std::uint64_t>(ctx_.chunk, reported_ - handed_);
  handed_ += n;
  return n;
}

// A protocol line: `word` and its fields, or "error MESSAGE", or garbage.
void ExternalSession::expect(const std::string& line, const std::string& word,
                             std::map<std::string, std::uint64_t>& fields) {
  auto first = line.substr(0, line.find(' '));
  if (first == "error")
    fail(std::string(word == "ready" ? "failed while starting: " : "failed: ") +
         (line.size() > 6 ? printable(line.substr(6), 400) : "(no message)"));
  // The program's words are escaped (printable): they go into the results
  // (valid UTF-8) and onto the terminal (no control bytes).
  if (first != word) fail("said '" + printable(line, 200) + "' instead of " + word);
  try {
    parse_fields(line, fields);
  } catch (const std::invalid_argument& e) {
    fail("said '" + printable(line, 200) + "': " + printable(e.what(), 200));
  }
}

// The next line the program writes on fd 1, draining its stderr meanwhile
// (a full stderr pipe would stall it). Throws at the deadline, at end of
// file (the program ended) and on a line too long to be the protocol.
std::string ExternalSession::read_line(std::uint64_t deadline_ns, const std::string& waiting_for) {
  char buf[4096];
  while (pending_.find('\n') == std::string::npos) {
    auto now = now_ns();
    if (now >= deadline_ns)
      fail("was not " + waiting_for + " before " +
           (waiting_for == "ready"
                ? "its start-up timeout (" + seconds(program_.startup_timeout_s) +
                      " s, startup-timeout in " + program_.file.string() +
                      ") or the repetition's deadline"
                : std::string("the repetition's deadline (--timeout)")));
    pollfd p[2] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}};
    int wait_ms = int(std::min<std::uint64_t>((deadline_ns - now) / 1'000'000 + 1, 1000));
    int r = ::poll(p, err_ ? 2 : 1, wait_ms);
    if (r < 0 && errno == EINTR) {
      if (interrupted()) {
        end(false);  // stopping: no grace for the program either
        throw std::runtime_error("interrupted");
      }
      continue;
    }
    check_unix(r, "poll");
    if (err_ && p[1].revents) drain_stderr();
    if (!p[0].revents) continue;
    auto n = ::read(out_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    check_unix(n, "read from the external program");
    if (n == 0) fail(describe_end() + " before it was " + waiting_for);
    pending_.append(buf, std::size_t(n));
    if (pending_.size() > kMaxLine)
      fail("wrote a line longer than " + std::to_string(kMaxLine) +
           " bytes while zc-bench waited for " + waiting_for + ": not the protocol");
  }
  auto end = pending_.find('\n');
  std::string line = pending_.substr(0, end);
  pending_.erase(0, end + 1);
  return line;
}

void ExternalSession::drain_stderr() {
  char buf[4096];
  auto n = ::read(err_.get(), buf, sizeof buf);
  if (n <= 0) {
    if (n == 0 || errno != EINTR) err_.reset();
    return;
  }
  stderr_tail_.append(buf, std::size_t(n));
  if (stderr_tail_.size() > kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
}

// Whether the program has ended, without reaping it: its pid (and so its
// process group's id) stays reserved until end() has killed the group.
bool ExternalSession::exited() {
  if (exited_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, id_t(report_.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == report_.pid) {
    exited_ = true;
    exit_ = describe_exit(info);
  }
  return exited_;
}

// How the program ended, waiting a moment for a dying one.
std::string ExternalSession::describe_end() {
  for (int i = 0; i < 50 && !exited(); ++i) ::usleep(10'000);
  return exited() ? exit_ : "is still running";
}

void ExternalSession::fail(const std::string& what) {
  auto pid = report_.pid;
  end(false);  // a program that broke the protocol gets no grace
  std::string tail = stderr_tail_;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  if (auto nl = tail.find_last_of('\n'); tail.size() > 400 && nl != std::string::npos)
    tail = tail.substr(nl + 1);  // the last line is the one that says why
  tail = printable(tail, 400);
  throw std::runtime_error("external program " + program_.id + " (pid " + std::to_string(pid) +
                           ") " + what + (tail.empty() ? "" : "; its stderr: " + tail));
}

void ExternalSession::end(bool grace) {
  if (ended_) return;
  ended_ = true;
  gate_.reset();  // a program still behind the gate: the shell exits
  go_.reset();    // end of file on fd 4: the program's cue to exit
  const auto deadline = now_ns() + (grace ? kExitGraceNs : 0);
  while (!exited() && now_ns() < deadline) {
    // Keep its pipes flowing while it exits.
    pollfd p[2] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}};
    if (::poll(p, err_ ? 2 : 1, 10) > 0) {
      char buf[4096];
      if (p[0].revents && ::read(out_.get(), buf, sizeof buf) <= 0) out_.reset();
      if (err_ && p[1].revents) drain_stderr();
      if (!out_) ::usleep(10'000);
    }
  }
  // Whatever is left of its process group goes now, the program too if it
  // did not exit in time; then it is reaped.
  const bool killed = !exited();
  // Its descendants, those that left the group (setsid) included, are
  // stopped first (so that none forks meanwhile), then killed with the
  // group and reaped.
  auto descendants = freeze_descendants(report_.pid, marker_);
  ::kill(-report_.pid, SIGKILL);
  int status = 0;
  ::waitpid(report_.pid, &status, 0);
  kill_and_reap(descendants);
  std::string why = grace
                        ? "it did not exit within " + std::to_string(kExitGraceNs / 1'000'000'000) +
                              " s of end of file on fd 4"
                        : "it broke the protocol";
  if (!killed)
    report_.exit = exit_;
  else if (WIFSIGNALED(status))
    report_.exit =
        "killed by signal " + std::to_string(WTERMSIG(status)) + " (by zc-bench: " + why + ")";
  else
    report_.exit =
        "exited with status " + std::to_string(WEXITSTATUS(status)) + " as zc-bench killed it";
  out_.reset();
  err_.reset();
}

namespace {
class Launcher : public ExternalLauncher {
 public:
  std::unique_ptr<TransferSession> launch(const ExternalProgram& program,
                                          const TransferContext& ctx) const override {
    return std::make_unique<ExternalSession>(program, ctx);
  }
};
}  // namespace

const ExternalLauncher& external_launcher() {
  static const Launcher launcher;
  return launcher;
}

}  // namespace zc
