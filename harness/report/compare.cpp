#include "harness/report/compare.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/units.hpp"
#include "harness/measure/statistics.hpp"
#include "harness/report/ranking.hpp"
#include "harness/report/roles.hpp"
#include "harness/report/text_table.hpp"

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
    case Verdict::undecided:
      return "undecided";
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

bool RunComparison::undecided() const {
  return std::any_of(deltas.begin(), deltas.end(),
                     [](const MetricDelta& d) { return d.verdict == Verdict::undecided; });
}

bool Comparison::regressed() const {
  return std::any_of(runs.begin(), runs.end(),
                     [](const RunComparison& r) { return r.regressed(); });
}

bool Comparison::undecided() const {
  return std::any_of(runs.begin(), runs.end(),
                     [](const RunComparison& r) { return r.undecided(); });
}

namespace {

// What people type -> what it means: a role (each run's own metric of it,
// whatever the workload names it), or keys for a figure without a role
// (the first present wins).
struct Alias {
  const char* role = nullptr;
  std::vector<std::string> keys;
};

const std::map<std::string, Alias>& aliases() {
  static const std::map<std::string, Alias> a = {
      {"throughput", {"throughput", {}}},
      {"cpu_per_byte", {"cpu", {}}},
      {"latency", {nullptr, {"latency_p99_ns"}}},
      {"syscalls", {nullptr, {"syscalls_per_chunk", "syscalls_per_record"}}},
  };
  return a;
}

// The keys `metric` may mean in a pair of runs (BASE's, NEW's): a role is
// looked up in NEW first, so that a BASE written before roles still pairs.
std::vector<std::string> candidates(const std::string& metric, const json& base, const json& now) {
  auto it = aliases().find(metric);
  if (it == aliases().end()) return {metric};
  if (!it->second.role) return it->second.keys;
  std::vector<std::string> keys;
  for (const json* run : {&now, &base})
    if (auto key = role_key(*run, it->second.role); !key.empty()) keys.push_back(key);
  return keys;
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

bool usable(const json* m) {
  return m && m->value("available", false) && m->contains("median") && (*m)["median"].is_number();
}

std::string percent(double fraction, int decimals = 1) {
  return format_fixed(fraction * 100, decimals) + "%";
}

std::string repetitions_text(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " repetition" : " repetitions");
}

// The change NEW/BASE - 1 and its interval: Hodges–Lehmann on log values
// (a ratio), or on the values themselves relative to BASE's median where a
// value is 0 (copy counts of a zero-copy path).
void estimate_change(MetricDelta& d, const std::vector<double>& bv, const std::vector<double>& nv) {
  if (auto r = stats::ratio(bv, nv)) {
    d.change = r->estimate - 1;
    d.change_low = r->interval.low - 1;
    d.change_high = r->interval.high - 1;
    d.change_coverage = r->interval.coverage;
    return;
  }
  auto s = stats::hodges_lehmann(bv, nv);
  if (!s) return;
  double scale = std::fabs(d.base);
  if (scale == 0) {
    if (s->estimate == 0 && s->interval.low == 0 && s->interval.high == 0) {
      d.change = d.change_low = d.change_high = 0.0;
      d.change_coverage = s->interval.coverage;
    }
    return;  // from 0 to something: no relative change
  }
  d.change = s->estimate / scale;
  d.change_low = s->interval.low / scale;
  d.change_high = s->interval.high / scale;
  d.change_coverage = s->interval.coverage;
}

// The verdict from the test's (adjusted) p-value, the estimate and the spread.
// Whether the change's whole interval lies past the threshold, on the
// estimate's side (no interval, as from 0: the estimate decides).
bool interval_past(const MetricDelta& d, double threshold) {
  if (!d.change || !d.change_low || !d.change_high) return true;
  return *d.change < 0 ? *d.change_high < -threshold : *d.change_low > threshold;
}

// Repetitions per side that would narrow the interval until its end nearer
// the threshold clears it, if the change stays where it is: that end's
// distance from the estimate shrinks as one over the square root of the
// count. More than there are (these did not clear it).
std::size_t repetitions_to_clear(const MetricDelta& d, double threshold) {
  const double inner = *d.change < 0 ? *d.change_high - *d.change : *d.change - *d.change_low;
  const double room = std::fabs(*d.change) - threshold;
  const std::size_t n = std::min(d.n_base, d.n_new);
  if (inner <= 0 || room <= 0) return n + 1;
  const double scale = (inner / room) * (inner / room);
  return std::max(n + 1, std::size_t(std::ceil(double(n) * scale)));
}

void judge(MetricDelta& d, double threshold) {
  const std::size_t fewest = std::min(d.n_base, d.n_new);
  const double p = d.p_adjusted.value_or(d.p_value.value_or(1));
  const bool significant = p < stats::kAlpha;
  // From 0 to something has no relative size: past any threshold.
  const bool past = !d.change || std::fabs(*d.change) > threshold;
  const double direction = d.change ? *d.change : d.now - d.base;
  const bool worse = d.higher_is_better ? direction < 0 : direction > 0;
  const bool corrected = d.family > 1 && d.p_value && *d.p_value < stats::kAlpha && !significant;
  if (significant && past && !interval_past(d, threshold)) {
    // A change is called past the threshold when its whole interval is: the
    // threshold is the smallest change worth a verdict, and a point estimate
    // past it with an interval reaching inside it has not shown one. Between
    // separate invocations on a 2-vCPU VM, A/A pairs of the tcp comparison
    // shifted by 5-10% with tight intervals; judged by the estimate alone they
    // were flagged in 2-6 of 20 pairs per batch, by the interval in 1.
    d.verdict = Verdict::undecided;
    d.note = "significant, but its interval (" + percent(*d.change_low) + " to " +
             percent(*d.change_high) + ") reaches inside the threshold";
    d.needed = std::max(d.needed, repetitions_to_clear(d, threshold));
    d.note += ": need about " + std::to_string(d.needed) + " per side to tell";
  } else if (significant) {
    d.verdict = !past ? Verdict::same : worse ? Verdict::regression : Verdict::better;
    if (!past) d.note = "significant, within the threshold";
  } else if (d.change_low && d.change_high && *d.change_low >= -threshold &&
             *d.change_high <= threshold) {
    d.verdict = Verdict::same;
    d.note = "not significant; interval within \u00b1" + percent(threshold, 0);
  } else if (threshold > 0 && (!d.spread || d.needed > fewest)) {
    d.verdict = Verdict::undecided;
    d.note = "too few repetitions to detect " + percent(threshold, 0);
    if (d.spread)
      d.note += " at a spread of " + percent(*d.spread) + ": need about " +
                std::to_string(d.needed) + " per side";
  } else {
    d.verdict = Verdict::noise;
    d.note = "not significant";
  }
  if (corrected)
    d.note += (d.note.empty() ? "" : "; ") +
              std::string("p < 0.05 alone, not once corrected for ") + std::to_string(d.family) +
              " runs (Holm)";
}

// Both sides measured: the test and the estimate; the verdict follows
// (judge), again once the family's correction is known.
void decide(MetricDelta& d, const std::vector<double>& bv, const std::vector<double>& nv,
            double threshold) {
  d.n_base = bv.size();
  d.n_new = nv.size();
  d.spread = stats::log_spread(bv, nv);
  if (d.spread && threshold > 0) d.needed = stats::repetitions_needed(*d.spread, threshold);
  estimate_change(d, bv, nv);
  auto sorted_b = bv, sorted_n = nv;
  std::sort(sorted_b.begin(), sorted_b.end());
  std::sort(sorted_n.begin(), sorted_n.end());
  if (sorted_b == sorted_n) {
    // The same values (a file against itself): nothing changed, at any count.
    d.verdict = Verdict::same;
    d.note = "identical values";
    return;
  }
  if (stats::smallest_p_value(d.n_base, d.n_new) >= stats::kAlpha) {
    // No outcome could be significant: 1 vs anything, 3 vs 3.
    d.verdict = Verdict::undecided;
    std::size_t need = std::max(stats::minimum_repetitions(), d.needed);
    d.note = std::to_string(d.n_base) + " vs " + repetitions_text(d.n_new) +
             " cannot reach p < 0.05: need " + std::to_string(need) + " or more per side";
    return;
  }
  auto test = stats::mann_whitney(bv, nv);
  d.p_value = test.p_value;
  d.exact_test = test.exact;
  judge(d, threshold);
}

// A comparison of many runs asks "did any of them change?": tested at 5%
// each, 3 unchanged runs would raise a false alarm 14% of the time, 10
// runs 40%. Holm's step-down keeps the chance of any false alarm in the
// family (one metric across the runs compared) at 5%, and gives up less
// power than Bonferroni: the smallest p is held to 5%/m, the next to
// 5%/(m-1), and so on until one is not significant.
void correct_for_runs(std::vector<RunComparison>& runs, double threshold) {
  std::map<std::string, std::vector<MetricDelta*>> families;
  for (auto& r : runs)
    for (auto& d : r.deltas)
      if (d.p_value) families[d.metric].push_back(&d);
  for (auto& [metric, family] : families) {
    std::sort(family.begin(), family.end(),
              [](const MetricDelta* a, const MetricDelta* b) { return *a->p_value < *b->p_value; });
    const std::size_t m = family.size();
    double running = 0;  // adjusted p-values never decrease down the order
    for (std::size_t i = 0; i < m; ++i) {
      running = std::max(running, std::min(1.0, double(m - i) * *family[i]->p_value));
      family[i]->p_adjusted = running;
      family[i]->family = m;
      judge(*family[i], threshold);
    }
  }
}

MetricDelta compare_metric(const std::string& key, const json& brun, const json& nrun,
                           const json* b, const json* n, double threshold_pct) {
  MetricDelta d;
  d.metric = key;
  const json* any = b ? b : n;
  d.unit = any->value("unit", "");
  d.higher_is_better = higher_is_better(*any);
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
  auto bv = repetition_values(brun, key), nv = repetition_values(nrun, key);
  // A figure from the single evidence repetition (kernel counters) or a
  // document without per-repetition values: one value a side at most.
  if (bv.empty()) bv.push_back(d.base);
  if (nv.empty()) nv.push_back(d.now);
  decide(d, bv, nv, threshold_pct / 100);
  return d;
}

// The median over a document's runs of their median cpu_pressure_share;
// negative when no run has one.
double median_pressure(const json& doc) {
  constexpr const char* kPressure = "cpu_pressure_share";  // transfer_metrics.cpp declares it
  std::vector<double> v;
  for (const auto& r : doc.value("runs", json::array())) {
    const auto& m = r.value("metrics", json::object());
    if (m.contains(kPressure) && m[kPressure].is_object() &&
        m[kPressure].value("median", json()).is_number())
      v.push_back(m[kPressure]["median"].get<double>());
  }
  return v.empty() ? -1 : stats::median(v);
}

// Other work on the machine during one file's repetitions and not the
// other's moves throughput by tens of percent (on a 2-vCPU VM, A/A pairs
// of the tcp comparison: the false alarms came with one side's pressure
// far above the other's): said beside the verdicts, which it does not change
// (a slower machine is a slower result; two busy loops must still fail).
void pressure_note(Comparison& c, const json& b, const json& n) {
  c.pressure_base = median_pressure(b);
  c.pressure_new = median_pressure(n);
  if (c.pressure_base < 0 || c.pressure_new < 0) return;
  if (std::abs(c.pressure_new - c.pressure_base) < 0.10) return;
  auto pct = [](double x) { return std::to_string(int(x * 100 + 0.5)) + "%"; };
  const bool new_busier = c.pressure_new > c.pressure_base;
  c.notes.push_back("CPU pressure differs: some task waited for a CPU during " +
                    pct(c.pressure_base) + " of BASE's timed regions and " + pct(c.pressure_new) +
                    " of NEW's (/proc/pressure/cpu): other work competed " + "for the CPUs in " +
                    (new_busier ? "NEW" : "BASE") +
                    "; a throughput change may be the machine's, not the code's");
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

namespace {

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The whole file, refused before reading when it is not a regular file (a
// FIFO would block forever) or larger than kMaxResultsBytes; reading stops
// there too, should the file grow meanwhile.
std::string read_bounded(const fs::path& path) {
  auto label = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) bad_file(label, "does not exist");
    bad_file(label, "cannot be read: " + errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) bad_file(label, "cannot be read: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) bad_file(label, "is a folder, not a results file");
  if (!S_ISREG(st.st_mode))
    bad_file(label, "is " + file_kind(st.st_mode) + ", not a results file (give a regular file)");
  auto too_large = [&] {
    bad_file(label, "is larger than " + std::to_string(kMaxResultsBytes >> 20) +
                        " MiB, more than any results document");
  };
  if (std::uint64_t(st.st_size) > kMaxResultsBytes) too_large();
  std::string text;
  text.reserve(std::size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) bad_file(label, "cannot be read: " + errno_text(errno));
    if (n == 0) break;
    text.append(buf, std::size_t(n));
    if (text.size() > kMaxResultsBytes) too_large();
  }
  return text;
}

// Type checks of every field compare reads, so that a document edited by
// hand or by another tool fails with the field's path, not a library
// exception.
class Checker {
 public:
  explicit Checker(std::string label) : label_(std::move(label)) {}

  void check(const json& doc) {
    optional(doc, "", "complete", &json::is_boolean, "a boolean");
    optional(doc, "", "incomplete_reason", &json::is_string, "a string");
    if (const json* env = optional(doc, "", "environment", &json::is_object, "an object"))
      optional(*env, "environment", "warnings", &json::is_array, "an array");
    const json& runs = doc["runs"];
    for (std::size_t i = 0; i < runs.size(); ++i) run(runs[i], "runs[" + std::to_string(i) + "]");
  }

 private:
  using Test = bool (json::*)() const noexcept;

  [[noreturn]] void wrong(const std::string& path, const json& v, const char* want) {
    bad_file(label_, path + " is " +
                         (v.is_null() ? std::string("null")
                                      : std::string(v.is_array() || v.is_object() ? "an " : "a ") +
                                            v.type_name()) +
                         ", expected " + want);
  }
  const json* optional(const json& obj, const std::string& at, const char* key, Test ok,
                       const char* want) {
    auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    if (!((*it).*ok)()) wrong(at.empty() ? key : at + "." + key, *it, want);
    return &*it;
  }
  void required(const json& obj, const std::string& at, const char* key, Test ok,
                const char* want) {
    if (!obj.contains(key)) bad_file(label_, at + " has no \"" + key + "\"");
    optional(obj, at, key, ok, want);
  }

  void run(const json& r, const std::string& at) {
    if (!r.is_object()) wrong(at, r, "an object");
    required(r, at, "name", &json::is_string, "a string");
    required(r, at, "status", &json::is_string, "a string");
    optional(r, at, "reason", &json::is_string, "a string");
    optional(r, at, "strategy", &json::is_string, "a string");
    optional(r, at, "host", &json::is_string, "a string");
    optional(r, at, "peer", &json::is_string, "a string");
    if (const json* metrics = optional(r, at, "metrics", &json::is_object, "an object"))
      for (const auto& [key, m] : metrics->items()) metric(m, at + ".metrics." + key);
    if (const json* reps = optional(r, at, "repetitions", &json::is_array, "an array"))
      for (std::size_t i = 0; i < reps->size(); ++i)
        repetition((*reps)[i], at + ".repetitions[" + std::to_string(i) + "]");
  }

  void metric(const json& m, const std::string& at) {
    if (!m.is_object()) wrong(at, m, "an object");
    optional(m, at, "unit", &json::is_string, "a string");
    optional(m, at, "available", &json::is_boolean, "a boolean");
    optional(m, at, "reason", &json::is_string, "a string");
    for (const char* stat : {"median", "mean", "min", "max", "ci95_low", "ci95_high"})
      if (auto it = m.find(stat); it != m.end() && !it->is_number() && !it->is_null())
        wrong(at + "." + stat, *it, "a number");
  }

  void repetition(const json& rep, const std::string& at) {
    if (!rep.is_object()) wrong(at, rep, "an object");
    optional(rep, at, "status", &json::is_string, "a string");
    if (const json* values = optional(rep, at, "values", &json::is_object, "an object"))
      for (const auto& [key, v] : values->items())
        if (!v.is_number() && !v.is_null()) wrong(at + ".values." + key, v, "a number");
  }

  std::string label_;
};

}  // namespace

std::string read_results_file(const fs::path& path) { return read_bounded(path); }

json load_results(const fs::path& path) { return parse_results(read_bounded(path), path.string()); }

json parse_results(const std::string& s, const std::string& label) {
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
    bad_file(label, "schema " + doc["schema"].dump().substr(0, 40) + " is not \"zc-bench/1\"");
  if (!doc.contains("runs") || !doc["runs"].is_array())
    bad_file(label, "\"runs\" is missing or not an array");
  Checker(label).check(doc);
  std::set<std::string> names;
  for (const auto& r : doc["runs"])
    if (!names.insert(r["name"].get<std::string>()).second)
      bad_file(label, "run \"" + r["name"].get<std::string>() + "\" appears twice");
  return doc;
}

namespace {

// Every asked metric must mean something in at least one document.
void check_metrics_known(const json& base, const json& now, const CompareOptions& opts) {
  std::set<std::string> known;
  for (const auto* doc : {&base, &now})
    for (const auto& r : (*doc)["runs"])
      if (r.contains("metrics") && r["metrics"].is_object())
        for (const auto& [k, _] : r["metrics"].items()) known.insert(k);
  for (const auto& m : opts.metrics) {
    std::vector<std::string> keys;
    for (const auto* doc : {&base, &now})
      for (const auto& r : (*doc)["runs"])
        for (auto& k : candidates(m, r, r)) keys.push_back(k);
    if (std::none_of(keys.begin(), keys.end(), [&](auto& k) { return known.count(k) > 0; })) {
      std::string list;
      for (const auto& [a, _] : aliases()) list += (list.empty() ? "" : ", ") + a;
      for (const auto& k : known)
        if (!aliases().count(k)) list += ", " + k;
      throw UsageError("--metric: '" + m + "' is in neither file (allowed: " + list + ")");
    }
  }
}

// One run in both documents: its status, or each asked metric's change.
RunComparison compare_run(const std::string& name, const json& b, const json& n,
                          const CompareOptions& opts, std::vector<std::string>& notes) {
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
    return rc;
  }
  // A side in two states: its median is neither, and a change may be a
  // switch of state rather than of code.
  for (const auto& [side, run] : {std::pair{"BASE", &b}, std::pair{"NEW", &n}})
    if (const auto it = run->find("modes"); it != run->end() && it->is_object())
      for (const auto& w : run->value("warnings", json::array()))
        if (w.is_string() && w.get<std::string>().starts_with("2 modes: "))
          notes.push_back(std::string(side) + " " + name + ": " +
                          w.get<std::string>().substr(0, w.get<std::string>().find(" (")) +
                          ", its median between them");
  for (const auto& m : opts.metrics) {
    for (const auto& key : candidates(m, b, n)) {
      const json* bm = find_metric(b, key);
      const json* nm = find_metric(n, key);
      if (!bm && !nm) continue;
      rc.deltas.push_back(compare_metric(key, b, n, bm, nm, opts.threshold_pct));
      break;
    }
  }
  return rc;
}

}  // namespace

Comparison compare_results(const json& base, const json& now, const CompareOptions& opts,
                           const std::string& base_label, const std::string& new_label) {
  Comparison c;
  c.base_label = base_label;
  c.new_label = new_label;
  c.threshold_pct = opts.threshold_pct;
  check_metrics_known(base, now, opts);

  std::map<std::string, const json*> by_name;
  for (const auto& r : now["runs"]) by_name[r["name"].get<std::string>()] = &r;
  std::set<std::string> in_base;
  for (const auto& b : base["runs"]) {
    auto name = b["name"].get<std::string>();
    in_base.insert(name);
    if (auto it = by_name.find(name); it == by_name.end())
      c.only_base.push_back(name);
    else
      c.runs.push_back(compare_run(name, b, *it->second, opts, c.notes));
  }
  for (const auto& r : now["runs"])
    if (!in_base.count(r["name"].get<std::string>())) c.only_new.push_back(r["name"]);
  correct_for_runs(c.runs, opts.threshold_pct / 100);
  if (c.runs.empty())
    throw UsageError("compare: '" + base_label + "' and '" + new_label +
                     "' have no run in common (" + std::to_string(base["runs"].size()) + " vs " +
                     std::to_string(now["runs"].size()) +
                     " runs): they measured different strategies or parameters");
  environment_notes(base, now, c.notes);
  pressure_note(c, base, now);
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

// "-20.3% (-24.1 to -16.0)", the interval's coverage when short of 95%.
std::string change_text(const MetricDelta& d) {
  if (d.verdict == Verdict::unavailable) return "n/a";
  if (!d.change) return "from 0";
  std::string s = fmt("%+.1f%%", *d.change * 100);
  if (d.change_low && d.change_high && d.n_base > 1 && d.n_new > 1) {
    s += " (" + fmt("%+.1f", *d.change_low * 100) + " to " + fmt("%+.1f", *d.change_high * 100);
    if (d.change_coverage < stats::kConfidence - 1e-12)
      s += ", " + fmt("%.0f", d.change_coverage * 100) + "%";
    s += ")";
  }
  return s;
}

// The p the verdict read: Holm-adjusted when several runs were compared.
std::string p_text(const MetricDelta& d) {
  if (!d.p_value) return "-";
  const double p = d.p_adjusted.value_or(*d.p_value);
  return p < 0.001 ? "<0.001" : fmt("%.3f", p);
}

struct Row {
  std::string run, metric, base, now, n, change, p, verdict;
};

std::vector<Row> rows(const Comparison& c, bool markdown) {
  std::vector<Row> out;
  for (const auto& r : c.runs) {
    std::string name = markdown ? "`" + r.name + "`" : r.name;
    if (r.deltas.empty()) {
      out.push_back({name, "status", r.base_status, r.new_status, "", "", "",
                     (r.status_regressed ? (markdown ? "**regression**: " : "REGRESSION: ")
                                         : "not compared: ") +
                         r.reason});
      continue;
    }
    for (const auto& d : r.deltas) {
      std::string verdict(to_string(d.verdict));
      if (d.verdict == Verdict::regression) verdict = markdown ? "**regression**" : "REGRESSION";
      if (d.verdict == Verdict::undecided) verdict = markdown ? "**undecided**" : "UNDECIDED";
      if (!d.note.empty()) verdict += " (" + d.note + ")";
      bool none = d.verdict == Verdict::unavailable;
      out.push_back({name, d.metric + " (" + display_unit(d.unit) + ")",
                     none && d.base == 0 ? "n/a" : display_value(d.base, d.unit),
                     none && d.now == 0 ? "n/a" : display_value(d.now, d.unit),
                     none ? "" : std::to_string(d.n_base) + "/" + std::to_string(d.n_new),
                     change_text(d), p_text(d), verdict});
      name.clear();  // the run's name once, on its first metric
    }
  }
  return out;
}

// The fewest and most repetitions per side that would decide the undecided
// metrics; {0, 0} when none is undecided.
std::pair<std::size_t, std::size_t> needed_range(const Comparison& c, std::size_t& open) {
  std::size_t low = 0, high = 0;
  open = 0;
  for (const auto& r : c.runs)
    for (const auto& d : r.deltas) {
      if (d.verdict != Verdict::undecided) continue;
      ++open;
      std::size_t need = std::max(d.needed, stats::minimum_repetitions());
      low = low ? std::min(low, need) : need;
      high = std::max(high, need);
    }
  return {low, high};
}

std::string summary(const Comparison& c) {
  std::vector<std::string> bad;
  for (const auto& r : c.runs) {
    if (r.status_regressed) bad.push_back(r.name + " (" + r.reason + ")");
    for (const auto& d : r.deltas)
      if (d.verdict == Verdict::regression)
        bad.push_back(r.name + " " + d.metric + " " + change_text(d));
  }
  std::string threshold = fmt("%g", c.threshold_pct) + "%";
  if (bad.empty())
    return "no regression shown: " + std::to_string(c.runs.size()) + " runs compared, threshold " +
           threshold;
  std::string s = std::to_string(bad.size()) + (bad.size() == 1 ? " regression" : " regressions") +
                  " past " + threshold + ": ";
  for (std::size_t i = 0; i < bad.size(); ++i) s += (i ? "; " : "") + bad[i];
  return s;
}

constexpr const char* kMethod =
    "a change counts when a Mann-Whitney U test on the repetitions finds it (p < 0.05, Holm-"
    "corrected for the runs compared: p shown adjusted) and it passes the threshold; change = "
    "NEW/BASE by Hodges-Lehmann with its 95% interval; n = "
    "repetitions BASE/NEW";

}  // namespace

std::string undecided_warning(const Comparison& c) {
  std::size_t open = 0;
  auto [low, high] = needed_range(c, open);
  if (!open) return "";
  // One line that fits 80 columns: the table says which metrics and why.
  return "warning: " + std::to_string(open) + (open == 1 ? " metric" : " metrics") +
         " undecided; about " + std::to_string(low) +
         (high != low ? "-" + std::to_string(high) : "") + " repetitions per side would decide";
}

int exit_status(const Comparison& c, bool strict) {
  if (c.regressed()) return 1;
  return strict && c.undecided() ? 3 : 0;
}

namespace {

// `text` in lines of at most `width` columns, each line after the first
// indented by `indent` (words longer than that stay whole).
void wrap(std::ostringstream& out, const std::string& text, std::size_t width, std::size_t indent,
          std::size_t first_indent) {
  std::istringstream words(text);
  std::string word, line(first_indent, ' ');
  bool empty = true;
  while (words >> word) {
    if (!empty && display_width(line) + 1 + display_width(word) > width) {
      out << line << "\n";
      line.assign(indent, ' ');
      empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  out << line << "\n";
}

}  // namespace

namespace {

// One line of the text comparison: a run's name, or a metric (or status)
// with its values, change and the verdict that goes under it.
struct Line {
  bool run = false;
  std::string label, base, now, change, verdict;
};

// "UNDECIDED: needs more repetitions, p 0.2, n 3/3".
std::string verdict_text(const MetricDelta& d) {
  std::string verdict(to_string(d.verdict));
  if (d.verdict == Verdict::regression) verdict = "REGRESSION";
  if (d.verdict == Verdict::undecided) verdict = "UNDECIDED";
  std::vector<std::string> why;
  if (!d.note.empty()) why.push_back(d.note);
  if (d.p_value) why.push_back("p " + p_text(d));
  if (d.verdict != Verdict::unavailable)
    why.push_back("n " + std::to_string(d.n_base) + "/" + std::to_string(d.n_new));
  for (std::size_t i = 0; i < why.size(); ++i) verdict += (i ? ", " : ": ") + why[i];
  return verdict;
}

std::vector<Line> text_lines(const Comparison& c) {
  std::vector<Line> lines;
  for (const auto& r : c.runs) {
    lines.push_back({true, r.name, "", "", "", ""});
    if (r.deltas.empty()) {
      lines.push_back({false, "  status", r.base_status, r.new_status, "",
                       (r.status_regressed ? "REGRESSION: " : "not compared: ") + r.reason});
      continue;
    }
    for (const auto& d : r.deltas) {
      bool none = d.verdict == Verdict::unavailable;
      lines.push_back({false, "  " + d.metric + " (" + display_unit(d.unit) + ")",
                       none && d.base == 0 ? "n/a" : display_value(d.base, d.unit),
                       none && d.now == 0 ? "n/a" : display_value(d.now, d.unit), change_text(d),
                       verdict_text(d)});
    }
  }
  return lines;
}

// The lines under their head, the label and values in aligned columns.
void print_lines(std::ostringstream& out, const std::vector<Line>& lines, std::size_t width) {
  Line head{false, "run / metric", "base", "new", "change (95% interval)", ""};
  std::size_t w_label = head.label.size(), w_base = head.base.size(), w_new = head.now.size();
  for (const auto& l : lines) {
    if (l.run) continue;
    w_label = std::max(w_label, display_width(l.label));
    w_base = std::max(w_base, display_width(l.base));
    w_new = std::max(w_new, display_width(l.now));
  }
  auto pad_left = [](const std::string& s, std::size_t w) {
    return std::string(w - std::min(w, display_width(s)), ' ') + s;
  };
  auto row = [&](const Line& l) {
    std::string text = l.label +
                       std::string(w_label - std::min(w_label, display_width(l.label)), ' ') +
                       "  " + pad_left(l.base, w_base) + "  " + pad_left(l.now, w_new);
    if (!l.change.empty()) text += "  " + l.change;
    if (display_width(text) <= width) return out << text << "\n", void();
    // Too narrow for one line: the change goes under the values.
    out << text.substr(0, text.size() - l.change.size() - 2) << "\n";
    wrap(out, l.change, width, 4, 4);
  };
  row(head);
  for (const auto& l : lines) {
    if (l.run) {
      wrap(out, l.label, width, 2, 0);
      continue;
    }
    row(l);
    if (!l.verdict.empty()) wrap(out, l.verdict, width, 6, 4);
  }
}

}  // namespace

// Fitted to `width`: a run's name on a line of its own, each metric on one
// line (medians and the change with its interval) and its verdict, p and
// repetitions on an indented line under it, wrapped.
std::string comparison_text(const Comparison& c, std::size_t width) {
  std::ostringstream out;
  wrap(out, "zc-bench compare: BASE " + c.base_label + " vs NEW " + c.new_label, width, 2, 0);
  wrap(out, "threshold " + fmt("%g", c.threshold_pct) + "%; " + kMethod, width, 2, 0);
  out << "\n";
  print_lines(out, text_lines(c), width);
  for (const auto& n : c.only_base) wrap(out, "only in BASE: " + n, width, 2, 0);
  for (const auto& n : c.only_new) wrap(out, "only in NEW: " + n, width, 2, 0);
  for (const auto& n : c.notes) wrap(out, "note: " + n, width, 2, 0);
  wrap(out, summary(c), width, 2, 0);
  if (auto w = undecided_warning(c); !w.empty()) wrap(out, w, width, 2, 0);
  return out.str();
}

std::string comparison_markdown(const Comparison& c) {
  std::ostringstream out;
  auto warning = undecided_warning(c);
  out << "### zc-bench compare: `" << c.base_label << "` → `" << c.new_label << "`\n\n"
      << (c.regressed() ? "**" + summary(c) + "**" : summary(c)) << "\n\n"
      << (warning.empty() ? "" : warning + "\n\n") << "Threshold " << fmt("%g", c.threshold_pct)
      << "%; " << kMethod << ". Medians; MB/s = 10⁶ bytes/s.\n\n"
      << "| run | metric | base | new | n | change (95% interval) | p | verdict |\n"
         "|---|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& r : rows(c, true))
    out << "| " << r.run << " | " << r.metric << " | " << r.base << " | " << r.now << " | " << r.n
        << " | " << r.change << " | " << r.p << " | " << r.verdict << " |\n";
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
        m["n_base"] = d.n_base;
        m["n_new"] = d.n_new;
        m["change"] = d.change ? json(*d.change) : json();
        if (d.change_low && d.change_high) {
          m["change_low"] = *d.change_low;
          m["change_high"] = *d.change_high;
          m["change_coverage"] = d.change_coverage;
        }
        if (d.p_value) {
          m["p_value"] = *d.p_value;
          m["p_adjusted"] = d.p_adjusted.value_or(*d.p_value);
          m["family"] = d.family;
          m["test"] = d.exact_test ? "mann-whitney exact" : "mann-whitney normal approximation";
        }
        if (d.spread) m["spread"] = *d.spread;
        if (d.needed) m["repetitions_needed"] = d.needed;
      }
      if (!d.note.empty()) m["note"] = d.note;
      metrics.push_back(m);
    }
    json run = {{"name", r.name},
                {"base_status", r.base_status},
                {"new_status", r.new_status},
                {"regressed", r.regressed()},
                {"undecided", r.undecided()},
                {"metrics", metrics}};
    if (!r.reason.empty()) run["reason"] = r.reason;
    runs.push_back(run);
  }
  return {{"base", c.base_label},
          {"new", c.new_label},
          {"threshold_pct", c.threshold_pct},
          {"alpha", stats::kAlpha},
          {"correction", "holm"},
          {"regressed", c.regressed()},
          {"undecided", c.undecided()},
          {"summary", summary(c)},
          {"warning", undecided_warning(c)},
          {"runs", runs},
          {"only_base", c.only_base},
          {"only_new", c.only_new},
          {"notes", c.notes},
          {"cpu_pressure",
           {{"base", c.pressure_base < 0 ? json() : json(c.pressure_base)},
            {"new", c.pressure_new < 0 ? json() : json(c.pressure_new)}}}};
}

}  // namespace zc
