// An external strategy's program for one repetition: started with
// Boost.Process, the source and the sink passed as file descriptors, and
// driven by the line protocol the README describes ("Writing an external
// strategy"):
//
//   fd 0  the sink (a socket sink is what a JVM's System.inheritedChannel()
//         returns), fd 3 the source file, fd 4 zc-bench's lines ("go", then
//         end of file), fd 1 the program's lines, fd 2 its diagnostics;
//   program: "ready [key=value ...]" after its set-up and warm-up;
//   zc-bench: "go"; program: moves the bytes, "done bytes=N [key=value ...]"
//   (or "error MESSAGE" at any point).
//
// The program is started behind a gate (/bin/sh waiting on fd 5, then
// exec'ing it in place, same pid) so that the harness can attach counters
// that follow every thread before the program creates any; start_worker()
// opens the gate. Every wait is bounded; a program that dies, says
// something else or stays silent is an error naming what it did, with the
// end of its stderr, and it is killed with its process group: nothing it
// started outlives the repetition.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "harness/base/fd.hpp"
#include "harness/core/external.hpp"

namespace zc {

// What the protocol said and when (now_ns() clock, CLOCK_MONOTONIC, which
// is also what a JVM's System.nanoTime() and a C program's clock_gettime
// read: the program's own timestamps can be set beside the harness's).
struct ExternalTimeline {
  std::uint64_t spawned_ns = 0;  // the gate process started
  std::uint64_t gate_ns = 0;     // the gate opened: the program's exec
  std::uint64_t ready_ns = 0;    // "ready" read
  std::uint64_t go_ns = 0;       // "go" written: the timed region has begun
  std::uint64_t done_ns = 0;     // "done" read
};

struct ExternalReport {
  pid_t pid = -1;
  ExternalTimeline timeline;
  // The fields of the program's "ready" and "done" lines, as numbers.
  std::map<std::string, std::uint64_t> ready, done;
  // The program's own syscall count, when it keeps one ("syscalls=N").
  std::optional<std::uint64_t> syscalls;
  // The thread that moves the bytes, when the program says ("tid=N").
  std::optional<pid_t> data_tid;
  std::uint64_t done_line_bytes = 0;  // "done ...\n" as written: the protocol's, not data
  std::string exit;                   // how the program ended, once it has
};

nlohmann::json to_json(const ExternalReport& r);

class ExternalSession : public TransferSession {
 public:
  ExternalSession(const ExternalProgram& program, const TransferContext& ctx);
  ~ExternalSession() override;

  pid_t worker_pid() const override { return report_.pid; }
  void start_worker() override;
  // The first step says "go" and waits for "done"; the later ones hand out
  // the chunks the program reported moving, without calls.
  std::uint64_t step(CallCounters& counters) override;

  const ExternalReport& report() const { return report_; }
  // Ends the program: end of file on fd 4, a bounded wait for it to exit
  // (with `grace`), then SIGKILL to its process group. Idempotent; the
  // destructor calls it.
  void end(bool grace = true);

 private:
  void expect(const std::string& line, const std::string& word,
              std::map<std::string, std::uint64_t>& fields);
  std::string read_line(std::uint64_t deadline_ns, const std::string& waiting_for);
  void drain_stderr();
  [[noreturn]] void fail(const std::string& what);
  std::string describe_end();
  bool exited();

  ExternalProgram program_;
  TransferContext ctx_;
  ExternalReport report_;
  UniqueFd out_, err_, go_, gate_;  // our ends of the pipes
  std::string marker_;              // in its environment: finds its descendants
  std::string pending_;             // bytes from fd 1 not yet a line
  std::string stderr_tail_;         // the last bytes of fd 2
  std::uint64_t handed_ = 0, reported_ = 0;
  bool said_go_ = false, ended_ = false, exited_ = false;
  std::string exit_;  // how it ended, once exited()
};

// The launcher the transfer workload hands to external strategies.
const ExternalLauncher& external_launcher();

}  // namespace zc
