// The figures an ingest run reports: name, unit and how each is measured.
#pragma once

#include <span>

#include "harness/measure/metrics.hpp"

namespace zc {

std::span<const MetricDef> ingest_metrics();

}  // namespace zc
