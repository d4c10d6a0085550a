// The human table of an ingest comparison (producer -> socket -> log), and
// the wrapping of legend lines that the ingest, broker and streams tables
// share.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace zc {

// True when every run of the document is an ingest run that is not a
// broker run (--preset broker has its own table).
bool is_ingest_results(const nlohmann::json& results);
void print_ingest_table(const nlohmann::json& results, std::FILE* out);

// Prints `text` wrapped at 79 columns.
void print_wrapped(std::FILE* out, const std::string& text);

}  // namespace zc
