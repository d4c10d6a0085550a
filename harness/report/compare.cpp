#include "harness/report/compare.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/base/errors.hpp"

namespace zc {
namespace fs = std::filesystem;
using nlohmann::json;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::same:
      return "same";
    case Verdict::noise:
      return "noise";
    case Verdict::better:
      return "better";
    case Verdict::regression:
      return "regression";
    case Verdict::unavailable:
      return "unavailable";
  }
  return "?";
}

bool RunComparison::regressed() const {
  return status_regressed || std::any_of(deltas.begin(), deltas.end(), [](const MetricDelta& d) {
           return d.verdict == Verdict::regression;
         });
}

bool Comparison::regressed() const {
  return std::any_of(runs.begin(), runs.end(),
                     [](const RunComparison& r) { return r.regressed(); });
}

namespace {

// What people type -> the keys it means, first present wins (transfer runs
// have a receiver and a total, append runs only their own CPU).
const std::map<std::string, std::vector<std::string>>& aliases() {
  static const std::map<std::string, std::vector<std::string>> a = {
      {"throughput", {"throughput_bytes_per_s"}},
      {"cpu_per_byte", {"total_cpu_ns_per_byte", "cpu_ns_per_byte"}},
      {"latency", {"latency_p99_ns"}},
      {"syscalls", {"syscalls_per_chunk", "syscalls_per_record"}},
  };
  return a;
}

std::vector<std::string> candidates(const std::string& metric) {
  auto it = aliases().find(metric);
  return it == aliases().end() ? std::vector<std::string>{metric} : it->second;
}

[[noreturn]] void bad_file(const std::string& label, const std::string& what) {
  throw UsageError("compare: '" + label + "': " + what);
}

const json* find_metric(const json& run, const std::string& key) {
  auto it = run.find("metrics");
  if (it == run.end() || !it->is_object()) return nullptr;
  auto m = it->find(key);
  return m == it->end() ? nullptr : &*m;
}

// Rates (B/s, 1/s) and efficiencies are better higher; time, CPU, calls,
// copies and faults are better lower.
bool higher_is_better(const std::string& key, const std::string& unit) {
  return (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "/s") == 0) ||
         key.find("efficiency") != std::string::npos;
}

double stat(const json& m, const char* name, double fallback) {
  auto it = m.find(name);
  return it != m.end() && it->is_number() ? it->get<double>() : fallback;
}

bool usable(const json* m) {
  return m && m->value("available", false) && m->contains("median") && (*m)["median"].is_number();
}

MetricDelta compare_metric(const std::string& key, const json* b, const json* n, double threshold) {
  MetricDelta d;
  d.metric = key;
  const json* any = b ? b : n;
  d.unit = any->value("unit", "");
  d.higher_is_better = higher_is_better(key, d.unit);
  if (!usable(b) || !usable(n)) {
    d.verdict = Verdict::unavailable;
    auto why = [](const json* m) {
      return !m ? std::string("not measured") : m->value("reason", std::string("no median"));
    };
    d.note = !usable(b) ? "BASE: " + why(b) : "NEW: " + why(n);
    if (usable(b)) d.base = (*b)["median"].get<double>();
    if (usable(n)) d.now = (*n)["median"].get<double>();
    return d;
  }
  d.base = (*b)["median"].get<double>();
  d.now = (*n)["median"].get<double>();
  d.change = d.base != 0 ? (d.now - d.base) / std::fabs(d.base) : (d.now == 0 ? 0 : INFINITY);
  bool worse = d.higher_is_better ? d.change < 0 : d.change > 0;
  // The spread of each side is its repetitions' range; when the ranges
  // overlap the runs cannot be told apart, whatever the medians say.
  double bmin = stat(*b, "min", d.base), bmax = stat(*b, "max", d.base);
  double nmin = stat(*n, "min", d.now), nmax = stat(*n, "max", d.now);
  bool overlap = bmin <= nmax && nmin <= bmax;
  if (std::fabs(d.change) * 100 <= threshold) {
    d.verdict = Verdict::same;
  } else if (overlap) {
    d.verdict = Verdict::noise;
    d.note = "repetition ranges overlap";
  } else {
    d.verdict = worse ? Verdict::regression : Verdict::better;
  }
  return d;
}

void environment_notes(const json& b, const json& n, std::vector<std::string>& notes) {
  const auto& eb = b.value("environment", json::object());
  const auto& en = n.value("environment", json::object());
  for (auto key : {"cpu_model", "kernel_release", "cores", "memory_bytes"}) {
    auto x = eb.value(key, json()), y = en.value(key, json());
    if (x != y)
      notes.push_back(std::string("environment differs: ") + key + " " +
                      (x.is_string() ? x.get<std::string>() : x.dump()) + " (BASE) vs " +
                      (y.is_string() ? y.get<std::string>() : y.dump()) +
                      " (NEW): this compares machines, not code");
  }
  // Load, governor or VM warnings on one side only explain many "regressions".
  // Warnings are matched without their numbers (load 11.6 vs 11.8 is one kind).
  auto warnings = [](const json& env) {
    std::map<std::string, std::string> w;
    for (const auto& x : env.value("warnings", json::array())) {
      if (!x.is_string()) continue;
      std::string kind;
      for (char ch : x.get<std::string>())
        if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != '.') kind += ch;
      w.emplace(kind, x.get<std::string>());
    }
    return w;
  };
  auto wb = warnings(eb), wn = warnings(en);
  for (const auto& [kind, text] : wn)
    if (!wb.count(kind)) notes.push_back("only NEW's environment warns: " + text);
  for (const auto& [kind, text] : wb)
    if (!wn.count(kind)) notes.push_back("only BASE's environment warns: " + text);
  for (auto [doc, side] : {std::pair{&b, "BASE"}, std::pair{&n, "NEW"}})
    if (!doc->value("complete", true))
      notes.push_back(std::string(side) + " is incomplete: " +
                      doc->value("incomplete_reason", std::string("stopped early")));
}

}  // namespace

json load_results(const fs::path& path) {
  auto label = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) bad_file(label, "does not exist");
  if (fs::is_directory(path, ec)) bad_file(label, "is a folder, not a results file");
  std::ifstream in(path, std::ios::binary);
  if (!in) bad_file(label, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.find_first_not_of(" \t\r\n") == std::string::npos) bad_file(label, "is empty");
  json doc;
  try {
    doc = json::parse(s);
  } catch (const json::parse_error& e) {
    bool at_end = e.byte >= s.size();
    bad_file(label, at_end ? "truncated JSON (the document ends at byte " +
                                 std::to_string(s.size()) + " before it is complete)"
                           : "not JSON (syntax error at byte " + std::to_string(e.byte) + ")");
  }
  if (!doc.is_object())
    bad_file(label, "not a zc-bench/1 document (the top level is not an object)");
  if (!doc.contains("schema")) {
    if (doc.contains("benchmarks") && doc.contains("context"))
      bad_file(label,
               "Google Benchmark JSON (--format gbench), not a zc-bench/1 document; "
               "write results with --format json");
    bad_file(label, "not a zc-bench/1 document (no \"schema\" field)");
  }
  if (doc["schema"] != "zc-bench/1")
    bad_file(label, "schema " + doc["schema"].dump() + " is not \"zc-bench/1\"");
  if (!doc.contains("runs") || !doc["runs"].is_array())
    bad_file(label, "\"runs\" is missing or not an array");
  std::set<std::string> names;
  for (std::size_t i = 0; i < doc["runs"].size(); ++i) {
    const auto& r = doc["runs"][i];
    if (!r.is_object() || !r.contains("name") || !r["name"].is_string() || !r.contains("status"))
      bad_file(label, "runs[" + std::to_string(i) + "] has no name or status");
    if (!names.insert(r["name"].get<std::string>()).second)
      bad_file(label, "run \"" + r["name"].get<std::string>() + "\" appears twice");
  }
  return doc;
}

Comparison compare_results(const json& base, const json& now, const CompareOptions& opts,
                           const std::string& base_label, const std::string& new_label) {
  Comparison c;
  c.base_label = base_label;
  c.new_label = new_label;
  c.threshold_pct = opts.threshold_pct;

  // Every asked metric must mean something in at least one document.
  std::set<std::string> known;
  for (const auto* doc : {&base, &now})
    for (const auto& r : (*doc)["runs"])
      if (r.contains("metrics") && r["metrics"].is_object())
        for (const auto& [k, _] : r["metrics"].items()) known.insert(k);
  for (const auto& m : opts.metrics) {
    auto keys = candidates(m);
    if (std::none_of(keys.begin(), keys.end(), [&](auto& k) { return known.count(k) > 0; })) {
      std::string list;
      for (const auto& [a, _] : aliases()) list += (list.empty() ? "" : ", ") + a;
      for (const auto& k : known)
        if (!aliases().count(k)) list += ", " + k;
      throw UsageError("--metric: '" + m + "' is in neither file (allowed: " + list + ")");
    }
  }

  std::map<std::string, const json*> by_name;
  for (const auto& r : now["runs"]) by_name[r["name"].get<std::string>()] = &r;
  std::set<std::string> in_base;
  for (const auto& b : base["runs"]) {
    auto name = b["name"].get<std::string>();
    in_base.insert(name);
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      c.only_base.push_back(name);
      continue;
    }
    const json& n = *it->second;
    RunComparison rc;
    rc.name = name;
    rc.base_status = b["status"].get<std::string>();
    rc.new_status = n["status"].get<std::string>();
    if (rc.base_status != "ok" || rc.new_status != "ok") {
      const json& odd = rc.new_status != "ok" ? n : b;
      rc.reason = (rc.new_status != "ok" ? "NEW " : "BASE ") + odd["status"].get<std::string>() +
                  ": " + odd.value("reason", std::string());
      // A run that worked and now fails is the worst regression of all.
      rc.status_regressed = rc.base_status == "ok" && rc.new_status == "error";
      c.runs.push_back(std::move(rc));
      continue;
    }
    for (const auto& m : opts.metrics) {
      for (const auto& key : candidates(m)) {
        const json* bm = find_metric(b, key);
        const json* nm = find_metric(n, key);
        if (!bm && !nm) continue;
        rc.deltas.push_back(compare_metric(key, bm, nm, opts.threshold_pct));
        break;
      }
    }
    c.runs.push_back(std::move(rc));
  }
  for (const auto& r : now["runs"])
    if (!in_base.count(r["name"].get<std::string>())) c.only_new.push_back(r["name"]);
  if (c.runs.empty())
    throw UsageError("compare: '" + base_label + "' and '" + new_label +
                     "' have no run in common (" + std::to_string(base["runs"].size()) + " vs " +
                     std::to_string(now["runs"].size()) +
                     " runs): they measured different strategies or parameters");
  environment_notes(base, now, c.notes);
  return c;
}

// ---- presentation ----------------------------------------------------------

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Values in the units people read: MB/s rather than B/s.
std::string display_unit(const std::string& unit) { return unit == "B/s" ? "MB/s" : unit; }

std::string display_value(double v, const std::string& unit) {
  if (unit == "B/s") return fmt("%.1f", v / 1e6);
  if (unit == "ns/B") return fmt("%.4f", v);
  return fmt("%.4g", v);
}

std::string change_text(const MetricDelta& d) {
  if (d.verdict == Verdict::unavailable) return "n/a";
  if (std::isinf(d.change)) return "new";
  return fmt("%+.1f%%", d.change * 100);
}

struct Row {
  std::string run, metric, base, now, change, verdict;
};

std::vector<Row> rows(const Comparison& c, bool markdown) {
  std::vector<Row> out;
  for (const auto& r : c.runs) {
    std::string name = markdown ? "`" + r.name + "`" : r.name;
    if (r.deltas.empty()) {
      out.push_back({name, "status", r.base_status, r.new_status, "",
                     (r.status_regressed ? (markdown ? "**regression**: " : "REGRESSION: ")
                                         : "not compared: ") +
                         r.reason});
      continue;
    }
    for (const auto& d : r.deltas) {
      std::string verdict(to_string(d.verdict));
      if (d.verdict == Verdict::regression) verdict = markdown ? "**regression**" : "REGRESSION";
      if (!d.note.empty()) verdict += " (" + d.note + ")";
      out.push_back(
          {name, d.metric + " (" + display_unit(d.unit) + ")",
           d.verdict == Verdict::unavailable && d.base == 0 ? "n/a" : display_value(d.base, d.unit),
           d.verdict == Verdict::unavailable && d.now == 0 ? "n/a" : display_value(d.now, d.unit),
           change_text(d), verdict});
      name.clear();  // the run's name once, on its first metric
    }
  }
  return out;
}

std::string summary(const Comparison& c) {
  std::vector<std::string> bad;
  for (const auto& r : c.runs) {
    if (r.status_regressed) bad.push_back(r.name + " (" + r.reason + ")");
    for (const auto& d : r.deltas)
      if (d.verdict == Verdict::regression)
        bad.push_back(r.name + " " + d.metric + " " + change_text(d));
  }
  if (bad.empty())
    return "no regression: " + std::to_string(c.runs.size()) + " runs compared, threshold " +
           fmt("%g", c.threshold_pct) + "%";
  std::string s = std::to_string(bad.size()) + (bad.size() == 1 ? " regression" : " regressions") +
                  " past " + fmt("%g", c.threshold_pct) + "%: ";
  for (std::size_t i = 0; i < bad.size(); ++i) s += (i ? "; " : "") + bad[i];
  return s;
}

}  // namespace

std::string comparison_text(const Comparison& c) {
  std::ostringstream out;
  out << "zc-bench compare: BASE " << c.base_label << " vs NEW " << c.new_label << "\n"
      << "threshold " << fmt("%g", c.threshold_pct)
      << "%; a change where both runs' repetition ranges (min-max) overlap is noise\n\n";
  auto table = rows(c, false);
  Row head{"run", "metric", "base", "new", "change", "verdict"};
  std::size_t w[5] = {head.run.size(), head.metric.size(), head.base.size(), head.now.size(),
                      head.change.size()};
  for (const auto& r : table) {
    w[0] = std::max(w[0], r.run.size());
    w[1] = std::max(w[1], r.metric.size());
    w[2] = std::max(w[2], r.base.size());
    w[3] = std::max(w[3], r.now.size());
    w[4] = std::max(w[4], r.change.size());
  }
  auto line = [&](const Row& r) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%-*s  %-*s  %*s  %*s  %*s  %s\n", int(w[0]), r.run.c_str(),
                  int(w[1]), r.metric.c_str(), int(w[2]), r.base.c_str(), int(w[3]), r.now.c_str(),
                  int(w[4]), r.change.c_str(), r.verdict.c_str());
    out << buf;
  };
  line(head);
  for (const auto& r : table) line(r);
  for (const auto& n : c.only_base) out << "only in BASE: " << n << "\n";
  for (const auto& n : c.only_new) out << "only in NEW: " << n << "\n";
  for (const auto& n : c.notes) out << "note: " << n << "\n";
  out << summary(c) << "\n";
  return out.str();
}

std::string comparison_markdown(const Comparison& c) {
  std::ostringstream out;
  out << "### zc-bench compare: `" << c.base_label << "` → `" << c.new_label << "`\n\n"
      << (c.regressed() ? "**" + summary(c) + "**" : summary(c)) << "\n\n"
      << "Threshold " << fmt("%g", c.threshold_pct)
      << "%; a change where both runs' repetition ranges (min–max) overlap is noise. "
         "Medians; MB/s = 10⁶ bytes/s.\n\n"
      << "| run | metric | base | new | change | verdict |\n|---|---|---:|---:|---:|---|\n";
  for (const auto& r : rows(c, true))
    out << "| " << r.run << " | " << r.metric << " | " << r.base << " | " << r.now << " | "
        << r.change << " | " << r.verdict << " |\n";
  if (!c.only_base.empty() || !c.only_new.empty() || !c.notes.empty()) out << "\n";
  for (const auto& n : c.only_base) out << "- only in BASE: `" << n << "`\n";
  for (const auto& n : c.only_new) out << "- only in NEW: `" << n << "`\n";
  for (const auto& n : c.notes) out << "- note: " << n << "\n";
  return out.str();
}

json comparison_json(const Comparison& c) {
  json runs = json::array();
  for (const auto& r : c.runs) {
    json metrics = json::array();
    for (const auto& d : r.deltas) {
      json m = {{"metric", d.metric},
                {"unit", d.unit},
                {"higher_is_better", d.higher_is_better},
                {"verdict", to_string(d.verdict)}};
      if (d.verdict != Verdict::unavailable) {
        m["base"] = d.base;
        m["new"] = d.now;
        m["change"] = std::isinf(d.change) ? json() : json(d.change);
      }
      if (!d.note.empty()) m["note"] = d.note;
      metrics.push_back(m);
    }
    json run = {{"name", r.name},
                {"base_status", r.base_status},
                {"new_status", r.new_status},
                {"regressed", r.regressed()},
                {"metrics", metrics}};
    if (!r.reason.empty()) run["reason"] = r.reason;
    runs.push_back(run);
  }
  return {
      {"base", c.base_label},       {"new", c.new_label},     {"threshold_pct", c.threshold_pct},
      {"regressed", c.regressed()}, {"summary", summary(c)},  {"runs", runs},
      {"only_base", c.only_base},   {"only_new", c.only_new}, {"notes", c.notes}};
}

}  // namespace zc
