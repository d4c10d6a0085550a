// The options of `zc-bench run` that workloads take, each family declared
// once here (fio's `struct fio_option` rows): its name, the kind of value,
// its range and its help. A workload lists the families it takes with its
// own default and, where narrower, its own allowed values (RunOption); the
// help, the defaults, the ranges and the error text all come from these
// rows. Adding a family: a row below, a RunOption in each workload that
// takes it, and the workload reads its typed value from RunOptions, parsed
// once (parse_run_options) before the workload's expand() sees it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/append_params.hpp"
#include "harness/core/conditions.hpp"
#include "harness/core/nic_request.hpp"

namespace zc {

enum class OptionKind {
  sizes,   // a list or range of sizes (parse_size_list)
  counts,  // a list of whole numbers within [lo, hi]
  words,   // a comma-separated list of names
  text,    // one text, taken as given (a path, a NIC setting)
};

struct OptionFamily {
  std::string_view name;  // "--size"
  OptionKind kind;
  std::string_view help;         // what it sets
  std::string_view values;       // what it takes, when not said by kind and range
  std::uint64_t lo = 0, hi = 0;  // counts: the range
  bool repeatable = false;       // may be given more than once (--nic)
};

namespace option {

inline constexpr OptionFamily size{"--size", OptionKind::sizes, "bytes per run: a list or range",
                                   "4K, 1M, 1G; 1M..64M"};
inline constexpr OptionFamily chunk{"--chunk", OptionKind::sizes, "bytes per call: a list or range",
                                    "4K..4M in powers of two"};
inline constexpr OptionFamily record{"--record", OptionKind::sizes, "record sizes: a list or range",
                                     "4K, 3000, 4K..64K"};
inline constexpr OptionFamily pattern{"--pattern", OptionKind::words, "where records go",
                                      "seq, random or seq,random"};
inline constexpr OptionFamily sync{"--sync", OptionKind::words, "sync policies: a list runs each",
                                   "none, every:N (records), interval:MS, dsync (O_DSYNC)"};
inline constexpr OptionFamily sink{"--sink", OptionKind::words,
                                   "where the bytes go, comma-separated",
                                   "tcp, unix, pipe, null, file, veth, remote:HOST:PORT"};
inline constexpr OptionFamily nic{"--nic",
                                  OptionKind::text,
                                  "veth sink: the egress device's offloads (repeat to compare "
                                  "settings)",
                                  "sg=on|off,tso=on|off,gso=on|off",
                                  0,
                                  0,
                                  true};
inline constexpr OptionFamily cache{"--cache", OptionKind::words,
                                    "page cache before each repetition", "hot, cold, or hot,cold"};
inline constexpr OptionFamily receiver{"--receiver", OptionKind::words, "receiver mode",
                                       "recv, zerocopy-receive, truncate, zcrx"};
inline constexpr OptionFamily tls_cipher{"--tls-cipher", OptionKind::words,
                                         "TLS strategies: the TLS 1.3 suite",
                                         "aes-128-gcm, aes-256-gcm or chacha20-poly1305"};
inline constexpr OptionFamily qd{
    "--qd", OptionKind::counts, "queue depth(s) for io_uring strategies", "", 1, 4096};
inline constexpr OptionFamily file{
    "--file", OptionKind::text, "use this file as the source instead of generating one", "a path"};
inline constexpr OptionFamily streams{
    "--streams",
    OptionKind::counts,
    "concurrent streams, each with its own sender, receiver and connection: a count or a list "
    "such as 1,2,4,8",
    "",
    1,
    64};
inline constexpr OptionFamily producers{"--producers",
                                        OptionKind::counts,
                                        "broker: producer processes appending to the partition log",
                                        "",
                                        1,
                                        64};
inline constexpr OptionFamily consumers{
    "--consumers", OptionKind::counts, "broker: consumer processes fetching the log", "", 1, 64};
inline constexpr OptionFamily consume{
    "--consume", OptionKind::words,
    "broker: the transfer strategies that serve the consumers, comma-separated",
    "any that can feed a socket"};
inline constexpr OptionFamily lag{
    "--lag", OptionKind::words,
    "broker: the phases, each a run on its own log: producers alone (none), with caught-up "
    "consumers reading the tail as it is written (caught-up), and with one more consumer "
    "reading from the start once half the log is written and dropped from the page cache "
    "(lagging)",
    "none, caught-up, lagging"};
inline constexpr OptionFamily lag_read{
    "--lag-read", OptionKind::words,
    "broker: how the lagging consumer reads: through the page cache (buffered), around it "
    "(direct: O_DIRECT) or through it, dropping what it read (dontneed: "
    "POSIX_FADV_DONTNEED behind it); a list runs each",
    "buffered, direct, dontneed"};
inline constexpr OptionFamily cache_limit{
    "--cache-limit", OptionKind::sizes,
    "broker: the memory (page cache) the broker may use, a memory cgroup's limit (root, or a "
    "delegated cgroup); below half the log",
    "8M, 64M"};

}  // namespace option

// A family as one workload takes it.
struct RunOption {
  const OptionFamily* family;
  std::string_view default_text;  // the workload's default; "" when none
  std::string_view values = {};   // the workload's allowed values, where narrower
  std::string_view note = {};     // how the workload reads it ("fewer records when syncing")
  // words: what a value outside `values` cannot do here ("cannot carry a
  // producer's stream"), for the error; empty: the family's own text.
  std::string_view refusal = {};
};

// The line --help shows for `o`: the family's help, the values the
// workload allows, the range and the workload's note.
std::string option_help(const RunOption& o);

// A --sink value: its kind and, for the remote sink, HOST:PORT.
struct SinkChoice {
  SinkKind kind = SinkKind::tcp;
  std::string remote;
};

// The options a workload takes, as typed lists: parsed once, from what was
// given (command line, preset) or the workload's defaults, with each
// family's range and error text, before expand() forms their product.
// Families the workload does not take stay empty.
struct RunOptions {
  std::vector<std::uint64_t> sizes;  // --size: as given, else the workload's default
  bool size_given = false;           // append, ingest: the default is only a cap
  std::vector<std::uint64_t> chunks, records;
  std::vector<AppendPattern> patterns;
  std::vector<SyncPolicy> syncs;
  std::vector<SinkChoice> sinks;  // only the workload's own sinks
  std::vector<NicRequest> nics;   // one per --nic given, in order
  std::vector<CacheState> caches;
  ReceiverMode receiver = ReceiverMode::recv;
  std::string tls_cipher;  // a TLS 1.3 suite's name (kit/tls.hpp)
  std::vector<unsigned> qds, streams;
  std::string file;  // --file: the source, "" for a generated one
};

// What the user asked for, as typed: option name -> the texts given (one,
// or several for a repeatable option), and the chosen workload's defaults.
struct RunRequest {
  std::map<std::string, std::vector<std::string>, std::less<>> given;
  std::map<std::string, std::string, std::less<>> defaults;
  // Given on the command line (or by a preset), not defaulted.
  bool has(std::string_view option) const { return given.count(option) > 0; }
  bool has(const OptionFamily& f) const { return has(f.name); }
  // The (last) text given, else the workload's default, else "".
  std::string text(const OptionFamily& f) const;
  // Every text given, in order; empty when none.
  std::vector<std::string> all(const OptionFamily& f) const;
  // The typed lists, with the family's range and error text.
  std::vector<std::uint64_t> sizes(const OptionFamily& f) const;
  std::vector<unsigned> counts(const OptionFamily& f) const;
  std::vector<std::string> words(const OptionFamily& f) const;
  // Every option the workload takes, parsed (make_plan fills it before
  // expand(); parse_run_options).
  RunOptions typed;
};

// Parses each family in `taken` (a workload's options()) from `r`; throws
// UsageError naming the option for a value it does not take.
RunOptions parse_run_options(const RunRequest& r, std::span<const RunOption> taken);

// --sync's policies, for append and ingest (parse_run_options reads them so).
std::vector<SyncPolicy> pick_syncs(const RunRequest& r);

// A log's size when --size is not given (append, ingest): `cap` (the
// --size default), or fewer records when the policy syncs per record. A
// per-record device flush takes milliseconds on real storage (about 7 ms on
// this project's test VM), so such policies default to 512 syncs' worth
// instead of a size that takes minutes.
std::uint64_t default_log_size(std::uint64_t cap, std::uint64_t record, const SyncPolicy& sync);

}  // namespace zc
