#include "harness/report/catch_up_tax.hpp"

#include <algorithm>
#include <map>

#include "harness/base/units.hpp"
#include "harness/report/ranking.hpp"

namespace zc {
namespace {

using nlohmann::json;

std::string text(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_broker_ok(const json& run) {
  return text(run, "workload") == "broker" && text(run, "status") == "ok" &&
         run.contains("parameters") && run["parameters"].contains("broker");
}

// The run's name without its phase: what a caught-up and a lagging run of
// one pair share ("/lag:caught-up" vs "/lag:lagging/lag-read:direct").
std::string pair_key(const json& run) {
  auto name = text(run, "name");
  auto at = name.find("/lag:");
  if (at == std::string::npos) return name;
  auto end = name.find("/cache-limit:", at);
  return name.substr(0, at) + (end == std::string::npos ? "" : name.substr(end));
}

std::string ratio_text(double r) { return format_fixed(r, r < 10 ? 2 : r < 100 ? 1 : 0); }

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::vector<CatchUpTax> catch_up_taxes(const json& results) {
  std::vector<CatchUpTax> out;
  if (!results.contains("runs") || !results["runs"].is_array()) return out;
  std::map<std::string, const json*> caught_up;
  for (const auto& run : results["runs"])
    if (is_broker_ok(run) && text(run["parameters"], "lag") == "caught-up")
      caught_up[pair_key(run)] = &run;
  for (const auto& run : results["runs"]) {
    if (!is_broker_ok(run) || text(run["parameters"], "lag") != "lagging") continue;
    auto it = caught_up.find(pair_key(run));
    if (it == caught_up.end()) continue;
    CatchUpTax t;
    t.ingest = text(run, "strategy");
    t.consume = text(run["parameters"]["broker"], "consume");
    t.lag_read = text(run["parameters"], "lag_read");
    t.caught_up_run = text(*it->second, "name");
    t.lagging_run = text(run, "name");
    auto a = repetition_values(*it->second, kTaxMetric), b = repetition_values(run, kTaxMetric);
    if (a.empty() || b.empty()) continue;
    t.caught_up_median = median_of(a);
    t.lagging_median = median_of(b);
    t.ratio = stats::ratio(a, b);
    out.push_back(std::move(t));
  }
  return out;
}

json taxes_json(const std::vector<CatchUpTax>& taxes) {
  json out = json::array();
  for (const auto& t : taxes) {
    json j = {{"ingest", t.ingest},
              {"consume", t.consume},
              {"lag_read", t.lag_read},
              {"metric", kTaxMetric},
              {"caught_up_run", t.caught_up_run},
              {"lagging_run", t.lagging_run},
              {"caught_up_median", t.caught_up_median},
              {"lagging_median", t.lagging_median}};
    if (t.ratio)
      j["ratio"] = {{"estimate", t.ratio->estimate},
                    {"low", t.ratio->interval.low},
                    {"high", t.ratio->interval.high},
                    {"coverage", t.ratio->interval.coverage}};
    out.push_back(j);
  }
  return out;
}

void print_taxes(const std::vector<CatchUpTax>& taxes, std::FILE* out,
                 const TableOptions& options) {
  if (taxes.empty()) return;
  std::map<std::string, std::map<std::string, std::vector<double>>> by_policy;  // policy -> consume
  for (const auto& t : taxes) {
    std::string line = "catch-up tax: producer p99 ";
    if (t.ratio) {
      line += "\u00d7" + ratio_text(t.ratio->estimate) + " (" + ratio_text(t.ratio->interval.low) +
              "\u2013" + ratio_text(t.ratio->interval.high);
      if (!t.ratio->interval.reaches_confidence())
        line += ", " + format_fixed(t.ratio->interval.coverage * 100, 0) + "% interval";
      line += ")";
      by_policy[t.lag_read][t.consume].push_back(t.ratio->estimate);
    } else {
      line += "n/a (a p99 of 0)";
    }
    line += " with a lagging consumer, " + t.ingest + " ingest, " + t.consume + " consume, " +
            t.lag_read + " reads";
    print_wrapped(out, line, options.width);
  }
  print_wrapped(out,
                "(the lagging phase's producer p99 \u00f7 the caught-up phase's: Hodges-Lehmann "
                "ratio of the repetitions, its 95% interval)",
                options.width);
  // Which consume path suffers least, per policy: the median of its pairs'
  // taxes over the ingest strategies.
  std::map<std::string, double> policy_median;
  for (const auto& [policy, consumes] : by_policy) {
    std::vector<std::pair<double, std::string>> ranked;
    std::vector<double> all;
    for (const auto& [consume, v] : consumes) {
      ranked.emplace_back(median_of(v), consume);
      all.insert(all.end(), v.begin(), v.end());
    }
    policy_median[policy] = median_of(all);
    std::sort(ranked.begin(), ranked.end());
    if (ranked.size() < 2) continue;
    std::string line = "suffers least, " + policy + " reads: ";
    for (std::size_t i = 0; i < ranked.size(); ++i)
      line +=
          (i ? ", then " : "") + ranked[i].second + " (\u00d7" + ratio_text(ranked[i].first) + ")";
    print_wrapped(out, line + "; the median tax over the ingest strategies", options.width);
  }
  if (policy_median.size() >= 2) {
    std::vector<std::pair<double, std::string>> ranked;
    for (const auto& [p, m] : policy_median) ranked.emplace_back(m, p);
    std::sort(ranked.begin(), ranked.end());
    std::string line = "the lagging consumer's policy, smallest tax first: ";
    for (std::size_t i = 0; i < ranked.size(); ++i)
      line += (i ? ", " : "") + ranked[i].second + " (\u00d7" + ratio_text(ranked[i].first) + ")";
    print_wrapped(out, line + "; the median over every pair", options.width);
  }
}

}  // namespace zc
