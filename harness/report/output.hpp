// Writing results: the native zc-bench/1 JSON, Google Benchmark's JSON
// layout, or CSV with one row per run.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/report/gbench.hpp"

namespace zc {

enum class Format { json, gbench, csv, github_benchmark };

Format parse_format(const std::string& text);  // throws UsageError
// results/<UTC timestamp>.json (or .csv) under `dir`.
std::filesystem::path default_output_path(const std::filesystem::path& dir, Format f);
// Throws UsageError if `path` cannot be written (checked before any run).
void check_writable(const std::filesystem::path& path);
// Writes the zc-bench/1 document `results` in format `f` to `path` ("-" =
// stdout) atomically (temporary file + rename).
void write_output(const nlohmann::json& results, Format f, const std::filesystem::path& path,
                  const GbenchOptions& gbench = {});
std::string to_csv(const nlohmann::json& results);

}  // namespace zc
