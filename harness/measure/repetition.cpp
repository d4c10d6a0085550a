#include "harness/measure/repetition.hpp"

#include <algorithm>
#include <barrier>
#include <cmath>
#include <exception>
#include <thread>

#include "harness/base/interrupt.hpp"

namespace zc {

void Deadline::check(std::uint64_t now, std::uint64_t bytes) const {
  if (interrupted()) throw RepetitionStopped("interrupted");
  if (now > at_ns_)
    throw RepetitionStopped("the repetition passed its deadline (--timeout) after " +
                            std::to_string(bytes) + " bytes");
}

void MeterWindow::start() noexcept {
  io0_ = StorageIo::of_process(&io_why_);
  if (!set_.device_under.empty()) dev0_ = DeviceIo::under(set_.device_under, &dev_why_);
  if (set_.system_cpu) cpu0_ = SystemCpu::now(&cpu_why_);
  process0_ = Usage::of_process();
  if (set_.evidence) set_.evidence->start();
  t0_ = now_ns();
}

void MeterWindow::stop() noexcept {
  t1_ = now_ns();
  if (set_.evidence) set_.evidence->stop();
  process1_ = Usage::of_process();
  if (set_.system_cpu) cpu1_ = SystemCpu::now(&cpu_why_);
  io1_ = StorageIo::of_process();
  if (!set_.device_under.empty()) dev1_ = DeviceIo::under(set_.device_under, &dev_why_);
}

namespace {

std::optional<StorageIo> io_between(const std::optional<StorageIo>& a,
                                    const std::optional<StorageIo>& b) {
  if (!a || !b) return std::nullopt;
  return StorageIo{b->read_bytes - a->read_bytes, b->write_bytes - a->write_bytes,
                   b->cancelled_write_bytes - a->cancelled_write_bytes};
}

}  // namespace

std::optional<StorageIo> MeterWindow::storage() const { return io_between(io0_, io1_); }

std::optional<StorageIo> MeterWindow::storage_to_now() const {
  return io_between(io0_, StorageIo::of_process());
}

std::optional<DeviceIo> MeterWindow::device() const {
  if (!dev0_ || !dev1_) return std::nullopt;
  return *dev1_ - *dev0_;
}

std::optional<SystemCpu> MeterWindow::cpu() const {
  if (!cpu0_ || !cpu1_) return std::nullopt;
  return *cpu1_ - *cpu0_;
}

void add_log_storage_values(const MeterWindow& w, const std::string& fs_name, double bytes,
                            Values& values, Unavailable& unavailable) {
  const bool tmpfs = fs_name == "tmpfs";
  if (auto io = w.storage(); io && !tmpfs) {
    values["storage_write_bytes"] = double(io->write_bytes);
    values["storage_write_amplification"] = double(io->write_bytes) / bytes;
  } else {
    unavailable["storage_write_bytes"] = unavailable["storage_write_amplification"] =
        tmpfs ? "the log is on tmpfs, which has no storage behind its page cache" : w.storage_why();
  }
  if (auto d = w.device(); d && !tmpfs) {
    values["device_write_bytes"] = double(d->write_bytes);
    values["device_write_amplification"] = double(d->write_bytes) / bytes;
  } else {
    unavailable["device_write_bytes"] = unavailable["device_write_amplification"] =
        tmpfs ? "the log is on tmpfs, which has no storage device" : w.device_why();
  }
}

bool sync_due(const SyncPolicy& policy, std::uint64_t records_before, std::uint64_t records_now,
              std::uint64_t last_sync_ns) {
  switch (policy.kind) {
    case SyncPolicy::Kind::every:
      return records_now / policy.n > records_before / policy.n;
    case SyncPolicy::Kind::interval:
      return now_ns() - last_sync_ns >= policy.n * 1'000'000ull;
    default:
      return false;
  }
}

struct StreamGate::Barriers {
  // A barrier's completion: the window's start or end, taken once, by the
  // last stream to arrive.
  struct Mark {
    MeterWindow* window;
    bool start;
    void operator()() noexcept { start ? window->start() : window->stop(); }
  };
  std::barrier<Mark> start, end;
};

void StreamGate::start() {
  started_ = true;
  b_->start.arrive_and_wait();
}

void StreamGate::end() {
  ended_ = true;
  b_->end.arrive_and_wait();
}

void StreamGate::leave() {
  if (!started_) b_->start.arrive_and_drop();
  if (!ended_) b_->end.arrive_and_drop();
}

void run_streams(unsigned streams, bool fresh_threads, MeterWindow& window,
                 const std::function<void(unsigned stream, StreamGate& gate)>& body) {
  const std::ptrdiff_t n = std::max(1u, streams);
  using Mark = StreamGate::Barriers::Mark;
  StreamGate::Barriers barriers{std::barrier<Mark>(n, Mark{&window, true}),
                                std::barrier<Mark>(n, Mark{&window, false})};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  auto one = [&](unsigned i) {
    StreamGate gate(barriers);
    try {
      body(i, gate);
    } catch (...) {
      errors[i] = std::current_exception();
    }
    gate.leave();
  };
  if (n == 1 && !fresh_threads) {
    one(0);
  } else {
    std::vector<std::jthread> threads;
    for (unsigned i = 0; i < unsigned(n); ++i) threads.emplace_back(one, i);
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

namespace {

// Ratios of counts (syscalls_per_chunk) have the unit "count" too: their
// key says what they are.
bool adds_up(const MetricDef& d) {
  if (std::string_view(d.key).find("_per_") != std::string_view::npos) return false;
  return d.unit == "s" || d.unit == "count" || d.unit == "B" || d.unit == "pages";
}

}  // namespace

void merge_stream_values(std::span<const MetricDef> metrics, const std::vector<Values>& streams,
                         const std::vector<Unavailable>& unavailable_in, Values& values,
                         Unavailable& unavailable) {
  const double n = double(streams.size());
  for (const auto& def : metrics) {
    std::string key(def.key);
    bool everywhere = true;
    double total = 0;
    for (const auto& vi : streams) {
      auto it = vi.find(key);
      if (it == vi.end()) {
        everywhere = false;
        break;
      }
      total += it->second;
    }
    if (everywhere) values[key] = adds_up(def) ? total : total / n;
    for (const auto& ui : unavailable_in)
      if (auto it = ui.find(key); it != ui.end()) {
        unavailable[key] = it->second;
        values.erase(key);
      }
  }
}

void add_stream_spread(const std::vector<double>& throughputs, Values& values) {
  const double n = double(throughputs.size());
  double mean = 0, var = 0;
  for (double x : throughputs) mean += x / n;
  for (double x : throughputs) var += (x - mean) * (x - mean) / n;
  values["streams"] = n;
  values["stream_throughput_min_bytes_per_s"] =
      *std::min_element(throughputs.begin(), throughputs.end());
  values["stream_throughput_max_bytes_per_s"] =
      *std::max_element(throughputs.begin(), throughputs.end());
  values["stream_throughput_cv"] = mean > 0 ? std::sqrt(var) / mean : 0;
}

std::string streams_share_cores(unsigned streams, std::string_view each) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (2 * streams <= cores) return {};
  return std::to_string(streams) + " streams on " + std::to_string(cores) + " cores: with " +
         std::string(each) +
         " each, the streams share CPUs; the aggregate is bound by the cores here, not by the "
         "data path";
}

double metric_median(const nlohmann::json& record, std::string_view key) {
  if (!record.contains("metrics")) return 0.0;
  const auto& metrics = record.at("metrics");
  auto it = metrics.find(std::string(key));
  return it != metrics.end() && it->contains("median") ? it->at("median").get<double>() : 0.0;
}

}  // namespace zc
