// The figures an ingest run reports (and a broker run, which shares the
// workload): name, unit and how each is measured.
#pragma once

#include <span>

#include "harness/measure/metrics.hpp"

namespace zc {

std::span<const MetricDef> ingest_metrics();

}  // namespace zc
