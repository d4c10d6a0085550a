#include "harness/base/suggest.hpp"

#include <algorithm>
#include <numeric>

namespace zc {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic table at a time: names are short.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  bool tie = false;
  for (const auto& candidate : candidates) {
    std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best = candidate, best_distance = d, tie = false;
    } else if (d == best_distance && best && *best != candidate) {
      tie = true;
    }
  }
  if (tie || !best || best_distance == 0) return std::nullopt;
  return best;
}

}  // namespace zc
