#include "harness/core/append_params.hpp"

#include <charconv>

namespace zc {

std::string_view to_string(AppendPattern p) { return p == AppendPattern::seq ? "seq" : "random"; }

std::optional<AppendPattern> parse_append_pattern(std::string_view text) {
  if (text == "seq") return AppendPattern::seq;
  if (text == "random") return AppendPattern::random;
  return std::nullopt;
}

std::string SyncPolicy::text() const {
  switch (kind) {
    case Kind::none:
      return "none";
    case Kind::every:
      return "every:" + std::to_string(n);
    case Kind::interval:
      return "interval:" + std::to_string(n);
    case Kind::dsync:
      return "dsync";
  }
  return "?";
}

std::optional<SyncPolicy> SyncPolicy::parse(std::string_view text) {
  if (text == "none") return SyncPolicy{};
  if (text == "dsync") return SyncPolicy{Kind::dsync, 0};
  for (auto [prefix, kind] : {std::pair{std::string_view("every:"), Kind::every},
                              std::pair{std::string_view("interval:"), Kind::interval}}) {
    if (!text.starts_with(prefix)) continue;
    auto digits = text.substr(prefix.size());
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n == 0) return std::nullopt;
    return SyncPolicy{kind, n};
  }
  return std::nullopt;
}

}  // namespace zc
