#include "harness/report/text_table.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "harness/base/errors.hpp"
#include "harness/base/text.hpp"
#include "harness/base/units.hpp"
#include "harness/report/roles.hpp"

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

std::string device_cell(const json& run, std::string_view key, double scale, int decimals) {
  auto cell = median_cell(run, key, scale, decimals);
  const auto& d = run.value("storage_device", json::object());
  if (cell != "n/a" && d.value("other_io_seen", 0) > 0) cell += "?";
  return cell;
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
  const auto* m = measured_metric(run, role_key(run, "throughput"));
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
  // An interval wider than the value itself says nothing to rank by.
  if (half > 100) return cell + " (too wide to rank)";
  return cell + " \u00b1 " + format_fixed(half, half < 10 ? 1 : 0) + "%";
}

namespace {

constexpr RateUnit kRateUnits[] = {
    {"MB/s", 1e-6, "10^6 bytes/s", 0},
    {"MiB/s", 1.0 / (1 << 20), "2^20 bytes/s", 0},
    {"Gbit/s", 8e-9, "10^9 bits/s", 2},
};

}  // namespace

RateUnit rate_unit(std::string_view name) {
  auto lower = [](std::string_view v) {
    std::string out(v);
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const auto& u : kRateUnits)
    if (lower(u.name) == lower(name)) return u;
  std::string allowed;
  for (const auto& n : rate_unit_names()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw UsageError("--units: '" + std::string(name) + "' is not a unit (allowed: " + allowed +
                   "; the JSON keeps bytes per second)");
}

std::vector<std::string> rate_unit_names() {
  std::vector<std::string> out;
  for (const auto& u : kRateUnits) out.emplace_back(u.name);
  return out;
}

std::string human_bytes(double b) {
  if (b >= 1e9) return format_fixed(b / 1e9, 2) + "G";
  if (b >= 1e6) return format_fixed(b / 1e6, 1) + "M";
  if (b >= 1e3) return format_fixed(b / 1e3, 1) + "K";
  return format_fixed(b, 0);
}

std::size_t display_width(std::string_view s) {
  return std::size_t(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_figures(const json& run) {
  const std::string status = run.value("status", "");
  return status == "ok" || (status == "interrupted" && measured_metric(run, "wall_s"));
}

namespace {

// Each column's widest cell or title; a spanning row's last cell is not
// counted (it runs on past the columns).
std::vector<std::size_t> column_widths(const std::vector<std::string>& titles,
                                       const std::vector<std::vector<std::string>>& rows,
                                       const std::function<bool(std::size_t)>& spanning) {
  std::vector<std::size_t> width(titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) {
    width[i] = display_width(titles[i]);
    for (std::size_t r = 0; r < rows.size(); ++r)
      if (i < rows[r].size() && !(spanning(r) && i + 1 == rows[r].size()))
        width[i] = std::max(width[i], display_width(rows[r][i]));
  }
  return width;
}

}  // namespace

void TextTable::print(std::FILE* out) const {
  // The last guard before the terminal: a cell that quotes a program, a
  // file or a peer (a run's reason) is escaped if it holds control bytes.
  auto rows = this->rows;
  for (auto& row : rows)
    for (auto& cell : row) cell = terminal_text(cell);
  auto spanning = [&](std::size_t r) {
    return rows[r].size() < titles.size() || (r < spans.size() && spans[r]);
  };
  const auto width = column_widths(titles, rows, spanning);
  auto line = [&](const std::vector<std::string>& cells, bool span_last) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      const bool span = last && span_last;
      const bool flush_left = span || (i < left.size() && left[i]);
      const std::string& cell = cells[i];
      const std::size_t column = display_width(text);
      if (span && max_width > 0 && column + display_width(cell) > max_width) {
        // A spanning text wraps under itself instead of widening the table;
        // with too little room left, on lines of its own.
        if (max_width > column + 20) {
          std::fprintf(out, "%s", text.c_str());
          print_wrapped(out, cell, max_width, column, column);
        } else {
          text.erase(text.find_last_not_of(' ') + 1);
          std::fprintf(out, "%s\n", text.c_str());
          print_wrapped(out, cell, max_width);
        }
        return;
      }
      // A left-aligned last cell is not padded: no trailing blanks.
      const std::size_t chars = display_width(cell);
      std::size_t pad = last && flush_left ? 0 : width[i] - std::min(width[i], chars);
      text += flush_left ? cell + std::string(pad, ' ') : std::string(pad, ' ') + cell;
      if (!last) text += "  ";
    }
    std::fprintf(out, "%s\n", text.c_str());
  };
  line(titles, false);
  for (std::size_t r = 0; r < rows.size(); ++r) line(rows[r], spanning(r));
}

std::size_t terminal_width(std::FILE* out) {
  if (const char* env = std::getenv("COLUMNS"); env && *env) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n > 0) return std::size_t(std::max(n, 20L));
  }
  winsize ws{};
  if (::isatty(::fileno(out)) && ::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return std::max<std::size_t>(ws.ws_col, 20);
  return 80;
}

namespace {

// The columns to show, in order: the keys first, then --columns' or the
// default ones (or every one with --wide).
std::vector<const Column*> pick_columns(const std::vector<Column>& columns,
                                        const TableOptions& options) {
  std::vector<const Column*> picked;
  for (const auto& c : columns)
    if (c.key) picked.push_back(&c);
  bool named = false;
  for (const auto& id : options.columns)
    for (const auto& c : columns)
      if (c.id == id && !c.key) {
        picked.push_back(&c);
        named = true;
      }
  if (named) return picked;
  for (const auto& c : columns)
    if (!c.key && (options.wide || c.shown)) picked.push_back(&c);
  return picked;
}

}  // namespace

namespace {

// The ids of the columns a table could have shown but did not; constant
// parameters are in the heading, not worth a column.
std::vector<std::string> left_out(const std::vector<Column>& columns,
                                  const std::vector<const Column*>& picked) {
  std::vector<std::string> ids;
  for (const auto& c : columns)
    if ((c.metric || c.shown) && std::find(picked.begin(), picked.end(), &c) == picked.end())
      ids.push_back(c.id);
  return ids;
}

}  // namespace

FittedTable::Printed FittedTable::print(std::FILE* out, const json& runs,
                                        const TableOptions& options) const {
  auto picked = pick_columns(columns, options);
  // Every cell once; a run without figures keeps its leading non-metric cells
  // and its status in place of the rest.
  std::vector<bool> spans;  // rows whose status stands in for their figures
  auto cells_of = [&](const std::vector<const Column*>& cols) {
    std::vector<std::vector<std::string>> rows;
    spans.clear();
    for (const auto& run : runs) {
      std::vector<std::string> row;
      bool span = false;
      for (const auto* c : cols) {
        if (c->metric && !has_figures(run)) {
          row.push_back(status(run));
          span = true;
          break;
        }
        row.push_back(c->cell(run));
      }
      rows.push_back(std::move(row));
      spans.push_back(span);
    }
    return rows;
  };
  auto rows = cells_of(picked);
  auto total_width = [&] {
    std::vector<std::string> titles;
    for (const auto* c : picked) titles.push_back(c->title);
    const auto widths = column_widths(titles, rows, [&](std::size_t r) { return bool(spans[r]); });
    std::size_t total = 0;
    for (std::size_t i = 0; i < widths.size(); ++i) total += widths[i] + (i ? 2 : 0);
    return total;
  };
  const bool fit = !options.wide && options.columns.empty();
  while (fit && total_width() > options.width) {
    // The highest rank goes first; of equals, the rightmost.
    std::size_t worst = 0;
    for (std::size_t i = 0; i < picked.size(); ++i)
      if (picked[i]->drop >= picked[worst]->drop) worst = i;
    if (picked.empty() || picked[worst]->drop == 0) break;
    picked.erase(picked.begin() + std::ptrdiff_t(worst));
    rows = cells_of(picked);
  }
  TextTable t;
  for (const auto* c : picked) {
    t.titles.push_back(c->title);
    t.left.push_back(c->left);
  }
  t.rows = std::move(rows);
  t.spans = spans;
  t.max_width = options.wide ? 0 : options.width;
  t.print(out);
  return {legend_of(picked), left_out(columns, picked)};
}

std::string legend_of(const std::vector<const Column*>& shown) {
  std::string legend;
  std::vector<std::string> said;
  for (const auto* c : shown) {
    if (c->legend.empty()) continue;
    std::string text = c->legend;
    if (auto at = text.find("{}"); at != std::string::npos) {
      // A legend that several columns share names the shown ones only.
      if (std::find(said.begin(), said.end(), c->legend) != said.end()) continue;
      said.push_back(c->legend);
      std::string names;
      for (const auto* o : shown)
        if (o->legend == c->legend)
          names += (names.empty() ? "" : "/") + o->title.substr(0, o->title.find(' '));
      text.replace(at, 2, names);
    }
    legend += (legend.empty() ? "" : "; ") + text;
  }
  return legend;
}

Column parameter_column(const json& runs, std::string id, std::string title, bool left,
                        std::function<std::string(const json& run)> cell, bool always_key) {
  std::set<std::string> seen;
  for (const auto& r : runs) seen.insert(cell(r));
  const bool key = always_key || seen.size() > 1;
  return {std::move(id), std::move(title), left, false, key, 0, false, "", std::move(cell)};
}

std::function<std::string(const json&)> median_of(std::string key, double scale, int decimals) {
  return [key = std::move(key), scale, decimals](const json& r) {
    return median_cell(r, key, scale, decimals);
  };
}

std::function<std::string(const json&)> bytes_of(std::string key) {
  return [key = std::move(key)](const json& r) { return median_bytes_cell(r, key); };
}

std::function<std::string(const json&)> cpu_of(std::string key) {
  return median_of(std::move(key), 1, 3);
}

const json& ColumnList::empty_runs() {
  static const json none = json::array();
  return none;
}

void ColumnList::key(const char* id, const char* title, bool left, Cell cell, bool always_key) {
  columns_.push_back(parameter_column(runs_, id, title, left, std::move(cell), always_key));
}

void ColumnList::metric(const char* id, std::string title, bool shown, int drop, std::string legend,
                        Cell cell) {
  columns_.push_back(
      {id, std::move(title), false, shown, false, drop, true, std::move(legend), std::move(cell)});
}

void check_column_ids(const std::vector<std::string>& ids, const std::vector<std::string>& known) {
  for (const auto& id : ids)
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      std::string allowed;
      for (const auto& k : known)
        if (allowed.find(" " + k + ",") == std::string::npos) allowed += " " + k + ",";
      allowed.pop_back();
      throw UsageError("--columns: '" + id + "' is not a column (allowed:" + allowed + ")");
    }
}

namespace {

// Words of `text`; one longer than `room` is cut after its commas (JSON,
// lists), else every `room` characters, so no line outgrows the width.
std::vector<std::string_view> words(std::string_view text, std::size_t room) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = std::min(text.find(' ', start), text.size());
    auto word = text.substr(start, end - start);
    start = end + 1;
    while (word.size() > room && room > 0) {
      auto cut = word.substr(0, room).rfind(',');
      cut = cut == std::string_view::npos ? room : cut + 1;
      out.push_back(word.substr(0, cut));
      word.remove_prefix(cut);
    }
    if (!word.empty()) out.push_back(word);
  }
  return out;
}

}  // namespace

void print_wrapped(std::FILE* out, std::string_view raw, std::size_t width, std::size_t indent,
                   std::size_t first_column) {
  const std::string text = terminal_text(raw);  // see TextTable::print
  std::string line;
  std::size_t column = first_column;  // where `line` starts on the screen
  for (auto word : words(text, width > indent ? width - indent : 0)) {
    const bool has_words = line.find_first_not_of(' ') != std::string::npos;
    if (has_words && column + display_width(line) + 1 + display_width(word) > width) {
      std::fprintf(out, "%s\n", line.c_str());
      line = std::string(indent, ' ');
      column = 0;
    } else if (has_words) {
      line += ' ';
    }
    line += word;
  }
  std::fprintf(out, "%s\n", line.c_str());
}

void Notes::add(const std::string& who, const std::string& what) {
  for (auto& [text, whom] : notes_)
    if (text == what) {
      if (std::find(whom.begin(), whom.end(), who) == whom.end()) whom.push_back(who);
      return;
    }
  notes_.push_back({what, {who}});
}

std::vector<std::string> Notes::texts() const {
  std::vector<std::string> out;
  for (const auto& [what, whom] : notes_) {
    std::string who;
    for (const auto& w : whom) who += (who.empty() ? "" : ", ") + w;
    out.push_back((who.empty() ? "" : who + ": ") + what);
  }
  return out;
}

void Notes::print(std::FILE* out, std::size_t width) const {
  for (const auto& text : texts()) print_wrapped(out, text, width);
}

std::size_t wrapped_lines(std::string_view text, std::size_t width) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* mem = ::open_memstream(&buf, &size);
  if (!mem) return 1;
  print_wrapped(mem, text, width);
  std::fclose(mem);
  const auto lines = std::size_t(std::count(buf, buf + size, '\n'));
  std::free(buf);
  return lines;
}

}  // namespace zc
