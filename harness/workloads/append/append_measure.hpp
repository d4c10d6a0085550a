// One repetition of an append run: the log is created, every record is
// appended and timed, the sync policy applied, the log made durable, its
// storage traffic read and its content checked; then it is removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/core/append.hpp"
#include "harness/measure/metrics.hpp"

namespace zc {

// Fills `values` (metric key -> value) and `unavailable` (metric key ->
// why not); returns the repetition's JSON (values, verification, evidence,
// the model check: on kernel evidence when `kernel_counters`).
// Throws on any failure, with a message that says what and where; the
// partial log is removed either way.
nlohmann::json measure_append_once(const AppendStrategy& strategy, const Conditions& c,
                                   const std::filesystem::path& dir, std::uint64_t seed,
                                   Values& values, Unavailable& unavailable,
                                   bool kernel_counters = false);

// Where a strategy's log lives in `dir` (tests look for leftovers).
std::filesystem::path append_log_path(const std::filesystem::path& dir, std::string_view id);

}  // namespace zc
