// The figures a broker run reports, per phase: name, unit and how each is
// measured.
#pragma once

#include <span>

#include "harness/measure/metrics.hpp"

namespace zc {

std::span<const MetricDef> broker_metrics();

}  // namespace zc
