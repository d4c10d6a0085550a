// `zc-bench sink`: the receiver. Started by `run` with the stream on an
// inherited descriptor (--fd), it prints its report as one JSON line on
// stdout; with --listen it is a long-lived server for runs from other hosts
// (it receives their transfers and produces their ingest streams).
#include <cstdio>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/units.hpp"
#include "harness/kit/tls.hpp"
#include "harness/sinks/peer_loops.hpp"
#include "harness/sinks/receiver.hpp"
#include "harness/sinks/remote_protocol.hpp"
#include "harness/sinks/sink_server.hpp"
#include "harness/sinks/tuning.hpp"

namespace zc::cmd {

namespace {
struct SinkArgs {
  int fd = -1;
  std::string receiver = "recv";
  std::string buffer = "256K";
  unsigned poll_us = 0;
  int cpu = -1;
  std::string listen;
  std::string token;
  unsigned max_sessions = 4;
  unsigned max_pending = 16;
  std::string hello_timeout = "5";
  std::string idle_timeout = "30";
  std::string max_session_bytes = "1024G";
  unsigned sessions = 0;
  bool kernel_counters = false;
  std::string tls_cert;
  std::string tls_cipher{kDefaultTlsCipher};
  unsigned rx_queue = 0;
};

int serve(const SinkArgs& a) {
  SinkServerOptions opts;
  opts.listen = parse_remote_address(a.listen, "--listen");
  opts.token = a.token;
  opts.max_sessions = a.max_sessions;
  opts.max_pending = a.max_pending;
  opts.hello_timeout_s = parse_seconds(a.hello_timeout, "--hello-timeout", 3600);
  opts.idle_timeout_s = parse_seconds(a.idle_timeout, "--idle-timeout", 3600);
  opts.max_size = parse_size(a.max_session_bytes, "--max-session-bytes");
  opts.session_limit = a.sessions;
  if (a.receiver == "zcrx")
    opts.zcrx_queue = a.rx_queue;
  else if (a.receiver != "recv")
    throw UsageError(
        "--receiver: with --listen, the peer chooses recv or truncate; only zcrx "
        "is chosen here (it takes a NIC queue: --rx-queue)");
  // The ingest workload's producer, for runs with --workload ingest --sink
  // remote: the same loop as `zc-bench produce`, on the session's thread.
  opts.produce = [](int fd, const ProduceRequest& request, const std::function<void()>& on_ready,
                    const std::function<bool()>& wait_go, std::uint64_t deadline_ns,
                    std::uint64_t idle_ns) {
    ProduceOptions o;
    o.size = request.size;
    o.record = request.record;
    o.seed = request.seed;
    o.shutdown_after = false;
    o.thread_usage = true;
    o.deadline_ns = deadline_ns;
    o.idle_ns = idle_ns;
    o.hash_while_sending = true;
    return produce_stream(fd, o, on_ready, wait_go, [] {});
  };
  return serve_sink(opts);
}
// The one-shot receiver's options (`run` starts it with --fd).
void add_receiver_options(CLI::App& app, SinkArgs* args) {
  app.add_option("--receiver", args->receiver, "recv | truncate | zerocopy-receive | zcrx")
      ->capture_default_str();
  app.add_option("--rx-queue", args->rx_queue,
                 "zcrx: the NIC queue to register, the one the flow is steered to (ethtool -N)")
      ->capture_default_str();
  app.add_option("--buffer", args->buffer, "receive buffer size")->capture_default_str();
  app.add_option("--poll-us", args->poll_us,
                 "--fd: microseconds to poll an empty socket before a read may sleep (0: never "
                 "poll)")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--cpu", args->cpu, "pin to this CPU (-1: any CPU, undoing an inherited pin)")
      ->capture_default_str();
  app.add_flag("--kernel-counters", args->kernel_counters,
               "open kernel counters over the receive loop (the harness's evidence repetition)");
  app.add_option("--tls-cert", args->tls_cert,
                 "the stream is TLS: be its client, trusting only this certificate (PEM)");
  app.add_option("--tls-cipher", args->tls_cipher,
                 "with --tls-cert: the TLS 1.3 suite (aes-128-gcm, aes-256-gcm, chacha20-poly1305)")
      ->capture_default_str();
}

// The server's options (--listen).
void add_server_options(CLI::App& app, SinkArgs* args) {
  app.add_option("--token", args->token, "--listen: require this shared secret (or $ZC_SINK_TOKEN)")
      ->envname("ZC_SINK_TOKEN");
  app.add_option("--max-sessions", args->max_sessions, "--listen: sessions served at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_option("--max-pending", args->max_pending,
                 "--listen: connections waiting to authenticate (they hold no session; a new one "
                 "drops the oldest)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  app.add_option(
         "--hello-timeout", args->hello_timeout,
         "--listen: seconds a new connection has to send its hello (at most --idle-timeout)")
      ->capture_default_str();
  app.add_option("--idle-timeout", args->idle_timeout,
                 "--listen: seconds a peer that neither sends nor reads is kept before it is "
                 "dropped, in every state of a session (at most 3600)")
      ->capture_default_str();
  app.add_option("--max-session-bytes", args->max_session_bytes,
                 "--listen: the largest stream a peer may send or ask to be produced")
      ->capture_default_str();
  app.add_option("--sessions", args->sessions, "--listen: exit after this many sessions (0: never)")
      ->capture_default_str();
}

// The receiver's options checked and turned into ReceiverOptions; this
// thread pinned to --cpu.
ReceiverOptions receiver_options(const SinkArgs& a) {
  ReceiverOptions opts;
  auto mode = parse_receiver_mode(a.receiver);
  if (!mode)
    throw UsageError("--receiver: '" + a.receiver +
                     "' is not a receiver mode (allowed: recv, truncate, zerocopy-receive, zcrx)");
  opts.mode = *mode;
  opts.rx_queue = a.rx_queue;
  opts.buffer_size = parse_size(a.buffer, "--buffer");
  opts.poll_ns = std::uint64_t(a.poll_us) * 1000;
  opts.kernel_counters = a.kernel_counters;
  check_cpu(a.cpu, "--cpu");
  check_inherited_fd(a.fd, "--fd");
  pin_this_thread(a.cpu);
  if (!a.tls_cert.empty() && !tls13_suite(a.tls_cipher))
    throw UsageError("--tls-cipher: '" + a.tls_cipher +
                     "' is not a cipher (allowed: " + std::string(tls_cipher_names()) + ")");
  opts.tls_cert = a.tls_cert;
  opts.tls_cipher = a.tls_cipher;
  return opts;
}

}  // namespace

Runner setup_sink(CLI::App& app) {
  auto args = std::make_shared<SinkArgs>();
  auto* fd = app.add_option("--fd", args->fd, "read the stream from this inherited descriptor")
                 ->check(CLI::NonNegativeNumber);
  auto* listen = app.add_option(
      "--listen", args->listen,
      "serve runs from other hosts on ADDR:PORT: receive their transfers, produce their "
      "ingest streams (numeric; ADDR defaults to 127.0.0.1)");
  fd->excludes(listen);
  add_receiver_options(app, args.get());
  add_server_options(app, args.get());
  return [args] {
    if (!args->listen.empty()) return serve(*args);
    if (args->fd < 0) throw UsageError("sink: give --fd N (started by run) or --listen ADDR:PORT");
    auto opts = receiver_options(*args);
    // Lines on stdout: "ready" (the harness starts its clock), "done" (the
    // stream has ended: it stops it), then the report.
    opts.on_ready = [] {
      std::fputs("ready\n", stdout);
      std::fflush(stdout);
    };
    opts.on_done = [] {
      std::fputs("done\n", stdout);
      std::fflush(stdout);
    };
    auto report = receive_stream(args->fd, opts);
    std::printf("%s\n", nlohmann::json(report).dump().c_str());
    std::fflush(stdout);
    return report.error.empty() ? 0 : 1;
  };
}

}  // namespace zc::cmd
