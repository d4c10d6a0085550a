// External strategies: a transfer strategy whose data path runs in a
// program in any language (the JVM's FileChannel.transferTo, a Go or Rust
// server, a broker's own code). zc-bench starts the program with the
// source and the sink already open and drives it with a line protocol
// (README, "Writing an external strategy"); the harness measures it as it
// measures a native strategy.
//
// This file holds what the strategy contract needs: the description file
// (the program's command, its ledger as LedgerBuilder steps, its probe),
// the strategy the registry holds for each file, and the launcher through
// which a later layer (harness/external/, where processes are started)
// runs the program for one repetition.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/transfer.hpp"

namespace zc {

// One step of a described ledger, replayed on a LedgerBuilder so that the
// run's conditions (cache, sink, egress device, receiver) shape the hops
// exactly as they shape a native strategy's.
struct ExternalLedgerStep {
  enum class Kind { source_into_page_cache, hop, sink_copy_from, sink_by_reference_from };
  Kind kind = Kind::hop;
  Place from = Place::page_cache, to = Place::page_cache;
  Mover by = Mover::cpu;
  std::string note;
};

// What a description file (`<id>.strategy`) says.
struct ExternalProgram {
  std::string id;
  std::string data_path;
  std::filesystem::path file;  // the description file itself
  // argv; "{dir}" stands for the description file's folder, so a program
  // installed next to it is found from any working directory.
  std::vector<std::string> command;
  std::vector<std::string> required_programs;         // looked up on PATH
  std::vector<std::filesystem::path> required_files;  // must exist
  std::string hint;                                   // added to a failed probe's reason
  std::vector<SinkKind> sinks;                        // the sinks it can write; all when empty
  std::vector<ExternalLedgerStep> ledger;
  double syscalls_per_chunk = 0;
  // The syscalls of the data path by name ("newfstatat", "sendfile"): the
  // model check counts these among everything the process called.
  std::vector<std::string> data_syscalls;
  double startup_timeout_s = 60;  // start-up, set-up and warm-up, until "ready"
};

// Parses a description's text. Throws std::invalid_argument naming the
// file, the line and what is allowed.
ExternalProgram parse_external_program(std::string_view text, const std::filesystem::path& file);
// Reads and parses a description file, trusted as ssh and sudo trust
// theirs (read_trusted_description); throws std::invalid_argument naming
// the file and why it was refused.
ExternalProgram load_external_program(const std::filesystem::path& file);

// The most a description file may hold.
constexpr std::size_t kMaxDescriptionBytes = 64 * 1024;

// Why the folder `dir` cannot be trusted to hold descriptions, or empty: it
// and every folder above it up to / must be a folder owned by root or by
// this user and writable by no one else. A sticky folder owned by root
// (/tmp) is accepted on the way: others can add files there, but cannot
// replace ours, and what they add is refused for its owner.
std::string untrusted_folder(const std::filesystem::path& dir);

// The text of the description `name` in the folder open as `dir_fd`
// (shown as `shown`), if it can be trusted: opened with O_NOFOLLOW and
// O_NONBLOCK (a symbolic link or a FIFO never blocks or redirects the
// read), a regular file by fstat, at most kMaxDescriptionBytes, owned by
// root or this user, writable by no one else. Throws std::invalid_argument
// naming the file and the reason.
std::string read_trusted_description(int dir_fd, const std::string& name,
                                     const std::filesystem::path& shown);

// Starts an external program for one repetition and returns its session;
// implemented by harness/external/ and handed to strategies in
// TransferContext::external (strategies cannot start processes themselves:
// they include only core/ and kit/).
class ExternalLauncher {
 public:
  virtual ~ExternalLauncher() = default;
  virtual std::unique_ptr<TransferSession> launch(const ExternalProgram& program,
                                                  const TransferContext& ctx) const = 0;
};

class ExternalStrategy final : public TransferStrategy {
 public:
  explicit ExternalStrategy(ExternalProgram program) : program_(std::move(program)) {}
  const ExternalProgram& program() const { return program_; }

  std::string_view id() const override { return program_.id; }
  std::string_view data_path() const override { return program_.data_path; }
  Ledger ledger(const Conditions& c) const override;
  bool accepts_sink(SinkKind s) const override;
  // The programs on PATH and the files it needs, named when missing.
  Support probe(const Conditions& c) const override;
  std::unique_ptr<TransferSession> prepare(const TransferContext& ctx) const override;

 private:
  ExternalProgram program_;
};

// The folders searched for description files, in order: those in
// $ZC_STRATEGY_PATH (colon-separated), then the installed tree's
// <prefix>/share/zc-bench/strategies (found from the executable), or, for
// a binary that is not installed, the build tree's. Only folders that
// untrusted_folder() accepts, by their real path; each one left out adds a
// line to `problems` (an entry that is not a folder or cannot be read, a
// folder that is not trusted).
std::vector<std::filesystem::path> external_strategy_dirs(std::vector<std::string>& problems);

// `program` on PATH, or empty.
std::filesystem::path find_on_path(std::string_view program);

}  // namespace zc
