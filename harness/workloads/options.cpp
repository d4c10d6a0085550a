#include "harness/workloads/options.hpp"

#include <algorithm>

#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"

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

std::uint64_t default_log_size(std::uint64_t cap, std::uint64_t record, const SyncPolicy& sync) {
  constexpr std::uint64_t kSyncedRecords = 512;
  std::uint64_t records = cap / record;
  if (sync.kind == SyncPolicy::Kind::every) records = kSyncedRecords * sync.n;
  if (sync.kind == SyncPolicy::Kind::dsync) records = kSyncedRecords;
  return std::clamp(records * record, record, cap);
}

}  // namespace zc
