#include "harness/workloads/transfer/kafka_preset.hpp"

#include <set>
#include <tuple>

#include "harness/base/errors.hpp"
#include "harness/core/nic_request.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"

namespace zc {
namespace {

const Strategy* need(std::string_view id) {
  const auto* s = Registry::instance().find(id);
  if (!s || s->workload() != kTransferWorkload)
    throw Unsupported("--preset kafka needs the " + std::string(id) +
                      " strategy, which is not built in");
  return s;
}

// The rows of the articles' table. All go over the veth sink: on one
// machine it is the one place where the egress device's scatter-gather can
// be switched off and on. read-write and mmap-write copy into the socket
// themselves, so the device's gather does not change their CPU copies; they
// run with the device as it comes (sg on, read back into the results).
// Then the rows Kafka takes with SSL on (issue 28): tls-read-write, where
// "sendfile will not be used", and ktls-sendfile, which gives it back where
// the kernel has TLS (elsewhere an unsupported row that says why).
std::vector<RunSpec> kafka_rows(const Conditions& base) {
  struct Row {
    const char* strategy;
    const char* nic;
  };
  constexpr Row rows[] = {{"read-write", ""},    {"mmap-write", ""},     {"sendfile", "sg=off"},
                          {"sendfile", "sg=on"}, {"tls-read-write", ""}, {"ktls-sendfile", ""}};
  std::vector<RunSpec> out;
  for (const auto& row : rows) {
    RunSpec spec;
    spec.strategy = need(row.strategy);
    spec.conditions = base;
    auto& c = spec.conditions;
    c.sink = SinkKind::veth;
    c.remote.clear();
    c.nic = *row.nic ? parse_nic_request(row.nic) : NicRequest{};
    c.egress_scatter_gather = c.nic.sg.value_or(true);
    out.push_back(spec);
  }
  return out;
}

}  // namespace

void apply_kafka_preset(std::vector<RunSpec>& runs_asked) {
  std::vector<RunSpec> runs;
  std::set<std::tuple<std::uint64_t, std::uint64_t, int>> seen;
  for (const auto& spec : runs_asked) {
    const auto& c = spec.conditions;
    if (!seen.insert({c.size, c.chunk, int(c.cache)}).second) continue;
    for (auto& r : kafka_rows(c)) runs.push_back(std::move(r));
  }
  runs_asked = std::move(runs);
}

}  // namespace zc
