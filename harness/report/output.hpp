// Writing results: the native zc-bench/1 JSON, Google Benchmark's JSON
// layout, or CSV with one row per run.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/report/gbench.hpp"

namespace zc {

enum class Format { json, gbench, csv, github_benchmark };

Format parse_format(const std::string& text);  // throws UsageError
std::vector<std::string> format_names();       // what parse_format takes, in its order
// results/<UTC timestamp>.json (or .csv) under `dir`.
std::filesystem::path default_output_path(const std::filesystem::path& dir, Format f);
// Throws UsageError if `path` cannot be written (checked before any run).
// Creates nothing: a missing folder only has to be creatable.
void check_writable(const std::filesystem::path& path);
// Writes the zc-bench/1 document `results` in format `f` to `path` ("-" =
// stdout) atomically (temporary file + rename), making its folder if
// missing.
void write_output(const nlohmann::json& results, Format f, const std::filesystem::path& path,
                  const GbenchOptions& gbench = {});
std::string to_csv(const nlohmann::json& results);
// Every string and key of `doc` made valid UTF-8 by utf8_safe() (base/
// text.hpp): a path, a program's output or a peer's text with bytes that are
// not UTF-8 is kept, escaped, instead of failing the dump. run applies it
// to the results before anything reads them; write_output again.
void make_utf8_safe(nlohmann::json& doc);

}  // namespace zc
