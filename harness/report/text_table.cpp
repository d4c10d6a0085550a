#include "harness/report/text_table.hpp"

#include <algorithm>
#include <cmath>

#include "harness/base/units.hpp"

namespace zc {

using nlohmann::json;

const json* measured_metric(const json& run, std::string_view key) {
  const auto& metrics = run["metrics"];
  auto it = metrics.find(std::string(key));
  if (it == metrics.end() || !it->value("available", false) || !it->contains("median"))
    return nullptr;
  return &*it;
}

std::string median_cell(const json& run, std::string_view key, double scale, int decimals) {
  const auto* m = measured_metric(run, key);
  return m ? format_fixed((*m)["median"].get<double>() * scale, decimals) : "n/a";
}

std::string median_bytes_cell(const json& run, std::string_view key) {
  const auto* m = measured_metric(run, key);
  return m ? human_bytes((*m)["median"].get<double>()) : "n/a";
}

std::string median_sum_cell(const json& run, std::initializer_list<std::string_view> keys) {
  double total = 0;
  for (auto key : keys) {
    const auto* m = measured_metric(run, key);
    if (!m) return "n/a";
    total += (*m)["median"].get<double>();
  }
  return std::to_string(std::llround(total));
}

std::string cv_cell(const json& run) {
  const auto* m = measured_metric(run, "throughput_bytes_per_s");
  return m && m->contains("cv") ? format_fixed((*m)["cv"].get<double>() * 100, 1) + "%" : "-";
}

std::string median_ci_cell(const json& run, std::string_view key, double scale, int decimals) {
  const auto* m = measured_metric(run, key);
  if (!m) return "n/a";
  double median = (*m)["median"].get<double>();
  std::string cell = format_fixed(median * scale, decimals);
  auto low = m->find("ci95_low"), high = m->find("ci95_high");
  if (low == m->end() || high == m->end() || !low->is_number() || !high->is_number() ||
      !(median != 0))
    return cell;  // one repetition: no interval
  double half = (high->get<double>() - low->get<double>()) / 2 / std::fabs(median) * 100;
  return cell + " \u00b1 " + format_fixed(half, half < 10 ? 1 : 0) + "%";
}

std::string human_bytes(double b) {
  if (b >= 1e9) return format_fixed(b / 1e9, 2) + "G";
  if (b >= 1e6) return format_fixed(b / 1e6, 1) + "M";
  if (b >= 1e3) return format_fixed(b / 1e3, 1) + "K";
  return format_fixed(b, 0);
}

// Characters on the screen, not bytes: a cell may hold a UTF-8 "\u00b1".
static std::size_t display_width(const std::string& s) {
  return std::size_t(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void TextTable::print(std::FILE* out) const {
  std::vector<std::size_t> width(titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    width[i] = display_width(titles[i]);
    for (const auto& r : rows) width[i] = std::max(width[i], display_width(r[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < titles.size(); ++i) {
      const bool last = i + 1 == titles.size();
      const bool flush_left = i < left.size() && left[i];
      // A left-aligned last column is not padded: no trailing blanks.
      // printf pads by bytes: widen by the bytes that are not characters.
      int pad = int(width[i] + cells[i].size() - display_width(cells[i]));
      std::fprintf(out, flush_left ? "%-*s%s" : "%*s%s", last && flush_left ? 0 : pad,
                   cells[i].c_str(), last ? "\n" : "  ");
    }
  };
  line(titles);
  for (const auto& r : rows) line(r);
}

}  // namespace zc
