#include "harness/report/merge.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "harness/base/errors.hpp"
#include "harness/report/catch_up_tax.hpp"
#include "harness/report/ranking.hpp"

namespace zc {
using nlohmann::json;

namespace {

constexpr const char* kHostKey = "/host:";

std::string string_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "NAME/host:HOST", once: a merged document merged again keeps its names.
std::string qualified_name(const std::string& name, const std::string& host) {
  std::string suffix = kHostKey + host;
  if (name.size() >= suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    return name;
  return name + suffix;
}

// Top-level fields that describe one invocation (preset, repetition order,
// --reps auto's rule, ...): kept when every document agrees, else left out
// and said in a warning.
void keep_agreed(json& out, const std::vector<MergeInput>& inputs,
                 std::vector<std::string>& warnings) {
  static const std::set<std::string> handled = {
      "schema",      "complete",    "incomplete_reason", "started_at", "finished_at",
      "environment", "runs",        "comparisons",       "compact",    "metric_descriptions",
      "hosts",       "merged_from", "catch_up_tax"};
  std::set<std::string> keys;
  for (const auto& in : inputs)
    for (const auto& [k, _] : in.doc.items())
      if (!handled.count(k)) keys.insert(k);
  for (const auto& k : keys) {
    static const json absent;
    const json* first = nullptr;
    bool agree = true;
    for (const auto& in : inputs) {
      auto it = in.doc.find(k);
      const json* v = it == in.doc.end() ? &absent : &*it;
      if (!first)
        first = v;
      else if (*v != *first)
        agree = false;
    }
    if (agree && !first->is_null())
      out[k] = *first;
    else if (!agree)
      warnings.push_back("merge: the files differ in \"" + k + "\"; it is left out");
  }
}

}  // namespace

std::string run_host(const json& run, const json& doc) {
  if (auto h = string_at(run, "host"); !h.empty()) return h;
  if (auto it = doc.find("environment"); it != doc.end() && it->is_object())
    if (auto h = string_at(*it, "hostname"); !h.empty()) return h;
  return "unknown";
}

std::string run_peer(const json& run) {
  if (auto p = string_at(run, "peer"); !p.empty()) return p;
  auto params = run.find("parameters");
  if (params == run.end() || !params->is_object()) return {};
  auto remote = string_at(*params, "remote");
  auto colon = remote.rfind(':');
  if (colon == std::string::npos) return {};
  std::string host = remote.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

namespace {

// What the files add up to, gathered one file at a time.
struct Gathered {
  json runs = json::array(), hosts = json::object(), sources = json::array();
  json descriptions = json::object();
  std::map<std::string, std::string> seen;  // qualified name -> file
  std::vector<std::string> incomplete;
  std::string started, finished;
  bool compact = false;
};

// One file's own fields: whether it finished, when it ran, its hosts'
// environments and its metric descriptions.
void gather_fields(Gathered& g, const MergeInput& in) {
  const json& doc = in.doc;
  auto doc_host = run_host(json::object(), doc);
  if (doc.value("complete", true) == false)
    g.incomplete.push_back(in.label + ": " +
                           doc.value("incomplete_reason", std::string("stopped")));
  if (auto s = string_at(doc, "started_at"); !s.empty() && (g.started.empty() || s < g.started))
    g.started = s;
  if (auto f = string_at(doc, "finished_at"); !f.empty() && f > g.finished) g.finished = f;
  // A merged document brings its hosts along; a run's own brings one.
  if (auto it = doc.find("hosts"); it != doc.end() && it->is_object())
    for (const auto& [h, env] : it->items())
      if (!g.hosts.contains(h)) g.hosts[h] = env;
  if (auto it = doc.find("environment"); it != doc.end() && !g.hosts.contains(doc_host))
    g.hosts[doc_host] = *it;
  if (doc.value("compact", false)) g.compact = true;
  if (auto it = doc.find("metric_descriptions"); it != doc.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      if (!g.descriptions.contains(k)) g.descriptions[k] = v;
}

// One file's runs, each named with its host (and its peer said), and the
// file's line in merged_from.
void gather_runs(Gathered& g, const MergeInput& in) {
  const json& doc = in.doc;
  std::set<std::string> file_hosts;
  for (json run : doc["runs"]) {
    auto host = run_host(run, doc);
    auto peer = run_peer(run);
    run["host"] = host;
    if (!peer.empty()) run["peer"] = peer;
    auto name = qualified_name(run["name"].get<std::string>(), host);
    if (auto [it, fresh] = g.seen.emplace(name, in.label); !fresh)
      throw UsageError("merge: run \"" + name + "\" is in both '" + it->second + "' and '" +
                       in.label + "' (merge each host's file once)");
    run["name"] = name;
    file_hosts.insert(host);
    g.runs.push_back(std::move(run));
  }
  g.sources.push_back(
      {{"file", in.label},
       {"hosts", json(std::vector<std::string>(file_hosts.begin(), file_hosts.end()))},
       {"runs", doc["runs"].size()}});
  if (auto s = string_at(doc, "started_at"); !s.empty()) g.sources.back()["started_at"] = s;
}

// The first file's environment stands for the document (tools that read
// one environment find it); every host's own is under `hosts`.
void set_environment(json& out, const std::vector<MergeInput>& inputs, const json& hosts) {
  const MergeInput* first = nullptr;
  for (const auto& in : inputs)
    if (!first && in.doc.contains("environment") && in.doc["environment"].is_object()) first = &in;
  if (!first)
    throw UsageError("merge: no file has an \"environment\" (not written by zc-bench run)");
  out["environment"] = first->doc["environment"];
  auto& env_warnings = out["environment"]["warnings"];
  if (!env_warnings.is_array()) env_warnings = json::array();
  if (hosts.size() > 1)
    env_warnings.push_back("merged from " + std::to_string(hosts.size()) +
                           " hosts: this environment is " + run_host(json::object(), first->doc) +
                           "'s; each host's is under \"hosts\"");
}

}  // namespace

json merge_results(const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) throw UsageError("merge: give at least one results file");
  json out = {{"schema", "zc-bench/1"}};
  Gathered g;
  for (const auto& in : inputs) {
    gather_fields(g, in);
    gather_runs(g, in);
  }
  out["complete"] = g.incomplete.empty();
  if (!g.incomplete.empty()) {
    std::string reason;
    for (const auto& r : g.incomplete) reason += (reason.empty() ? "" : "; ") + r;
    out["incomplete_reason"] = reason;
  }
  if (!g.started.empty()) out["started_at"] = g.started;
  if (!g.finished.empty()) out["finished_at"] = g.finished;
  set_environment(out, inputs, g.hosts);
  std::vector<std::string> warnings;
  keep_agreed(out, inputs, warnings);
  for (const auto& w : warnings) out["environment"]["warnings"].push_back(w);
  out["hosts"] = g.hosts;
  out["merged_from"] = g.sources;
  if (g.compact) {
    out["compact"] = true;
    out["metric_descriptions"] = g.descriptions;
  }
  out["runs"] = std::move(g.runs);
  // The verdict is derived from the runs alone, as `run` derives it; the
  // host in every name keeps each ranking to one pair of machines.
  if (auto rankings = rank_results(out); !rankings.empty())
    out["comparisons"] = rankings_json(rankings);
  if (auto taxes = catch_up_taxes(out); !taxes.empty()) out["catch_up_tax"] = taxes_json(taxes);
  return out;
}

}  // namespace zc
