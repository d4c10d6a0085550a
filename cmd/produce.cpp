// `zc-bench produce` and `zc-bench consume` (hidden): the ingest workload's
// peer processes. `run` starts them with the connection as fd 3; they say
// "ready", "done" and then their report, one JSON line, on stdout.
#include <unistd.h>

#include <cstdio>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/units.hpp"
#include "harness/sinks/peer_loops.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc::cmd {
namespace {

void say(const char* line) {
  std::fputs(line, stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Waits for "go" on stdin; false at end of input (the harness went away).
bool wait_for_go() {
  std::string line;
  char ch;
  while (true) {
    auto n = ::read(0, &ch, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (ch == '\n') return line == "go";
    if (line.size() > 16) return false;
    line += ch;
  }
}

int finish(const ReceiverReport& r) {
  std::printf("%s\n", nlohmann::json(r).dump().c_str());
  std::fflush(stdout);
  return r.error.empty() ? 0 : 1;
}

struct PeerArgs {
  int fd = -1;
  std::string size, record, buffer = "1M";
  std::uint64_t seed = 0;
  unsigned producer = 0, producers = 1;
  bool timestamps = false;
  std::string window = "0";
  int cpu = -1;
};

// Not required() in CLI11's sense: a required option's absence is
// reported before an unknown one, and `produce --bogus` then said
// "--fd is required". check_common() says it after parsing.
void common(CLI::App& app, PeerArgs& a) {
  app.add_option("--fd", a.fd, "the connection, inherited (required)");
  app.add_option("--size", a.size, "bytes of the stream (required)");
  app.add_option("--record", a.record, "record size (required)");
  app.add_option("--cpu", a.cpu, "pin to this CPU (-1: any CPU)");
}

// The required options, the descriptor and the CPU: usage errors, before
// the pin.
void check_common(const PeerArgs& a, const char* command) {
  for (auto [given, name] : {std::pair{a.fd != -1, "--fd"},
                             {!a.size.empty(), "--size"},
                             {!a.record.empty(), "--record"}})
    if (!given)
      throw UsageError(std::string(command) + ": " + name +
                       " is required (zc-bench run starts this command with --fd, --size and "
                       "--record)");
  check_cpu(a.cpu, "--cpu");
  check_inherited_fd(a.fd, "--fd");
}

}  // namespace

Runner setup_produce(CLI::App& app) {
  auto a = std::make_shared<PeerArgs>();
  common(app, *a);
  app.add_option("--seed", a->seed, "the stream's seed");
  app.add_option("--producer", a->producer, "this producer's number");
  app.add_flag("--timestamps", a->timestamps, "stamp each record with its send time");
  app.add_option("--window", a->window,
                 "bytes in flight before waiting for the receiver's acknowledgement (0: none)");
  return [a] {
    check_common(*a, "produce");
    ProduceOptions o;
    o.size = parse_size(a->size, "--size");
    o.record = parse_size(a->record, "--record");
    o.seed = a->seed;
    o.producer = a->producer;
    o.timestamps = a->timestamps;
    o.window = a->window == "0" ? 0 : parse_size(a->window, "--window");
    pin_this_thread(a->cpu);
    return finish(produce_stream(
        a->fd, o, [] { say("ready"); }, wait_for_go, [] { say("done"); }));
  };
}

Runner setup_consume(CLI::App& app) {
  auto a = std::make_shared<PeerArgs>();
  common(app, *a);
  app.add_option("--producers", a->producers, "producers whose records the stream holds")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--buffer", a->buffer, "read size");
  return [a] {
    check_common(*a, "consume");
    ConsumeOptions o;
    o.record = parse_size(a->record, "--record");
    o.producers = a->producers;
    o.buffer = parse_size(a->buffer, "--buffer");
    o.expected = parse_size(a->size, "--size");
    pin_this_thread(a->cpu);
    return finish(consume_stream(
        a->fd, o, [] { say("ready"); }, [] { say("done"); }));
  };
}

}  // namespace zc::cmd
