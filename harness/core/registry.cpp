#include "harness/core/registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <tuple>

namespace zc {
namespace {

// Listing order: by workload, then the classic paths first, as the articles
// tell the story. A strategy or workload missing from these lists comes
// after the listed ones of its group, in id order.
constexpr std::string_view kWorkloadOrder[] = {"transfer", "append", "ingest"};
constexpr std::string_view kStrategyOrder[] = {
    "read-write",   "mmap-write",       "sendfile",        "splice",          "msg-zerocopy",
    "io-uring",     "io-uring-send-zc", "io-uring-splice", "copy-file-range", "direct-io",
    "append-write", "append-mmap",      "append-direct"};

template <std::size_t N>
int rank_in(const std::string_view (&order)[N], std::string_view id) {
  for (std::size_t i = 0; i < N; ++i)
    if (id == order[i]) return int(i);
  return int(N);
}

bool is_kebab_case(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

}  // namespace

Registry& Registry::instance() {
  static Registry registry;
  return registry;
}

void Registry::add(std::unique_ptr<Strategy> s) {
  std::string id(s->id());
  if (!is_kebab_case(id)) throw std::invalid_argument("strategy id '" + id + "' is not kebab-case");
  if (find(id)) throw std::invalid_argument("strategy id '" + id + "' is registered twice");
  if (s->data_path().empty())
    throw std::invalid_argument("strategy '" + id + "' declares no data path");
  Conditions c;
  c.size = c.chunk = 1 << 20;
  if (!s->accepts_sink(c.sink)) c.sink = SinkKind::file;
  if (s->ledger(c).hops.empty())
    throw std::invalid_argument("strategy '" + id + "' declares an empty ledger");
  strategies_.push_back(std::move(s));
}

const Strategy* Registry::find(std::string_view id) const {
  for (auto& s : strategies_)
    if (s->id() == id) return s.get();
  return nullptr;
}

std::vector<const Strategy*> Registry::all() const {
  std::vector<const Strategy*> out;
  for (auto& s : strategies_) out.push_back(s.get());
  auto key = [](const Strategy* s) {
    return std::tuple(rank_in(kWorkloadOrder, s->workload()), s->workload(),
                      rank_in(kStrategyOrder, s->id()), s->id());
  };
  std::sort(out.begin(), out.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  return out;
}

std::vector<const Strategy*> Registry::all(std::string_view workload) const {
  auto out = all();
  std::erase_if(out, [&](auto* s) { return s->workload() != workload; });
  return out;
}

namespace detail {
void register_or_die(std::unique_ptr<Strategy> s) {
  try {
    Registry::instance().add(std::move(s));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zc-bench: strategy registration refused: %s\n", e.what());
    std::abort();
  }
}
}  // namespace detail

}  // namespace zc
