// The mutation suite: every single-hop mutation of a built-in strategy's
// ledger must FAIL the model check against the kernel's evidence of a real
// run. One evidence run per strategy and sink (small file, one repetition);
// the harness hands this test binary the run's ledger, conditions and
// evidence through a hook only code linking the harness can set
// (set_model_check_observer_for_tests), and every mutant is checked
// in-process against that same evidence.
//
// Mutants: one CPU copy fewer (the hop deleted, or made by reference) and
// one more (the hop repeated) on each side, a by-reference hop made a copy,
// and the calls per chunk +-1. A survivor is acceptable only where the
// original check names its hop UNCHECKED (no kernel evidence sees it): the
// test prints the score (killed / total) and each survivor with that reason.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "append_fixture.hpp"
#include "harness/core/external.hpp"
#include "harness/measure/append_check.hpp"
#include "harness/measure/model_check.hpp"
#include "harness/measure/perf_counters.hpp"
#include "harness/workloads/ingest/ingest_check.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

constexpr std::uint64_t kSize = 2u << 20, kChunk = 256u << 10;

struct Evidence {
  Ledger ledger;
  Conditions conditions;
  MeasuredCopies measured;
};

std::optional<Evidence>& captured() {
  static std::optional<Evidence> e;
  return e;
}

void capture(const Ledger& l, const Conditions& c, const MeasuredCopies& m) {
  captured() = Evidence{l, c, m};
}

struct Mutant {
  std::string what;
  Ledger ledger;
  std::optional<std::size_t> hop;  // the hop it changed, in the original ledger
};

std::vector<Mutant> mutants(const Ledger& l) {
  std::vector<Mutant> out;
  for (std::size_t i = 0; i < l.hops.size(); ++i) {
    const auto& h = l.hops[i];
    const std::string name = "hop " + std::to_string(i + 1) + " " + hop_name(h);
    if (h.by == Mover::cpu) {
      Ledger fewer = l;
      fewer.hops.erase(fewer.hops.begin() + long(i));
      out.push_back({"one copy fewer (deleted): " + name, fewer, i});
      Ledger by_ref = l;
      by_ref.hops[i].by = Mover::reference;
      out.push_back({"copy made by-reference: " + name, by_ref, i});
      Ledger more = l;
      more.hops.insert(more.hops.begin() + long(i), h);
      out.push_back({"one copy more (repeated): " + name, more, i});
    } else if (h.by == Mover::reference) {
      Ledger copy = l;
      copy.hops[i].by = Mover::cpu;
      out.push_back({"by-reference made a copy: " + name, copy, i});
    }
  }
  for (double d : {-1.0, 1.0}) {
    Ledger calls = l;
    calls.syscalls_per_chunk = std::max(0.0, l.syscalls_per_chunk + d);
    // A ledger of no calls has no fewer (a mapped log with no syncs).
    if (calls.syscalls_per_chunk == l.syscalls_per_chunk) continue;
    out.push_back({std::string("calls per chunk ") + (d > 0 ? "+1" : "-1"), calls, std::nullopt});
  }
  return out;
}

struct Score {
  int killed = 0, total = 0, checkable = 0, checkable_killed = 0;
  std::vector<std::string> survivors, escaped;  // escaped: checkable and not killed
};

// One evidence run (`run_once`: the unmutated ledger's check of it, null
// when the run was not ok). A loaded machine can disturb one run (a stray
// call in the window): a failing check gets a second run before it counts.
template <class RunOnce>
nlohmann::json evidence_run(RunOnce run_once) {
  nlohmann::json original;
  for (int attempt = 0; attempt < 2; ++attempt) {
    original = run_once();
    if (original.is_null() || original["status"] != "fail") break;
  }
  return original;
}

// Why a mutant survived: its hop is one the original check names
// UNCHECKED, or the calls item had no kernel evidence, or neither.
std::string why_survived(const Mutant& m, const Ledger& ledger, const nlohmann::json& original,
                         const nlohmann::json& check, const char* calls_item, bool calls_checked) {
  std::string why = "not killed (" + check.value("status", std::string("?")) + ")";
  if (m.hop) {
    for (const auto& u : original["unchecked"])
      if (u.value("hop", "") == hop_name(ledger.hops[*m.hop]))
        why = "UNCHECKED: " + u.value("why", std::string());
  } else if (!calls_checked) {
    why =
        "UNCHECKED: " + original["items"][calls_item].value("reason", std::string("not measured"));
  }
  return why;
}

// Every mutant of `ledger` re-checked by `check` against the evidence of
// the run whose unmutated check is `original` (`calls_item`: its syscall
// count item). A mutant is checkable unless its hop is UNCHECKED there
// (or, for the calls mutants, the calls item had no kernel evidence).
template <class Check>
void score_mutants(const std::string& where, const Ledger& ledger,
                   const std::vector<Mutant>& mutated, const nlohmann::json& original,
                   const char* calls_item, bool must_pass, Check check, Score& score) {
  // The sanitizer runtime's own syscalls break the exact counts (scripts/test).
  if (!std::getenv("ZC_SANITIZED")) {
    if (must_pass)
      EXPECT_EQ(original["status"], "pass") << where << ": " << original.dump(1);
    else
      EXPECT_NE(original["status"], "fail") << where << ": " << original.dump(1);
  }
  std::set<std::string> unchecked;
  for (const auto& u : original["unchecked"]) unchecked.insert(u.value("hop", ""));
  const auto& calls = original["items"][calls_item]["status"];
  const bool calls_checked = calls == "pass" || calls == "fail";
  for (const auto& m : mutated) {
    ++score.total;
    auto result = check(m.ledger);
    const bool killed = result["status"] == "fail";
    const bool checkable = m.hop ? !unchecked.count(hop_name(ledger.hops[*m.hop])) : calls_checked;
    score.killed += killed;
    score.checkable += checkable;
    score.checkable_killed += checkable && killed;
    if (killed) continue;
    (checkable ? score.escaped : score.survivors)
        .push_back(where + ": " + m.what + ": " +
                   why_survived(m, ledger, original, result, calls_item, calls_checked));
  }
}

// Runs one strategy on one sink and checks all its mutants against the run.
void mutate(const TransferStrategy* s, SinkKind sink, Score& score) {
  // OpenSSL writes one 16 KiB record per call: at kChunk that is 17 calls
  // per chunk, and one call more is 6%, at the edge of the check's 5% (and
  // inside it with the sanitizer's own calls). At one record per chunk a
  // call more or fewer is half the chunk's calls.
  const std::uint64_t chunk = s->uses_tls() ? 16u << 10 : kChunk;
  Conditions probe_c;
  probe_c.sink = sink;
  probe_c.size = kSize;
  probe_c.chunk = chunk;
  if (!s->accepts_sink(sink) || !s->probe(probe_c)) return;
  const std::string where = std::string(s->id()) + "/" + std::string(to_string(sink));
  auto original = evidence_run([&]() -> nlohmann::json {
    auto tmp = fresh_dir("mutation");
    captured().reset();
    set_model_check_observer_for_tests(&capture);
    auto out = run_plan(small_plan(s, sink, kSize, chunk, tmp, CacheState::hot, 1));
    set_model_check_observer_for_tests(nullptr);
    std::filesystem::remove_all(tmp);
    if (out.results["runs"][0].value("status", "") != "ok") return {};  // unsupported here
    if (!captured()) {
      ADD_FAILURE() << where << ": no evidence repetition was checked";
      return {};
    }
    return check_model(captured()->ledger, captured()->conditions, captured()->measured);
  });
  if (original.is_null()) return;
  const auto& e = *captured();
  score_mutants(
      where, e.ledger, mutants(e.ledger), original, "syscalls_per_chunk", false,
      [&](const Ledger& l) { return check_model(l, e.conditions, e.measured); }, score);
}

void report(const std::string& suite, const Score& s) {
  std::cout << "mutation score (" << suite << "): " << s.killed << "/" << s.total
            << " killed; checkable mutants killed: " << s.checkable_killed << "/" << s.checkable
            << "\n";
  for (const auto& v : s.survivors) std::cout << "  survivor: " << v << "\n";
  for (const auto& v : s.escaped) std::cout << "  ESCAPED (checkable, not killed): " << v << "\n";
}

#define REQUIRE_KERNEL_COUNTERS()                                       \
  do {                                                                  \
    if (auto s = perf_events_support(); !s) GTEST_SKIP() << *s.missing; \
    if (auto t = tracefs_support(); !t) GTEST_SKIP() << *t.missing;     \
  } while (0)

void mutate_every_strategy(SinkKind sink) {
  Score score;
  for (const auto* st : Registry::instance().all(kTransferWorkload)) {
    const auto* s = static_cast<const TransferStrategy*>(st);
    if (dynamic_cast<const ExternalStrategy*>(s)) continue;  // built-in only
    mutate(s, sink, score);
  }
  report(std::string(to_string(sink)), score);
  EXPECT_GT(score.total, 0);
  EXPECT_TRUE(score.escaped.empty()) << score.escaped.size() << " checkable mutants survived";
}

TEST(Mutation, EveryCheckableMutantFailsOnTcp) {
  REQUIRE_KERNEL_COUNTERS();
  mutate_every_strategy(SinkKind::tcp);
}
TEST(Mutation, EveryCheckableMutantFailsOnUnix) {
  REQUIRE_KERNEL_COUNTERS();
  mutate_every_strategy(SinkKind::unix_stream);
}
TEST(Mutation, EveryCheckableMutantFailsOnPipe) {
  REQUIRE_KERNEL_COUNTERS();
  mutate_every_strategy(SinkKind::pipe);
}
TEST(Mutation, EveryCheckableMutantFailsOnFile) {
  REQUIRE_KERNEL_COUNTERS();
  mutate_every_strategy(SinkKind::file);
}

// The record workloads (ingest, append): one repetition's ledger,
// conditions, evidence (with the strategy's counts it points at) and file
// system, as the check's observer saw them.
template <class Evidence>
struct RecordCapture {
  Ledger ledger;
  Conditions conditions;
  Evidence evidence;
  CallCounters calls;
  std::string fs;
};

template <class Evidence>
std::optional<RecordCapture<Evidence>>& record_captured() {
  static std::optional<RecordCapture<Evidence>> e;
  return e;
}

template <class Evidence>
void capture_record(const Ledger& l, const Conditions& c, const Evidence& e,
                    const std::string& fs) {
  record_captured<Evidence>() = RecordCapture<Evidence>{l, c, e, *e.calls, fs};
}

template <class Evidence>
using RecordCheck = nlohmann::json (*)(const Ledger&, const Conditions&, const Evidence&,
                                       const std::string& fs);
template <class Evidence>
using RecordObserver = void (*)(const Ledger&, const Conditions&, const Evidence&,
                                const std::string& fs);

// A record workload's evidence run of the plan `plan_in(tmp)` makes, its
// check captured through `observe` and its mutants (`mutated`) scored.
template <class Evidence, class PlanIn, class Mutants>
void mutate_record_run(const std::string& where, const std::string& tag, PlanIn plan_in,
                       void (*observe)(RecordObserver<Evidence>), RecordCheck<Evidence> check,
                       Mutants mutated, bool must_pass, Score& score) {
  auto& captured = record_captured<Evidence>();
  auto original = evidence_run([&]() -> nlohmann::json {
    auto tmp = fresh_dir(tag);
    captured.reset();
    observe(&capture_record<Evidence>);
    auto out = run_plan(plan_in(tmp));
    observe(nullptr);
    std::filesystem::remove_all(tmp);
    if (out.results["runs"][0].value("status", "") != "ok") return {};
    if (!captured) {
      ADD_FAILURE() << where << ": no repetition was checked";
      return {};
    }
    captured->evidence.calls = &captured->calls;
    return check(captured->ledger, captured->conditions, captured->evidence, captured->fs);
  });
  if (original.is_null()) return;
  const auto& e = *captured;
  score_mutants(
      where, e.ledger, mutated(e.ledger), original, "syscalls_per_record", must_pass,
      [&](const Ledger& l) { return check(l, e.conditions, e.evidence, e.fs); }, score);
}

// Ingest: one evidence run per strategy (tcp, no sync), its mutants
// checked against the same stream's evidence.
TEST(Mutation, EveryCheckableIngestMutantFails) {
  REQUIRE_KERNEL_COUNTERS();
  Score score;
  for (const auto* s : Registry::instance().all("ingest")) {
    auto plan_in = [&](const std::filesystem::path& tmp) {
      RunSpec spec;
      spec.strategy = s;
      spec.conditions.sink = SinkKind::tcp;
      spec.conditions.size = kSize;
      spec.conditions.chunk = 4096;
      spec.conditions.append = {AppendPattern::seq, SyncPolicy{}};
      Plan plan;
      plan.repetitions = 1;
      plan.warmup = 0;
      plan.temp_parent = tmp;
      plan.timeout_s = 120;
      plan.quiet = true;
      plan.runs.push_back(spec);
      return plan;
    };
    mutate_record_run<IngestEvidence>(std::string(s->id()) + "/tcp", "mutation-ingest", plan_in,
                                      &set_ingest_check_observer_for_tests, &check_ingest_model,
                                      mutants, false, score);
  }
  report("ingest", score);
  EXPECT_GT(score.total, 0);
  EXPECT_TRUE(score.escaped.empty()) << score.escaped.size() << " checkable mutants survived";
}

// Append: one evidence run per strategy (seq, 16 KiB records, --sync none
// and every:1), its mutants checked against the same repetition's
// evidence. Besides the transfer mutants, DMA's own: a CPU copy made DMA,
// and O_DIRECT's DMA out of the record buffer made a CPU copy or deleted.
std::vector<Mutant> append_mutants(const Ledger& l) {
  auto out = mutants(l);
  for (std::size_t i = 0; i < l.hops.size(); ++i) {
    const auto& h = l.hops[i];
    const std::string name = "hop " + std::to_string(i + 1) + " " + hop_name(h);
    if (h.by == Mover::cpu) {
      Ledger dma = l;
      dma.hops[i].by = Mover::dma;
      out.push_back({"copy made DMA: " + name, dma, i});
    } else if (h.by == Mover::dma && h.from == Place::user_buffer) {
      Ledger cpu = l;
      cpu.hops[i].by = Mover::cpu;
      out.push_back({"DMA made a CPU copy: " + name, cpu, i});
      Ledger gone = l;
      gone.hops.erase(gone.hops.begin() + long(i));
      out.push_back({"DMA deleted: " + name, gone, i});
    }
  }
  return out;
}

TEST(Mutation, EveryCheckableAppendMutantFails) {
  REQUIRE_KERNEL_COUNTERS();
  Score score;
  for (const auto* st : Registry::instance().all(kAppendWorkload)) {
    const auto* s = static_cast<const AppendStrategy*>(st);
    for (const auto* policy : {"none", "every:1"}) {
      auto plan_in = [&](const std::filesystem::path& tmp) {
        auto plan = append_plan(tmp, {append_spec(s, kSize, 16u << 10, AppendPattern::seq,
                                                  *SyncPolicy::parse(policy))});
        plan.quiet = true;
        return plan;
      };
      mutate_record_run<AppendEvidence>(std::string(s->id()) + "/sync:" + policy, "mutation-append",
                                        plan_in, &set_append_check_observer_for_tests,
                                        &check_append_model, append_mutants, true, score);
    }
  }
  report("append", score);
  EXPECT_GT(score.total, 0);
  EXPECT_TRUE(score.escaped.empty()) << score.escaped.size() << " checkable mutants survived";
}

}  // namespace
}  // namespace zc::testing
