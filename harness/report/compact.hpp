// `--compact`: the same zc-bench/1 document with each metric's description
// written once, in a top-level dictionary, instead of in every run (they
// were most of a default run's 700 KB). Readers that want a description
// look in `metric_descriptions` when the run's metric has none.
#pragma once

#include <nlohmann/json.hpp>

namespace zc {

void compact_document(nlohmann::json& doc);

}  // namespace zc
