#include "harness/workloads/options.hpp"

#include <algorithm>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/kit/tls.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {

std::string option_help(const RunOption& o) {
  const auto& f = *o.family;
  std::string help(f.help);
  std::string_view values = o.values.empty() ? f.values : o.values;
  std::string shape(values);
  if (f.kind == OptionKind::counts)
    shape += (shape.empty() ? "" : ", ") + std::to_string(f.lo) + ".." + std::to_string(f.hi);
  if (!shape.empty()) help += " (" + shape + ")";
  if (!o.note.empty()) help += "; " + std::string(o.note);
  return help;
}

std::string RunRequest::text(const OptionFamily& f) const {
  if (auto it = given.find(f.name); it != given.end() && !it->second.empty())
    return it->second.back();
  auto it = defaults.find(f.name);
  return it == defaults.end() ? std::string() : it->second;
}

std::vector<std::string> RunRequest::all(const OptionFamily& f) const {
  auto it = given.find(f.name);
  return it == given.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::uint64_t> RunRequest::sizes(const OptionFamily& f) const {
  return parse_size_list(text(f), f.name);
}

std::vector<unsigned> RunRequest::counts(const OptionFamily& f) const {
  std::vector<unsigned> out;
  for (const auto& item : split_unique(text(f), f.name))
    out.push_back(unsigned(parse_count(item, f.name, f.lo, f.hi)));
  return out;
}

std::vector<std::string> RunRequest::words(const OptionFamily& f) const {
  return split_unique(text(f), f.name);
}

std::vector<SyncPolicy> pick_syncs(const RunRequest& r) {
  std::vector<SyncPolicy> out;
  for (const auto& name : r.words(option::sync)) {
    auto p = SyncPolicy::parse(name);
    if (!p)
      throw UsageError(std::string(option::sync.name) + ": '" + name +
                       "' is not a sync policy (allowed: none, every:N, interval:MS, dsync; "
                       "N and MS positive)");
    out.push_back(*p);
  }
  return out;
}

namespace {

// The names in a list such as "tcp, unix, veth, remote:HOST:PORT".
bool lists(std::string_view list, std::string_view name) {
  for (std::size_t at = 0; at <= list.size();) {
    auto end = std::min(list.find(',', at), list.size());
    auto item = list.substr(at, end - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item == name) return true;
    at = end + 1;
  }
  return false;
}

// --sink: the names in the workload's list (remote:HOST:PORT with an
// address); anything else is refused with the workload's reason, or, where
// it takes every sink, as not a sink.
std::vector<SinkChoice> parse_sinks(const RunRequest& r, const RunOption& o) {
  const auto& f = *o.family;
  const std::string allowed(o.values.empty() ? f.values : o.values);
  std::vector<SinkChoice> out;
  for (const auto& name : r.words(f)) {
    if (name.rfind("remote:", 0) == 0 && lists(allowed, "remote:HOST:PORT")) {
      out.push_back({SinkKind::remote, parse_remote_address(name.substr(7), "--sink")});
      continue;
    }
    auto kind = parse_sink_kind(name);
    if (kind && kind != SinkKind::remote && lists(allowed, to_string(*kind))) {
      out.push_back({*kind, {}});
      continue;
    }
    std::string why = !o.refusal.empty() ? "'" + name + "' " + std::string(o.refusal)
                      : kind             ? std::string("remote needs an address: remote:HOST:PORT")
                                         : "unknown sink '" + name + "'";
    throw UsageError(std::string(f.name) + ": " + why + " (allowed: " + allowed + ")");
  }
  return out;
}

std::vector<CacheState> parse_caches(const RunRequest& r) {
  std::vector<CacheState> out;
  for (const auto& name : r.words(option::cache)) {
    if (name == "hot")
      out.push_back(CacheState::hot);
    else if (name == "cold")
      out.push_back(CacheState::cold);
    else
      throw UsageError("--cache: '" + name + "' is not a cache state (allowed: hot, cold)");
  }
  return out;
}

std::vector<AppendPattern> parse_patterns(const RunRequest& r) {
  std::vector<AppendPattern> out;
  for (const auto& name : r.words(option::pattern)) {
    auto p = parse_append_pattern(name);
    if (!p) throw UsageError("--pattern: '" + name + "' is not a pattern (allowed: seq, random)");
    out.push_back(*p);
  }
  return out;
}

ReceiverMode parse_receiver(const RunRequest& r) {
  auto text = r.text(option::receiver);
  auto mode = parse_receiver_mode(text);
  if (!mode)
    throw UsageError("--receiver: '" + text + "' is not a receiver mode (allowed: " +
                     std::string(option::receiver.values) + ")");
  return *mode;
}

std::string parse_tls_cipher(const RunRequest& r) {
  auto cipher = r.text(option::tls_cipher);
  if (!tls13_suite(cipher))
    throw UsageError("--tls-cipher: '" + cipher +
                     "' is not a cipher (allowed: " + std::string(tls_cipher_names()) + ")");
  return cipher;
}

// Each --nic setting once: the same one twice would make two runs of one name.
std::vector<NicRequest> parse_nics(const RunRequest& r) {
  std::vector<NicRequest> nics;
  for (const auto& t : r.all(option::nic)) {
    auto nic = parse_nic_request(t);
    if (std::find(nics.begin(), nics.end(), nic) != nics.end())
      throw UsageError("--nic: '" + t + "' is given twice");
    nics.push_back(nic);
  }
  return nics;
}

}  // namespace

RunOptions parse_run_options(const RunRequest& r, std::span<const RunOption> taken) {
  RunOptions o;
  for (const auto& row : taken) {
    const auto* f = row.family;
    if (f == &option::size) {
      o.sizes = r.sizes(*f);
      o.size_given = r.has(*f);
    } else if (f == &option::chunk) {
      o.chunks = r.sizes(*f);
    } else if (f == &option::record) {
      o.records = r.sizes(*f);
    } else if (f == &option::pattern) {
      o.patterns = parse_patterns(r);
    } else if (f == &option::sync) {
      o.syncs = pick_syncs(r);
    } else if (f == &option::sink) {
      o.sinks = parse_sinks(r, row);
    } else if (f == &option::nic) {
      o.nics = parse_nics(r);
    } else if (f == &option::cache) {
      o.caches = parse_caches(r);
    } else if (f == &option::receiver) {
      o.receiver = parse_receiver(r);
    } else if (f == &option::tls_cipher) {
      o.tls_cipher = parse_tls_cipher(r);
    } else if (f == &option::qd) {
      o.qds = r.counts(*f);
    } else if (f == &option::streams) {
      o.streams = r.counts(*f);
    } else if (f == &option::file) {
      o.file = r.text(*f);
    }
    // The broker's families (--producers, --consumers, --consume, --lag)
    // are its own workload's to read.
  }
  return o;
}

std::uint64_t default_log_size(std::uint64_t cap, std::uint64_t record, const SyncPolicy& sync) {
  constexpr std::uint64_t kSyncedRecords = 512;
  std::uint64_t records = cap / record;
  if (sync.kind == SyncPolicy::Kind::every) records = kSyncedRecords * sync.n;
  if (sync.kind == SyncPolicy::Kind::dsync) records = kSyncedRecords;
  return std::clamp(records * record, record, cap);
}

}  // namespace zc
