// `zc-bench sink`: the receiver. Started by `run` with the stream on an
// inherited descriptor; prints its report as one JSON line on stdout.
#include <cstdio>

#include "cmd/commands.hpp"
#include "harness/errors.hpp"
#include "harness/receiver.hpp"
#include "harness/tuning.hpp"
#include "harness/units.hpp"

namespace zc::cmd {

namespace {
struct SinkArgs {
  int fd = -1;
  std::string receiver = "recv";
  std::string buffer = "256K";
  int cpu = -1;
};
}  // namespace

Runner setup_sink(CLI::App& app) {
  auto args = std::make_shared<SinkArgs>();
  app.add_option("--fd", args->fd, "read the stream from this inherited descriptor")
      ->required()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--receiver", args->receiver, "recv | truncate | zerocopy-receive")
      ->capture_default_str();
  app.add_option("--buffer", args->buffer, "receive buffer size")->capture_default_str();
  app.add_option("--cpu", args->cpu, "pin to this CPU (-1: any CPU, undoing an inherited pin)")
      ->capture_default_str();
  return [args] {
    pin_this_thread(args->cpu);
    ReceiverOptions opts;
    auto mode = parse_receiver_mode(args->receiver);
    if (!mode)
      throw UsageError("--receiver: '" + args->receiver +
                       "' is not a receiver mode (allowed: recv, truncate, zerocopy-receive)");
    opts.mode = *mode;
    opts.buffer_size = parse_size(args->buffer, "--buffer");
    auto report = receive_stream(args->fd, opts);
    std::printf("%s\n", nlohmann::json(report).dump().c_str());
    std::fflush(stdout);
    return report.error.empty() ? 0 : 1;
  };
}

}  // namespace zc::cmd
