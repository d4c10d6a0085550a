#include "harness/workloads/workload.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace zc {
namespace {

std::vector<std::unique_ptr<Workload>>& registered() {
  static std::vector<std::unique_ptr<Workload>> workloads;
  return workloads;
}

// Listing order: the story's order, then any other by id.
int rank(std::string_view id) {
  constexpr std::string_view order[] = {"transfer", "append", "ingest", "broker"};
  auto it = std::find(std::begin(order), std::end(order), id);
  return int(it - std::begin(order));
}

}  // namespace

std::uint64_t repetition_timeout_ns(const RunSettings& settings, std::uint64_t size) {
  if (settings.timeout_s > 0) return std::uint64_t(settings.timeout_s * 1e9);
  return 30'000'000'000ull + size / (20ull << 20) * 1'000'000'000ull;
}

std::string RunSpec::name() const { return workload_of(*this).run_name(*this); }

std::vector<const Workload*> all_workloads() {
  std::vector<const Workload*> out;
  for (const auto& w : registered()) out.push_back(w.get());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return std::pair(rank(a->id()), a->id()) < std::pair(rank(b->id()), b->id());
  });
  return out;
}

const Workload* find_workload(std::string_view id) {
  for (const auto& w : registered())
    if (w->id() == id) return w.get();
  return nullptr;
}

const Workload& workload_of(const Strategy& strategy) {
  if (const auto* w = find_workload(strategy.workload())) return *w;
  throw std::logic_error("strategy '" + std::string(strategy.id()) + "' belongs to workload '" +
                         std::string(strategy.workload()) + "', which is not built in");
}

const Workload& workload_of(const RunSpec& spec) {
  return spec.workload ? *spec.workload : workload_of(*spec.strategy);
}

namespace detail {
void register_workload(std::unique_ptr<Workload> w) {
  if (find_workload(w->id())) {
    std::fprintf(stderr, "zc-bench: workload '%.*s' is registered twice\n", int(w->id().size()),
                 w->id().data());
    std::abort();
  }
  registered().push_back(std::move(w));
}
}  // namespace detail

}  // namespace zc
