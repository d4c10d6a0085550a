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
  nlohmann::json original;
  // A loaded machine can disturb one evidence run (a stray call in the
  // window): the unmutated ledger gets a second run before it counts.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto tmp = fresh_dir("mutation");
    captured().reset();
    set_model_check_observer_for_tests(&capture);
    auto out = run_plan(small_plan(s, sink, kSize, chunk, tmp, CacheState::hot, 1));
    set_model_check_observer_for_tests(nullptr);
    std::filesystem::remove_all(tmp);
    const auto& run = out.results["runs"][0];
    if (run.value("status", "") != "ok") return;  // unsupported here: no evidence
    ASSERT_TRUE(captured()) << where << ": no evidence repetition was checked";
    original = check_model(captured()->ledger, captured()->conditions, captured()->measured);
    if (original["status"] != "fail") break;
  }
  const auto& e = *captured();
  // The sanitizer runtime's own syscalls break the exact counts (scripts/test).
  if (!std::getenv("ZC_SANITIZED")) {
    EXPECT_NE(original["status"], "fail") << where << ": " << original.dump(1);
  }
  std::set<std::string> unchecked;
  for (const auto& u : original["unchecked"]) unchecked.insert(u.value("hop", ""));
  const bool calls_checked = original["items"]["syscalls_per_chunk"]["status"] != "not_measured";
  for (const auto& m : mutants(e.ledger)) {
    ++score.total;
    auto check = check_model(m.ledger, e.conditions, e.measured);
    const bool killed = check["status"] == "fail";
    const bool checkable =
        m.hop ? !unchecked.count(hop_name(e.ledger.hops[*m.hop])) : calls_checked;
    score.killed += killed;
    score.checkable += checkable;
    score.checkable_killed += checkable && killed;
    if (killed) continue;
    std::string why = "not killed (" + check.value("status", std::string("?")) + ")";
    if (m.hop) {
      for (const auto& u : original["unchecked"]) {
        if (u.value("hop", "") == hop_name(e.ledger.hops[*m.hop]))
          why = "UNCHECKED: " + u.value("why", std::string());
      }
    }
    if (!m.hop && !calls_checked)
      why = "UNCHECKED: " +
            original["items"]["syscalls_per_chunk"].value("reason", std::string("not measured"));
    (checkable ? score.escaped : score.survivors).push_back(where + ": " + m.what + ": " + why);
  }
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

// Ingest: one evidence run per strategy (tcp, no sync), its mutants
// checked against the same stream's evidence.
struct IngestCapture {
  Ledger ledger;
  Conditions conditions;
  IngestEvidence evidence;
  CallCounters calls;
  std::string fs;
};

std::optional<IngestCapture>& ingest_captured() {
  static std::optional<IngestCapture> e;
  return e;
}

void capture_ingest(const Ledger& l, const Conditions& c, const IngestEvidence& e,
                    const std::string& fs) {
  ingest_captured() = IngestCapture{l, c, e, *e.calls, fs};
}

TEST(Mutation, EveryCheckableIngestMutantFails) {
  REQUIRE_KERNEL_COUNTERS();
  Score score;
  for (const auto* s : Registry::instance().all("ingest")) {
    const std::string where = std::string(s->id()) + "/tcp";
    nlohmann::json original;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto tmp = fresh_dir("mutation-ingest");
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
      ingest_captured().reset();
      set_ingest_check_observer_for_tests(&capture_ingest);
      auto out = run_plan(plan);
      set_ingest_check_observer_for_tests(nullptr);
      std::filesystem::remove_all(tmp);
      if (out.results["runs"][0].value("status", "") != "ok") break;
      ASSERT_TRUE(ingest_captured()) << where << ": no stream was checked";
      auto& e = *ingest_captured();
      e.evidence.calls = &e.calls;
      original = check_ingest_model(e.ledger, e.conditions, e.evidence, e.fs);
      if (original["status"] != "fail") break;
    }
    if (!ingest_captured() || original.is_null()) continue;
    const auto& e = *ingest_captured();
    if (!std::getenv("ZC_SANITIZED")) {
      EXPECT_NE(original["status"], "fail") << where << ": " << original.dump(1);
    }
    std::set<std::string> unchecked;
    for (const auto& u : original["unchecked"]) unchecked.insert(u.value("hop", ""));
    const bool calls_checked =
        original["items"]["syscalls_per_record"]["status"] != "not_measured" &&
        original["items"]["syscalls_per_record"]["status"] != "consistent";
    for (const auto& m : mutants(e.ledger)) {
      ++score.total;
      auto check = check_ingest_model(m.ledger, e.conditions, e.evidence, e.fs);
      const bool killed = check["status"] == "fail";
      const bool checkable =
          m.hop ? !unchecked.count(hop_name(e.ledger.hops[*m.hop])) : calls_checked;
      score.killed += killed;
      score.checkable += checkable;
      score.checkable_killed += checkable && killed;
      if (killed) continue;
      std::string why = "not killed (" + check.value("status", std::string("?")) + ")";
      if (m.hop) {
        for (const auto& u : original["unchecked"]) {
          if (u.value("hop", "") == hop_name(e.ledger.hops[*m.hop]))
            why = "UNCHECKED: " + u.value("why", std::string());
        }
      }
      (checkable ? score.escaped : score.survivors).push_back(where + ": " + m.what + ": " + why);
    }
  }
  report("ingest", score);
  EXPECT_GT(score.total, 0);
  EXPECT_TRUE(score.escaped.empty()) << score.escaped.size() << " checkable mutants survived";
}

// Append: one evidence run per strategy (seq, 16 KiB records, --sync none
// and every:1), its mutants checked against the same repetition's
// evidence. Besides the transfer mutants, DMA's own: a CPU copy made DMA,
// and O_DIRECT's DMA out of the record buffer made a CPU copy or deleted.
struct AppendCapture {
  Ledger ledger;
  Conditions conditions;
  AppendEvidence evidence;
  CallCounters calls;
  std::string fs;
};

std::optional<AppendCapture>& append_captured() {
  static std::optional<AppendCapture> e;
  return e;
}

void capture_append(const Ledger& l, const Conditions& c, const AppendEvidence& e,
                    const std::string& fs) {
  append_captured() = AppendCapture{l, c, e, *e.calls, fs};
}

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
      const std::string where = std::string(s->id()) + "/sync:" + policy;
      nlohmann::json original;
      for (int attempt = 0; attempt < 2; ++attempt) {
        auto tmp = fresh_dir("mutation-append");
        auto plan = append_plan(tmp, {append_spec(s, kSize, 16u << 10, AppendPattern::seq,
                                                  *SyncPolicy::parse(policy))});
        plan.quiet = true;
        append_captured().reset();
        set_append_check_observer_for_tests(&capture_append);
        auto out = run_plan(plan);
        set_append_check_observer_for_tests(nullptr);
        std::filesystem::remove_all(tmp);
        if (out.results["runs"][0].value("status", "") != "ok") break;
        ASSERT_TRUE(append_captured()) << where << ": no repetition was checked";
        auto& e = *append_captured();
        e.evidence.calls = &e.calls;
        original = check_append_model(e.ledger, e.conditions, e.evidence, e.fs);
        if (original["status"] != "fail") break;
      }
      if (!append_captured() || original.is_null()) continue;
      const auto& e = *append_captured();
      if (!std::getenv("ZC_SANITIZED")) {
        EXPECT_EQ(original["status"], "pass") << where << ": " << original.dump(1);
      }
      std::set<std::string> unchecked;
      for (const auto& u : original["unchecked"]) unchecked.insert(u.value("hop", ""));
      const bool calls_checked = original["items"]["syscalls_per_record"]["status"] == "pass" ||
                                 original["items"]["syscalls_per_record"]["status"] == "fail";
      for (const auto& m : append_mutants(e.ledger)) {
        ++score.total;
        auto check = check_append_model(m.ledger, e.conditions, e.evidence, e.fs);
        const bool killed = check["status"] == "fail";
        const bool checkable =
            m.hop ? !unchecked.count(hop_name(e.ledger.hops[*m.hop])) : calls_checked;
        score.killed += killed;
        score.checkable += checkable;
        score.checkable_killed += checkable && killed;
        if (killed) continue;
        std::string why = "not killed (" + check.value("status", std::string("?")) + ")";
        if (m.hop) {
          for (const auto& u : original["unchecked"])
            if (u.value("hop", "") == hop_name(e.ledger.hops[*m.hop]))
              why = "UNCHECKED: " + u.value("why", std::string());
        }
        (checkable ? score.escaped : score.survivors).push_back(where + ": " + m.what + ": " + why);
      }
    }
  }
  report("append", score);
  EXPECT_GT(score.total, 0);
  EXPECT_TRUE(score.escaped.empty()) << score.escaped.size() << " checkable mutants survived";
}

}  // namespace
}  // namespace zc::testing
