#include "harness/workloads/transfer/receive_preset.hpp"

#include <set>
#include <tuple>

#include "harness/base/errors.hpp"
#include "harness/core/registry.hpp"
#include "harness/core/transfer.hpp"

namespace zc {
namespace {

const Strategy* need(std::string_view id) {
  const auto* s = Registry::instance().find(id);
  if (!s || s->workload() != kTransferWorkload)
    throw Unsupported("--preset receive needs the " + std::string(id) +
                      " strategy, which is not built in");
  return s;
}

// recv from the everyday sender (sendfile) and from the zero-copy one, so
// that one pair differs only by the receiver; zerocopy-receive from both
// senders whose pages it can map; zcrx from the zero-copy sender (an
// unsupported row, with the probe's reason, where the NIC cannot).
std::vector<RunSpec> receive_rows(const Conditions& base) {
  struct Row {
    const char* strategy;
    ReceiverMode receiver;
  };
  constexpr Row rows[] = {{"sendfile", ReceiverMode::recv},
                          {"msg-zerocopy", ReceiverMode::recv},
                          {"msg-zerocopy", ReceiverMode::zerocopy_receive},
                          {"io-uring-send-zc", ReceiverMode::zerocopy_receive},
                          {"msg-zerocopy", ReceiverMode::zcrx}};
  std::vector<RunSpec> out;
  for (const auto& row : rows) {
    RunSpec spec;
    spec.strategy = need(row.strategy);
    spec.conditions = base;
    spec.conditions.receiver = row.receiver;
    out.push_back(spec);
  }
  return out;
}

}  // namespace

void apply_receive_preset(std::vector<RunSpec>& runs_asked) {
  std::vector<RunSpec> runs;
  std::set<std::tuple<std::uint64_t, std::uint64_t, int, int, std::string, std::string>> seen;
  for (const auto& spec : runs_asked) {
    const auto& c = spec.conditions;
    if (c.sink != SinkKind::tcp && c.sink != SinkKind::veth && c.sink != SinkKind::remote)
      throw UsageError("--sink: --preset receive receives a TCP stream; the " +
                       std::string(to_string(c.sink)) +
                       " sink is not one (use tcp, veth or remote:HOST:PORT)");
    if (!seen.insert({c.size, c.chunk, int(c.cache), int(c.sink), c.remote, c.nic.to_string()})
             .second)
      continue;
    for (auto& r : receive_rows(c)) runs.push_back(std::move(r));
  }
  runs_asked = std::move(runs);
}

}  // namespace zc
