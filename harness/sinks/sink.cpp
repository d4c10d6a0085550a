#include "harness/sinks/sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/posix.hpp>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "harness/base/deadline_watchdog.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/hash.hpp"
#include "harness/base/text.hpp"
#include "harness/base/units.hpp"
#include "harness/kit/chunk_pipe.hpp"
#include "harness/kit/launch_lock.hpp"
#include "harness/measure/meters.hpp"
#include "harness/sinks/child_report.hpp"
#include "harness/sinks/remote_sink.hpp"
#include "harness/sinks/veth_sink.hpp"
#include "harness/sinks/zcrx_receive.hpp"
#include "harness/sinks/zerocopy_receive.hpp"

namespace zc {
namespace bp = boost::process;
namespace fs = std::filesystem;

const fs::path& self_executable() {
  static const fs::path exe = [] {
    const char* env = std::getenv("ZC_BENCH_EXE");
    return env && *env ? fs::path(env) : fs::read_symlink("/proc/self/exe");
  }();
  return exe;
}

namespace {

struct FdPair {
  UniqueFd sender, receiver;
};

FdPair tcp_loopback_pair(const SinkOptions& opts, nlohmann::json& details) {
  UniqueFd listener(check_unix(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check_unix(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  check_unix(::listen(listener.get(), 1), "listen");
  socklen_t len = sizeof addr;
  check_unix(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len),
             "getsockname");
  UniqueFd client(check_unix(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
  if (opts.receiver == ReceiverMode::zerocopy_receive) page_sized_segments(client.get());
  check_unix(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "connect");
  UniqueFd server(check_unix(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC), "accept4"));
  if (opts.receiver == ReceiverMode::zerocopy_receive)
    details = {{"segments", segment_details(client.get())}};
  return {std::move(client), std::move(server)};
}

FdPair unix_pair() {
  int sv[2];
  check_unix(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair");
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

// Sized as ChunkPipe sizes a splice strategy's pipe: to the chunk where
// fs.pipe-max-size (or CAP_SYS_RESOURCE) allows, else the default stays.
// The ledgers model the calls per chunk from the same size.
FdPair pipe_pair(std::uint64_t chunk) {
  ChunkPipe p(chunk ? chunk : 1);
  return {std::move(p.write_end), std::move(p.read_end)};
}

// The receiver's environment: ours plus the receiver marker, as a plain
// envp handed to the executor. Not boost::process::environment: its lookup
// in Boost 1.74 compares the key's length of bytes against each entry and
// reads past shorter ones (AddressSanitizer: environment.hpp:266).
class ReceiverEnvironment {
 public:
  ReceiverEnvironment() {
    for (char** e = ::environ; *e; ++e)
      if (std::strncmp(*e, kMarker, std::strlen(kMarker)) != 0) entries_.emplace_back(*e);
    entries_.emplace_back(std::string(kMarker) + "1");
    for (auto& e : entries_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  char** envp() { return envp_.data(); }

 private:
  static constexpr const char* kMarker = "ZC_BENCH_RECEIVER=";
  std::vector<std::string> entries_;
  std::vector<char*> envp_;
};

// `zc-bench sink --fd 3 ...`: the receiver process's arguments.
std::vector<std::string> receiver_args(const SinkOptions& opts) {
  std::vector<std::string> args = {"sink",
                                   "--fd",
                                   "3",
                                   "--receiver",
                                   std::string(to_string(opts.receiver)),
                                   "--buffer",
                                   std::to_string(opts.tuning.receiver_buffer),
                                   "--poll-us",
                                   std::to_string(effective_receiver_poll_us(opts.tuning)),
                                   "--cpu",
                                   std::to_string(opts.tuning.receiver_cpu)};
  if (opts.kernel_counters) args.push_back("--kernel-counters");
  if (!opts.tls_cert.empty())
    args.insert(args.end(), {"--tls-cert", opts.tls_cert, "--tls-cipher", opts.tls_cipher});
  return args;
}

// The receiver process, reading fd 3 (`receiver`) and reporting on its
// stdout (`report`), started through `exec_prefix` when it is not empty.
bp::child start_receiver(std::vector<std::string> args, const std::vector<std::string>& exec_prefix,
                         int receiver, int report) {
  try {
    ReceiverEnvironment env;  // the parent's own environment stays clean
    std::string program = self_executable().string();
    if (!exec_prefix.empty()) {
      args.insert(args.begin(), program);
      args.insert(args.begin(), exec_prefix.begin() + 1, exec_prefix.end());
      program = exec_prefix.front();
    }
    auto use_env = bp::extend::on_setup([&env](auto& exec) { exec.env = env.envp(); });
    std::lock_guard launch(launch_mutex());  // see launch_lock.hpp
    return bp::child(program, bp::args(args), use_env, bp::std_in < bp::null,
                     bp::posix::fd.bind(3, receiver), bp::posix::fd.bind(1, report));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("starting the receiver process: ") + e.what());
  }
}

class ProcessSink : public SinkEndpoint {
 public:
  ProcessSink(const SinkOptions& opts, FdPair pair, const std::vector<std::string>& exec_prefix,
              std::uint64_t deadline_ns)
      : kind_(opts.kind) {
    int report[2];
    check_unix(::pipe2(report, O_CLOEXEC), "pipe2");
    report_fd_.reset(report[0]);
    UniqueFd report_write(report[1]);
    // A receiver never starts receivers: if ZC_BENCH_EXE (or a renamed
    // binary) points at something that is not zc-bench, stop at depth one
    // instead of multiplying processes.
    if (std::getenv("ZC_BENCH_RECEIVER"))
      throw std::runtime_error("refusing to start a receiver from inside a receiver process (" +
                               self_executable().string() + " is not acting as zc-bench sink)");
    if (opts.kind != SinkKind::pipe)
      apply_socket_buffers(pair.sender.get(), pair.receiver.get(), opts.tuning);
    child_ =
        start_receiver(receiver_args(opts), exec_prefix, pair.receiver.get(), report_write.get());
    // Only the child writes reports: with our copy of the write end closed,
    // a receiver that dies before "ready" is an end of file now, not a
    // wait until the deadline.
    report_write.reset();
    sender_ = std::move(pair.sender);
    // At the deadline the receiver is killed: a sender blocked on a peer
    // that stopped reading gets EPIPE instead of hanging.
    watchdog_.emplace(deadline_ns, [pid = child_.id()] { ::kill(pid, SIGKILL); });
    // Untimed: the receiver says when it is about to read. Without this the
    // timed region began while it was still starting up.
    try {
      auto ready = read_line(deadline_ns, "ready");
      if (ready != "ready")
        throw std::runtime_error("receiver said '" + printable(ready, 200) + "' instead of ready");
    } catch (...) {
      end_child();  // the destructor does not run for a constructor that throws
      throw;
    }
  }

  ~ProcessSink() override { end_child(); }

  void end_child() {
    // Nothing zc-bench starts outlives the repetition, not even as a
    // zombie: Boost 1.74's terminate() reaps with WNOHANG right after its
    // SIGKILL, before the receiver is dead (a SIGTERM'd run exited with its
    // receivers unreaped), so it is reaped here.
    watchdog_.reset();
    std::error_code ec;
    if (child_.valid() && child_.running(ec)) {
      const pid_t pid = child_.id();
      child_.terminate(ec);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }

  int fd() const override { return sender_.get(); }
  nlohmann::json details() const override { return details_; }
  void set_details(nlohmann::json d) { details_ = std::move(d); }

  void close_and_await(std::uint64_t deadline_ns) override {
    if (kind_ != SinkKind::pipe) ::shutdown(sender_.get(), SHUT_WR);
    sender_.reset();
    auto done = read_line(deadline_ns, "done");
    if (done != "done") throw std::runtime_error("receiver said '" + done + "' instead of done");
    deadline_ns_ = deadline_ns;
  }

  ReceiverReport collect() override {
    ReceiverReport r;
    auto report = read_line(deadline_ns_, "reporting");
    try {
      r = nlohmann::json::parse(report).get<ReceiverReport>();
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("unreadable receiver report: ") + e.what());
    }
    std::error_code ec;
    child_.wait(ec);
    if (!r.error.empty()) throw std::runtime_error("receiver failed: " + r.error);
    return r;
  }

  // The receiver's next line on its stdout, waiting until the deadline.
  std::string read_line(std::uint64_t deadline_ns, const char* waiting_for) {
    return read_report_line(report_fd_.get(), pending_, deadline_ns, "receiver", waiting_for,
                            [this] { return diagnose(); });
  }

  std::string diagnose() override { return how_child_ended(child_, watchdog_); }

 private:
  SinkKind kind_;
  UniqueFd sender_;
  UniqueFd report_fd_;
  bp::child child_;
  std::string pending_;            // bytes read from the receiver's stdout, not yet a line
  std::uint64_t deadline_ns_ = 0;  // the repetition's, for the report after "done"
  std::optional<DeadlineWatchdog> watchdog_;
  nlohmann::json details_;
};

class NullSink : public SinkEndpoint {
 public:
  NullSink() : fd_(check_unix(::open("/dev/null", O_WRONLY | O_CLOEXEC), "open /dev/null")) {
    // A /dev/null that is a regular file (someone renamed over it as root)
    // would make every figure of this sink a tmpfs write.
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || !S_ISCHR(st.st_mode))
      throw Unsupported(
          "/dev/null on this machine is not the null device (a regular file?): "
          "restore it with mknod -m 666 /dev/null c 1 3");
  }
  int fd() const override { return fd_.get(); }
  void close_and_await(std::uint64_t) override { fd_.reset(); }
  ReceiverReport collect() override {
    ReceiverReport r;
    r.unverified_reason = "the null sink discards the bytes: nothing can check them";
    return r;
  }

 private:
  UniqueFd fd_;
};

// Writes into a file next to the source; verified by hashing the file back
// after the timed region. The write is made real there too: fdatasync (untimed)
// sends the dirty pages to the device, and the device's own write count
// over the sync is reported. (Without it the file was deleted before
// writeback and the device saw nothing, while /proc/self/io, which charges
// bytes when pages are dirtied, said every byte was written.)
class FileSink : public SinkEndpoint {
 public:
  explicit FileSink(const fs::path& dir)
      : path_(dir / "sink.out"),
        fd_(check_unix(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                       "open file sink")) {}
  ~FileSink() override {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  int fd() const override { return fd_.get(); }
  void close_and_await(std::uint64_t) override { fd_.reset(); }
  ReceiverReport collect() override {
    ReceiverReport r;
    sync_to_device(r);
    r.bytes = fs::file_size(path_);
    r.hash = hash_file(path_, r.bytes);
    return r;
  }
  nlohmann::json details() const override { return details_; }

 private:
  void sync_to_device(ReceiverReport& r) {
    UniqueFd fd(check_unix(::open(path_.c_str(), O_RDONLY | O_CLOEXEC), "open file sink"));
    std::string why;
    auto d0 = DeviceIo::under(path_, &why);
    check_unix(::fdatasync(fd.get()), "fdatasync file sink");
    auto d1 = DeviceIo::under(path_, &why);
    details_ = {{"sync", "fdatasync after the timed region (untimed)"}};
    if (d0 && d1) {
      auto d = *d1 - *d0;
      r.evidence["sink_sync_device_write_bytes"] = d.write_bytes;
      r.evidence["sink_sync_device_writes"] = d.writes;
      details_["device"] = d.device;
      details_["device_scope"] = "system-wide: every process's writes to the device count";
    } else {
      details_["device_reason"] = why;
    }
  }

  fs::path path_;
  UniqueFd fd_;
  nlohmann::json details_;
};

}  // namespace

std::unique_ptr<SinkEndpoint> open_process_sink(const SinkOptions& opts, UniqueFd sender,
                                                UniqueFd receiver,
                                                const std::vector<std::string>& exec_prefix,
                                                std::uint64_t deadline_ns) {
  return std::make_unique<ProcessSink>(opts, FdPair{std::move(sender), std::move(receiver)},
                                       exec_prefix, deadline_ns);
}

std::unique_ptr<SinkEndpoint> open_sink(const SinkOptions& opts, std::uint64_t deadline_ns) {
  switch (opts.kind) {
    case SinkKind::tcp:
    case SinkKind::unix_stream:
    case SinkKind::pipe: {
      if (opts.kind == SinkKind::tcp && opts.receiver == ReceiverMode::zcrx)
        if (auto why = zcrx_unsupported_on("lo")) throw Unsupported(*why);
      nlohmann::json details;
      FdPair pair = opts.kind == SinkKind::tcp           ? tcp_loopback_pair(opts, details)
                    : opts.kind == SinkKind::unix_stream ? unix_pair()
                                                         : pipe_pair(opts.chunk);
      auto sink = std::make_unique<ProcessSink>(opts, std::move(pair), std::vector<std::string>{},
                                                deadline_ns);
      sink->set_details(std::move(details));
      return sink;
    }
    case SinkKind::veth:
      return open_veth_sink(opts, deadline_ns);
    case SinkKind::remote:
      return open_remote_sink(opts, deadline_ns);
    case SinkKind::null:
      return std::make_unique<NullSink>();
    case SinkKind::file:
      return std::make_unique<FileSink>(opts.work_dir);
    default:
      throw Unsupported("the " + std::string(to_string(opts.kind)) + " sink is not built yet");
  }
}

}  // namespace zc
