#include "harness/workloads/transfer/transfer_metrics.hpp"

#include <array>

namespace zc {
namespace {

constexpr std::array kTransferMetrics = {
    MetricDef{"wall_s", "s", Better::lower, Role::none, "clock",
              "CLOCK_MONOTONIC from the first call until the consumer has every byte"},
    MetricDef{"throughput_bytes_per_s", "B/s", Better::higher, Role::throughput, "clock",
              "bytes moved / wall_s"},
    MetricDef{"latency_p50_ns", "ns", Better::lower, Role::latency, "clock",
              "per-call latency, 50th percentile: the time of each step that entered the "
              "kernel, which for io_uring strategies is a whole batch of --qd chunks (see "
              "chunks_per_latency_sample); it includes time blocked on a full socket buffer or "
              "pipe, i.e. the receiver's backpressure"},
    MetricDef{"latency_p90_ns", "ns", Better::lower, Role::latency, "clock",
              "per-call latency (as latency_p50_ns), 90th percentile"},
    MetricDef{"latency_p99_ns", "ns", Better::lower, Role::latency, "clock",
              "per-call latency (as latency_p50_ns), 99th percentile: on a socket sink mostly "
              "time blocked on a full socket buffer"},
    MetricDef{"latency_p999_ns", "ns", Better::lower, Role::latency, "clock",
              "per-call latency (as latency_p50_ns), 99.9th percentile"},
    MetricDef{"latency_max_ns", "ns", Better::lower, Role::latency, "clock",
              "per-call latency (as latency_p50_ns), maximum"},
    MetricDef{"latency_samples", "count", Better::lower, Role::none, "exact",
              "latency samples: steps that entered the kernel (calls, or io_uring batches)"},
    MetricDef{"chunks_per_latency_sample", "count", Better::lower, Role::none, "exact",
              "chunks / latency_samples: 1 when each chunk is its own call, --qd for a batch"},
    MetricDef{"chunks", "count", Better::lower, Role::none, "exact",
              "chunks (or batches) the strategy moved"},
    MetricDef{"streams", "count", Better::lower, Role::none, "exact",
              "--streams N: concurrent transfers; the run's other figures are their aggregate "
              "(bytes, calls and CPU seconds summed; per-byte figures the streams' mean; the "
              "sender figures are the whole process's, its N sender threads, and the process "
              "and system figures are taken over the whole window)"},
    MetricDef{"stream_throughput_min_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "--streams N: the slowest stream's bytes / its own time"},
    MetricDef{"stream_throughput_max_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "--streams N: the fastest stream's bytes / its own time"},
    MetricDef{"stream_throughput_cv", "ratio", Better::lower, Role::none, "clock",
              "--streams N: the streams' throughput stddev / mean"},
    MetricDef{"syscalls", "count", Better::lower, Role::none, "exact",
              "syscalls the strategy made, counted at each call"},
    MetricDef{"syscalls_per_chunk", "count", Better::lower, Role::none, "exact",
              "syscalls / chunks"},
    MetricDef{"bookkeeping_syscalls", "count", Better::lower, Role::none, "exact",
              "of syscalls, those outside the per-chunk data path: collecting zero-copy "
              "completions (MSG_ZEROCOPY error queue reads and polls, io_uring waits for SEND_ZC "
              "notifications) and once-per-run teardown (io_uring file unregister)"},
    MetricDef{"bytes_copied_to_user", "B", Better::lower, Role::none, "exact",
              "bytes the kernel copied into the sender's memory (read, recv), from the calls made"},
    MetricDef{"bytes_copied_from_user", "B", Better::lower, Role::none, "exact",
              "bytes the kernel copied out of the sender's memory (write, send), from the calls "
              "made; writes to /dev/null copy nothing"},
    MetricDef{"sender_user_s", "s", Better::lower, Role::none, "rusage",
              "sender process user CPU (RUSAGE_SELF: every thread, io_uring's io-wq workers "
              "included)"},
    MetricDef{"sender_sys_s", "s", Better::lower, Role::none, "rusage",
              "sender process system CPU (RUSAGE_SELF: every thread, io_uring's io-wq workers "
              "included)"},
    MetricDef{"sender_cpu_ns_per_byte", "ns/B", Better::lower, Role::cpu, "rusage",
              "sender process CPU (RUSAGE_SELF: every thread, io_uring's io-wq workers included) "
              "/ bytes moved"},
    MetricDef{"sender_thread_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "sender thread CPU (RUSAGE_THREAD) / bytes moved: misses work the kernel does in "
              "other threads of the process (io-wq)"},
    MetricDef{"sender_process_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "the same as sender_cpu_ns_per_byte (kept for compatibility)"},
    MetricDef{"sender_voluntary_switches", "count", Better::lower, Role::none, "rusage",
              "sender thread voluntary context switches"},
    MetricDef{"sender_involuntary_switches", "count", Better::lower, Role::none, "rusage",
              "sender thread involuntary context switches"},
    MetricDef{"sender_minor_faults", "count", Better::lower, Role::none, "rusage",
              "sender thread minor page faults"},
    MetricDef{"sender_major_faults", "count", Better::lower, Role::none, "rusage",
              "sender thread major page faults"},
    MetricDef{"receiver_user_s", "s", Better::lower, Role::none, "rusage",
              "receiver process user CPU over its receive loop (includes hashing every byte)"},
    MetricDef{"receiver_sys_s", "s", Better::lower, Role::none, "rusage",
              "receiver process system CPU over its receive loop"},
    MetricDef{"receiver_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "receiver CPU / bytes received; a polling receiver (--receiver-poll, default 50 "
              "us) spends its own CPU while it waits, so on a fast stream this is close to its "
              "wall time: --receiver-poll 0 measures the receiver's cost alone"},
    MetricDef{"receiver_poll_s", "s", Better::lower, Role::none, "clock",
              "of the receiver's time, the wall time of its non-blocking reads of a socket "
              "that had nothing yet (--receiver-poll); those reads also run the socket's "
              "backlog, part of the receive path"},
    MetricDef{"receiver_voluntary_switches", "count", Better::lower, Role::none, "rusage",
              "receiver voluntary context switches"},
    MetricDef{"receiver_involuntary_switches", "count", Better::lower, Role::none, "rusage",
              "receiver involuntary context switches"},
    MetricDef{"receiver_minor_faults", "count", Better::lower, Role::none, "rusage",
              "receiver minor page faults"},
    MetricDef{"receiver_major_faults", "count", Better::lower, Role::none, "rusage",
              "receiver major page faults"},
    MetricDef{"receiver_read_calls", "count", Better::lower, Role::none, "exact",
              "receive calls the receiver made that returned bytes or the end: read/recv, plus "
              "getsockopt(TCP_ZEROCOPY_RECEIVE) in zerocopy-receive mode (its polls of an empty "
              "socket are not counted: receiver_poll_s)"},
    MetricDef{"total_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "(sender process + receiver CPU) / bytes moved; softirq work run in "
              "ksoftirqd or "
              "charged to no process is in system_cpu_ns_per_byte"},
    MetricDef{"sender_peak_rss_bytes", "B", Better::lower, Role::none, "procfs",
              "peak resident memory of the zc-bench process during the repetition: VmHWM from "
              "/proc/self/status, reset (clear_refs 5) before the sink and the strategy's "
              "buffers were set up; mapped file pages count"},
    MetricDef{"storage_read_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes this process caused to be read from storage (/proc/self/io read_bytes)"},
    MetricDef{"storage_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes this process caused to be written to storage (/proc/self/io write_bytes: "
              "charged when pages are dirtied, before any writeback)"},
    MetricDef{"sink_device_write_bytes", "B", Better::lower, Role::none, "procfs",
              "file sink: bytes the device under the work dir wrote during the fdatasync of "
              "the sink file after the timed region (/sys/block/<dev>/stat; system-wide: every "
              "process's writes to the device count, journal included)"},
    MetricDef{"cache_resident_fraction", "ratio", Better::lower, Role::none, "exact",
              "share of the source's pages in the page cache before the repetition (mincore)"},
    // Zero-copy evidence (harness/workloads/transfer/zerocopy_metrics.cpp): the kernel's verdict.
    MetricDef{"zerocopy_sends", "count", Better::lower, Role::evidence, "exact",
              "sends that asked for zero copy (MSG_ZEROCOPY sends, io_uring SEND_ZC requests)"},
    MetricDef{"zerocopy_notifications", "count", Better::lower, Role::evidence, "exact",
              "completion notifications read (MSG_ZEROCOPY's error queue, where the kernel "
              "merges ranges; io_uring's notification CQEs)"},
    MetricDef{"zerocopy_bytes_covered", "B", Better::lower, Role::evidence, "exact",
              "bytes of zero-copy sends whose completion notification arrived"},
    MetricDef{"zerocopy_bytes_copied_by_kernel", "B", Better::lower, Role::evidence, "exact",
              "bytes of zero-copy sends whose completion the kernel marked copied: "
              "SO_EE_CODE_ZEROCOPY_COPIED (MSG_ZEROCOPY) or IORING_NOTIF_USAGE_ZC_COPIED "
              "(SEND_ZC with IORING_SEND_ZC_REPORT_USAGE). The flag misses copies made by "
              "software segmentation (see zerocopy_transmit_copied_fraction)"},
    MetricDef{"zerocopy_bytes_not_copied", "B", Better::higher, Role::evidence, "exact",
              "bytes of zero-copy sends completed without the copied mark"},
    MetricDef{"zerocopy_copied_fraction", "ratio", Better::lower, Role::evidence, "exact",
              "zerocopy_bytes_copied_by_kernel / zerocopy_bytes_covered: the completions' "
              "own verdict"},
    MetricDef{"zerocopy_transmit_copied_fraction", "ratio", Better::lower, Role::evidence,
              "tracepoint",
              "zero-copy strategies: transmit_linear_fraction, the share of the bytes that left "
              "the device in linear (copied) buffers. Without scatter-gather software GSO "
              "copies every segment, and completions do not say so"},
    MetricDef{"receiver_zerocopy_mapped_bytes", "B", Better::lower, Role::evidence, "exact",
              "bytes the receiver got as pages mapped by getsockopt(TCP_ZEROCOPY_RECEIVE)"},
    MetricDef{"receiver_zerocopy_copied_bytes", "B", Better::lower, Role::evidence, "exact",
              "bytes the zerocopy-receive receiver had to read() (recv_skip_hint and tails)"},
    MetricDef{"receiver_zerocopy_mapped_fraction", "ratio", Better::higher, Role::evidence, "exact",
              "mapped / (mapped + copied) bytes in zerocopy-receive mode; unavailable, with why, "
              "when nothing mapped where nothing can (a sender whose pages are not mappable)"},
    MetricDef{"receiver_zerocopy_getsockopt_calls", "count", Better::lower, Role::evidence, "exact",
              "getsockopt(TCP_ZEROCOPY_RECEIVE) calls the receiver made"},
    MetricDef{"receiver_zerocopy_getsockopt_calls_per_mib", "count", Better::lower, Role::evidence,
              "exact", "receiver_zerocopy_getsockopt_calls per MiB received"},
    // Kernel counters (harness/measure/perf_counters.hpp): the sender's cover its
    // strategy's calls, the receiver's its receive loop.
    MetricDef{"traced_sender_syscalls", "count", Better::lower, Role::evidence, "tracepoint",
              "raw_syscalls:sys_enter on the sender's threads over the strategy's calls (less "
              "the read that stops counting)"},
    MetricDef{"traced_sender_syscalls_per_chunk", "count", Better::lower, Role::evidence,
              "tracepoint", "traced_sender_syscalls / chunks"},
    MetricDef{"traced_data_syscalls_per_chunk", "count", Better::lower, Role::evidence,
              "tracepoint",
              "an external program's data syscalls (its description's data-syscalls, on its data "
              "thread, less the protocol's done line) / chunks: raw_syscalls by thread and number"},
    MetricDef{"traced_data_bytes_per_call", "bytes", Better::lower, Role::evidence, "tracepoint",
              "bytes returned per data syscall that moved bytes (raw_syscalls:sys_exit ret): the "
              "chunk an external program's runtime really passed to the kernel"},
    MetricDef{"traced_sender_context_switches", "count", Better::lower, Role::evidence,
              "software-event",
              "perf context-switches on the sender's threads (io-wq workers included) over the "
              "strategy's calls"},
    MetricDef{"traced_sender_sched_switches", "count", Better::lower, Role::evidence, "tracepoint",
              "sched:sched_switch away from the sender's threads over the strategy's calls"},
    MetricDef{"traced_sender_page_faults", "count", Better::lower, Role::evidence, "software-event",
              "perf page-faults on the sender's threads over the strategy's calls"},
    MetricDef{"traced_sender_task_clock_s", "s", Better::lower, Role::evidence, "software-event",
              "perf task-clock of the sender's threads (io-wq workers included) over the "
              "strategy's calls"},
    MetricDef{"page_cache_insertion_pages", "pages", Better::lower, Role::evidence, "tracepoint",
              "pages the sender's threads (io-wq workers included) put into the page cache: "
              "filemap:mm_filemap_add_to_page_cache, 2^order pages per folio summed"},
    MetricDef{"page_cache_insertion_folios", "count", Better::lower, Role::evidence, "tracepoint",
              "filemap:mm_filemap_add_to_page_cache events on the sender (one per folio)"},
    MetricDef{"receiver_copy_calls", "count", Better::lower, Role::evidence, "tracepoint",
              "skb:skb_copy_datagram_iovec in the receiver: socket-to-user copies"},
    MetricDef{"receiver_copy_bytes", "B", Better::lower, Role::evidence, "tracepoint",
              "skb:skb_copy_datagram_iovec len summed: bytes the receiver's kernel copied to it"},
    MetricDef{"traced_receiver_syscalls", "count", Better::lower, Role::evidence, "tracepoint",
              "raw_syscalls:sys_enter in the receiver over its loop (less the stopping ioctl)"},
    MetricDef{"traced_receiver_context_switches", "count", Better::lower, Role::evidence,
              "software-event", "perf context-switches of the receiver over its loop"},
    MetricDef{"traced_receiver_page_faults", "count", Better::lower, Role::evidence,
              "software-event", "perf page-faults of the receiver over its loop"},
    MetricDef{"transmit_skbs", "count", Better::lower, Role::evidence, "tracepoint",
              "net:net_dev_start_xmit. veth: on the run's own sender device, in every context "
              "(sender, receiver softirq, ksoftirqd, io-wq; system-wide, filtered by name). "
              "Other sinks: any device, in the sender's and the receiver's task contexts only "
              "(transmits run in ksoftirqd are missed: see transmit_seen_fraction)"},
    MetricDef{"transmit_paged_bytes", "B", Better::lower, Role::evidence, "tracepoint",
              "net:net_dev_start_xmit data_len summed: bytes in page fragments. Not the same as "
              "by reference: write()/send() copies user bytes into page fragments too"},
    MetricDef{"transmit_linear_bytes", "B", Better::lower, Role::evidence, "tracepoint",
              "net:net_dev_start_xmit len - data_len summed: bytes in the linear part (copied "
              "there: headers, ACKs, and every segment software GSO linearised when the device "
              "lacks scatter-gather)"},
    MetricDef{"transmit_seen_fraction", "ratio", Better::lower, Role::evidence, "tracepoint",
              "bytes transmitted that were counted / bytes moved: near or above 1 when every "
              "context is counted (headers, retransmits), below when transmits ran where they "
              "were not"},
    MetricDef{"transmit_linear_fraction", "ratio", Better::lower, Role::evidence, "tracepoint",
              "transmit_linear_bytes / bytes transmitted that were counted"},
    // Service demand (netperf): CPU per unit of data.
    MetricDef{"sender_cpu_us_per_kb", "us/KB", Better::lower, Role::none, "rusage",
              "sender process CPU microseconds per KiB moved"},
    MetricDef{"receiver_cpu_us_per_kb", "us/KB", Better::lower, Role::none, "rusage",
              "receiver CPU microseconds per KiB moved"},
    MetricDef{"total_cpu_us_per_kb", "us/KB", Better::lower, Role::none, "rusage",
              "(sender + receiver CPU) microseconds per KiB moved"},
    MetricDef{"softirq_s", "s", Better::lower, Role::none, "procfs",
              "softirq time on all CPUs over the timed region (/proc/stat; 10 ms ticks; "
              "system-wide: other load on the machine is included)"},
    MetricDef{"softirq_ns_per_byte", "ns/B", Better::lower, Role::none, "procfs",
              "softirq_s / bytes moved"},
    MetricDef{"system_cpu_s", "s", Better::lower, Role::none, "procfs",
              "busy time of all CPUs over the timed region (/proc/stat user+nice+system+irq+"
              "softirq+steal; system-wide: other load on the machine is included)"},
    MetricDef{"system_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "procfs",
              "system_cpu_s / bytes moved"},
    MetricDef{"cpu_pressure_share", "ratio", Better::lower, Role::none, "procfs",
              "share of the timed region in which some runnable task waited for a CPU "
              "(/proc/pressure/cpu \"some\"; system-wide: other work competing for the "
              "CPUs shows here; a run's throughput means little when it differs)"},
    MetricDef{"system_cpu_us_per_kb", "us/KB", Better::lower, Role::none, "procfs",
              "system_cpu_s in microseconds per KiB"},
    // Copy-bound limit: calibration (environment.calibration) and the ledger.
    MetricDef{"copy_bound_limit_bytes_per_s", "B/s", Better::higher, Role::none, "estimate",
              "DRAM memcpy bandwidth / CPU copies on the critical path (the ledger's max of "
              "sender and receiver copies on 2+ cores)"},
    MetricDef{"copy_efficiency", "ratio", Better::higher, Role::none, "estimate",
              "throughput / copy_bound_limit_bytes_per_s; unavailable (with the ratio) when the "
              "run beat the estimate, which then bounds nothing"},
    MetricDef{"copy_cpu_share", "ratio", Better::lower, Role::none, "estimate",
              "the share of the path's CPU time that is copying: the ledger's CPU copies x "
              "calibrated DRAM memcpy ns per byte / total_cpu_ns_per_byte. Near 1: zero copy "
              "would pay; near 0: the CPU goes elsewhere"},
    MetricDef{"sender_copy_cpu_share", "ratio", Better::lower, Role::none, "estimate",
              "sender CPU copies x calibrated ns per byte / sender_cpu_ns_per_byte"},
    MetricDef{"receiver_copy_cpu_share", "ratio", Better::lower, Role::none, "estimate",
              "receiver CPU copies x calibrated ns per byte / receiver_cpu_ns_per_byte"},
};

}  // namespace

std::span<const MetricDef> transfer_metrics() { return kTransferMetrics; }

}  // namespace zc
