#include "cmd/run_append.hpp"

#include <algorithm>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/core/append.hpp"
#include "harness/core/registry.hpp"

namespace zc::cmd {
namespace {

// Default log size. A per-record device flush takes milliseconds on real
// storage (about 7 ms on this project's test VM), so policies that sync per
// record default to 512 syncs' worth instead of a size that takes minutes.
constexpr std::uint64_t kDefaultLog = 64ull << 20;
constexpr std::uint64_t kDefaultSyncedRecords = 512;

std::uint64_t default_log_size(std::uint64_t record, const SyncPolicy& sync) {
  std::uint64_t records = kDefaultLog / record;
  if (sync.kind == SyncPolicy::Kind::every) records = kDefaultSyncedRecords * sync.n;
  if (sync.kind == SyncPolicy::Kind::dsync) records = kDefaultSyncedRecords;
  return std::clamp(records * record, record, kDefaultLog);
}

bool given(const CLI::App& app, const char* option) { return app.get_option(option)->count() > 0; }

std::string known_append_ids() {
  std::string known;
  for (const auto* k : Registry::instance().all(Workload::append))
    known += (known.empty() ? "" : ", ") + std::string(k->id());
  return known;
}

std::vector<const AppendStrategy*> pick(const std::string& text) {
  std::vector<const AppendStrategy*> out;
  if (text == "all") {
    for (const auto* s : Registry::instance().all(Workload::append))
      out.push_back(static_cast<const AppendStrategy*>(s));
    return out;
  }
  for (const auto& id : split(text, ',')) {
    const auto* s = Registry::instance().find(id);
    if (!s || s->workload() != Workload::append)
      throw UsageError("--strategy: '" + id + "' is not an append strategy (allowed: all, " +
                       known_append_ids() + ")");
    out.push_back(static_cast<const AppendStrategy*>(s));
  }
  return out;
}

std::vector<AppendPattern> pick_patterns(const std::string& text) {
  std::vector<AppendPattern> out;
  for (const auto& name : split(text, ',')) {
    auto p = parse_append_pattern(name);
    if (!p) throw UsageError("--pattern: '" + name + "' is not a pattern (allowed: seq, random)");
    out.push_back(*p);
  }
  return out;
}

std::vector<SyncPolicy> pick_syncs(const std::string& text) {
  std::vector<SyncPolicy> out;
  for (const auto& name : split(text, ',')) {
    auto p = SyncPolicy::parse(name);
    if (!p)
      throw UsageError("--sync: '" + name +
                       "' is not a sync policy (allowed: none, every:N, interval:MS, dsync; "
                       "N and MS positive)");
    out.push_back(*p);
  }
  return out;
}

}  // namespace

void add_append_options(CLI::App& app, AppendArgs& a) {
  app.add_option("--workload", a.workload, "transfer (default) or append (records -> a log file)");
  app.add_option("--pattern", a.patterns, "append: seq, random or both (comma-separated)")
      ->capture_default_str();
  app.add_option("--record", a.records, "append: record sizes, list or range")
      ->capture_default_str();
  app.add_option("--sync", a.syncs,
                 "append: none, every:N (records), interval:MS, dsync (O_DSYNC); a list runs each")
      ->capture_default_str();
}

bool is_append_run(const CLI::App& app, const AppendArgs& a, const std::string& strategies) {
  if (!a.workload.empty() && a.workload != "transfer" && a.workload != "append")
    throw UsageError("--workload: '" + a.workload +
                     "' is not a workload (allowed: transfer, append)");
  bool any_append_id = false, any_transfer_id = false;
  if (strategies != "all")
    for (const auto& id : split(strategies, ',')) {
      const auto* s = Registry::instance().find(id);
      (s && s->workload() == Workload::append ? any_append_id : any_transfer_id) = true;
    }
  bool append =
      a.workload == "append" || a.preset == "append" || (any_append_id && !any_transfer_id);
  if (any_append_id && any_transfer_id)
    throw UsageError("--strategy: append and transfer strategies cannot run in one comparison");
  if (append && a.workload == "transfer")
    throw UsageError("--workload transfer: the strategies or preset given are append ones");
  if (!append)
    for (auto* opt : {"--pattern", "--record", "--sync"})
      if (given(app, opt))
        throw UsageError(std::string(opt) + " applies to append runs (--workload append)");
  if (append)
    for (auto* opt : {"--file", "--sink", "--cache", "--receiver", "--chunk", "--qd"})
      if (given(app, opt))
        throw UsageError(std::string(opt) +
                         " does not apply to append runs (they write a log in --tmpdir; "
                         "use --record for the record size)");
  return append;
}

void add_append_runs(Plan& plan, const CLI::App& app, const AppendArgs& a,
                     const std::string& strategies, const std::string& sizes) {
  bool preset = a.preset == "append";
  auto chosen = pick(preset && !given(app, "--strategy") ? "all" : strategies);
  auto records = parse_size_list(a.records, "--record");
  auto patterns = pick_patterns(preset && !given(app, "--pattern") ? "seq,random" : a.patterns);
  auto syncs = pick_syncs(preset && !given(app, "--sync") ? "none,every:1" : a.syncs);
  std::vector<std::uint64_t> size_list;
  if (!sizes.empty()) size_list = parse_size_list(sizes, "--size");
  for (auto sz : size_list)
    for (auto rec : records)
      if (rec > sz)
        throw UsageError("--record: " + format_size(rec) + " is larger than the log (--size " +
                         format_size(sz) + ")");

  // Sync policy outermost, then size and record, patterns innermost: each
  // seq run sits next to its random twin, which the ratio table pairs up.
  for (const auto& sync : syncs)
    for (auto rec : records)
      for (auto size : size_list.empty() ? std::vector{default_log_size(rec, sync)} : size_list)
        for (const auto* s : chosen)
          for (auto pattern : patterns) {
            RunSpec spec;
            spec.strategy = s;
            auto& c = spec.conditions;
            c.sink = SinkKind::file;
            c.size = size;
            c.chunk = rec;
            c.append = {pattern, sync};
            plan.runs.push_back(spec);
          }
}

}  // namespace zc::cmd
