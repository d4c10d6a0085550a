// The parameters of an append run that its ledger and probe may depend on:
// where records go (pattern) and when they are made durable (sync policy).
// The record size is Conditions::chunk and the log size Conditions::size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zc {

// seq: every record goes at the end of a growing log. random: the same
// records go to the slots of a pre-allocated file of the same final size,
// in a seeded permutation, so every slot is written exactly once.
enum class AppendPattern { seq, random };

std::string_view to_string(AppendPattern p);
std::optional<AppendPattern> parse_append_pattern(std::string_view text);

struct SyncPolicy {
  enum class Kind { none, every, interval, dsync };
  Kind kind = Kind::none;
  // every: records between syncs; interval: milliseconds between syncs.
  std::uint64_t n = 0;

  // "none", "every:8", "interval:100", "dsync": the CLI's spelling.
  std::string text() const;
  static std::optional<SyncPolicy> parse(std::string_view text);
  bool opens_dsync() const { return kind == Kind::dsync; }
  // Explicit syncs per record that the policy predicts (the ledger's model;
  // interval syncs depend on timing and are not predicted).
  double syncs_per_record() const { return kind == Kind::every ? 1.0 / double(n) : 0.0; }
};

struct AppendParameters {
  AppendPattern pattern = AppendPattern::seq;
  SyncPolicy sync;
};

}  // namespace zc
