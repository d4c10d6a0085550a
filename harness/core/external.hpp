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
// Reads and parses a description file.
ExternalProgram load_external_program(const std::filesystem::path& file);

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
// a binary that is not installed, the build tree's.
std::vector<std::filesystem::path> external_strategy_dirs();

// `program` on PATH, or empty.
std::filesystem::path find_on_path(std::string_view program);

}  // namespace zc
