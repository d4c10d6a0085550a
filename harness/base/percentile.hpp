// Percentiles of per-call latencies: the nearest rank of the sorted values.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace zc {

// `v` is reordered (nth_element); 0 for an empty vector.
inline double percentile(std::vector<std::uint64_t>& v, double q) {
  if (v.empty()) return 0;
  auto k = std::size_t(q * double(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return double(v[k]);
}

}  // namespace zc
