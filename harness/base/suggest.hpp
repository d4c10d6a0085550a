#pragma once
// "Did you mean": the nearest known name to a mistyped one, by edit distance.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc {

// Levenshtein distance (insertions, deletions, substitutions) between a and b.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is close enough to be a typo
// (at most a third of the word's letters off, and at least one letter);
// none when nothing is that close or two candidates tie.
std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace zc
