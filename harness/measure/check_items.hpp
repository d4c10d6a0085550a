// The pieces every model check is built of (the transfer check in
// model_check.cpp, the append check, the ingest check): an item (pass,
// fail, consistent, inconsistent or not_measured with why), the tolerance
// it is judged by, the syscall count against the kernel's, which hops no
// kernel evidence saw, and the verdict's line. Each check keeps its own
// items and rules; what they say and how a run's verdict is formed from
// them is written here once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/ledger.hpp"
#include "harness/core/strategy.hpp"
#include "harness/measure/model_check.hpp"

namespace zc {

// {"status": "not_measured", "predicted", "reason": why}.
nlohmann::json not_measured(nlohmann::json predicted, const std::string& why);

// {"status", "predicted", "measured", "method", "rule"}: `status` is
// "pass"/"fail" for kernel evidence, "consistent"/"inconsistent" for the
// strategy's own tallies.
nlohmann::json check_item(const char* status, nlohmann::json predicted, nlohmann::json measured,
                          const std::string& method, const std::string& rule);
// The same, "pass" or "fail".
nlohmann::json check_item(bool pass, nlohmann::json predicted, nlohmann::json measured,
                          const std::string& method, const std::string& rule);

// |measured - predicted| <= rel x predicted + abs.
bool within(double measured, double predicted, double rel, double abs);

// An item that fails its check ("fail" or "inconsistent").
bool item_fails(const nlohmann::json& item);

// Bytes that differ from the model by less than this are one-off calls,
// not a copy per byte: the protocol's lines, a read at end of file, the
// counters' own reads at the window's edges, a runtime's first-use calls.
std::uint64_t one_off_bytes(std::uint64_t size);

// Memory the program addresses (its buffers, a mapping of the file, a
// runtime's heap): a CPU hop between it and a kernel place crosses the
// user boundary, and the calls' return values show its bytes.
bool in_user_memory(Place p);

// A figure a strategy counted at its call sites (CallCounters::evidence), 0 if none.
std::uint64_t call_evidence(const CallCounters& c, const char* key);

// The strategy's own syscall count against the kernel's (raw_syscalls:sys_enter
// over the same window): equal within max(2, 0.5%).
nlohmann::json syscall_cross_check_item(
    std::uint64_t exact, const Maybe<std::uint64_t>& traced,
    const std::string& method = "tracepoint raw_syscalls:sys_enter vs exact call-site count",
    const std::string& rule =
        "equal within max(2, 0.5%): any other syscall in the window is unaccounted work");

// The append and ingest checks' syscalls per record: the strategy's own
// count (consistent/inconsistent) and, when traced, the kernel's
// (pass/fail), each less the `skip` calls the ledger does not model per
// record. `method` names the tracepoint's window.
nlohmann::json syscalls_per_record_item(double predicted, std::uint64_t records, std::uint64_t skip,
                                        std::uint64_t exact, const Maybe<std::uint64_t>& traced,
                                        const std::string& method);

// Which item's evidence sees a hop, or why none does.
struct Coverage {
  std::string item;  // empty: none can
  std::string why;
};
using CoverageOf = Coverage (*)(const Hop& h, const Conditions& c);

// The hops no item of kernel evidence checked ({"hop", "why"}), and in
// `checked` how many an item did (a pass or a fail). DMA that no item
// sees is skipped: there is no CPU copy to check.
nlohmann::json unchecked_hops(const Ledger& l, const Conditions& c, const nlohmann::json& items,
                              CoverageOf coverage, int& checked);

// The append and ingest checks' result: {"status", "items", "unchecked"[,
// "reason"]}. A failing item fails it; it passes only when an item of
// kernel evidence checked a hop, and is not_measured (with the first
// evidence item's reason) otherwise. `verifies`: the items of kernel evidence.
nlohmann::json record_check(const Ledger& l, const Conditions& c, nlohmann::json items,
                            CoverageOf coverage, bool (*verifies)(const std::string& name));

// "<name> predicted <p>, measured <m>" for each failing item of a check.
std::vector<std::string> failed_items(const nlohmann::json& check);

// The append and ingest checks' verdict line, claiming the ledger's
// sender copies ("1 CPU copy <where>"): "<claim> (model only: why)",
// "MODEL CHECK FAILED: ...", or "<claim>, verified by <evidence>", where
// `evidence_of` names what each passing item's evidence was.
std::string record_copy_verdict(
    const nlohmann::json& ledger, const std::string& where, const nlohmann::json& check,
    const std::vector<std::pair<std::string, std::string>>& evidence_of);

// Pages re-dirtied after a sync are written again: per sync, at most a
// large folio (64 KiB) of the log more than its bytes. A policy that
// rewrites far more (msync of a whole mapping each time) fails the storage item.
inline constexpr std::uint64_t kRewritePerSync = 64 * 1024;

// Why the page-cache items cannot judge a log on tmpfs.
inline constexpr const char* kTmpfsPages =
    "the log is on tmpfs, whose pages are not added through the page cache's tracepoint";

}  // namespace zc
