#include "harness/measure/check_items.hpp"

#include <algorithm>
#include <cmath>

namespace zc {
using nlohmann::json;

json not_measured(json predicted, const std::string& why) {
  return {{"status", "not_measured"}, {"predicted", std::move(predicted)}, {"reason", why}};
}

json check_item(const char* status, json predicted, json measured, const std::string& method,
                const std::string& rule) {
  return {{"status", status},
          {"predicted", std::move(predicted)},
          {"measured", std::move(measured)},
          {"method", method},
          {"rule", rule}};
}

json check_item(bool pass, json predicted, json measured, const std::string& method,
                const std::string& rule) {
  return check_item(pass ? "pass" : "fail", std::move(predicted), std::move(measured), method,
                    rule);
}

bool within(double measured, double predicted, double rel, double abs) {
  return std::fabs(measured - predicted) <= rel * predicted + abs;
}

bool item_fails(const json& item) {
  return item["status"] == "fail" || item["status"] == "inconsistent";
}

std::uint64_t one_off_bytes(std::uint64_t size) { return size / 100 + 64 * 1024; }

bool in_user_memory(Place p) {
  return p == Place::user_buffer || p == Place::mapped_page_cache || p == Place::runtime_heap;
}

std::uint64_t call_evidence(const CallCounters& c, const char* key) {
  auto it = c.evidence.find(key);
  return it == c.evidence.end() ? 0 : it->second;
}

json syscall_cross_check_item(std::uint64_t exact, const Maybe<std::uint64_t>& traced,
                              const std::string& method, const std::string& rule) {
  if (!traced.value) return not_measured(exact, traced.why_not);
  const auto got = *traced.value;
  double slack = std::max(2.0, 0.005 * double(exact));
  return check_item(std::fabs(double(got) - double(exact)) <= slack, exact, got, method, rule);
}

json syscalls_per_record_item(double predicted, std::uint64_t records, std::uint64_t skip,
                              std::uint64_t exact, const Maybe<std::uint64_t>& traced,
                              const std::string& method) {
  const double p = predicted;
  if (records == 0) return not_measured(p, "no records");
  auto per_record = [&](std::uint64_t n) {
    return double(n - std::min(skip, n)) / double(records);
  };
  json measured = {{"exact_per_record", per_record(exact)}, {"unmodelled_calls", skip}};
  if (!traced.value)
    return check_item(within(per_record(exact), p, 0.05, 0.01) ? "consistent" : "inconsistent", p,
                      measured, "exact (the strategy's own count)",
                      "per record within 5% of the model; no kernel count: " + traced.why_not);
  const double per = per_record(*traced.value);
  measured["tracepoint_per_record"] = per;
  return check_item(within(per, p, 0.05, 0.01), p, measured, method,
                    "per record within 5% of the model");
}

json unchecked_hops(const Ledger& l, const Conditions& c, const json& items, CoverageOf coverage,
                    int& checked) {
  json unchecked = json::array();
  for (const auto& h : l.hops) {
    auto cov = coverage(h, c);
    if (cov.item.empty() && h.by == Mover::dma) continue;
    const std::string status =
        cov.item.empty() ? "" : items.at(cov.item).value("status", std::string("not_measured"));
    if (status == "pass" || status == "fail") {
      ++checked;
      continue;
    }
    unchecked.push_back(
        {{"hop", hop_name(h)},
         {"why", cov.item.empty()
                     ? cov.why
                     : cov.item + ": " +
                           items.at(cov.item).value("reason", std::string("not measured"))}});
  }
  return unchecked;
}

json record_check(const Ledger& l, const Conditions& c, json items, CoverageOf coverage,
                  bool (*verifies)(const std::string& name)) {
  const bool failed =
      std::any_of(items.begin(), items.end(), [](const json& it) { return item_fails(it); });
  int checked = 0;
  json unchecked = unchecked_hops(l, c, items, coverage, checked);
  // No evidence, no pass: /proc/self/io, the ledger's path and the
  // strategy's own tallies can fail a run, never pass it; a tracepoint
  // item must have checked a hop.
  std::string status = failed ? "fail" : checked > 0 ? "pass" : "not_measured";
  json out = {{"status", status}, {"items", std::move(items)}, {"unchecked", unchecked}};
  if (status == "not_measured") {
    std::string why = "not verified: no kernel evidence checked a hop";
    for (auto& [name, it] : out["items"].items())
      if (verifies(name) && it["status"] == "not_measured") {
        why += " (" + name + ": " + it.value("reason", std::string("not measured")) + ")";
        break;
      }
    out["reason"] = why;
  }
  return out;
}

std::vector<std::string> failed_items(const json& check) {
  std::vector<std::string> failed;
  if (!check.contains("items")) return failed;
  for (const auto& [name, it] : check["items"].items())
    if (item_fails(it))
      failed.push_back(name + " predicted " + it["predicted"].dump() + ", measured " +
                       it.value("measured", json()).dump());
  return failed;
}

std::string record_copy_verdict(
    const json& ledger, const std::string& where, const json& check,
    const std::vector<std::pair<std::string, std::string>>& evidence_of) {
  const int cpu = ledger.value("cpu_copies_sender", 0);
  const std::string claim =
      std::to_string(cpu) + (cpu == 1 ? " CPU copy " : " CPU copies ") + where;
  const std::string status = check.value("status", "not_measured");
  if (status == "not_measured")
    return claim + " (model only: " + check.value("reason", std::string("no kernel evidence")) +
           ")" + unchecked_note(check);
  std::vector<std::string> evidence;
  for (const auto& [name, it] : check["items"].items()) {
    if (it["status"] != "pass") continue;
    for (const auto& [item, what] : evidence_of)
      if (item == name) evidence.push_back(what);
  }
  return verdict_line(claim, failed_items(check), evidence) + unchecked_note(check);
}

}  // namespace zc
