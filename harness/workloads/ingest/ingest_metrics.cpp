#include "harness/workloads/ingest/ingest_metrics.hpp"

#include <array>

namespace zc {
namespace {

constexpr std::array kIngestMetrics = {
    // Every ingest run (with --streams N: the aggregate of N; see README).
    MetricDef{"wall_s", "s", Better::lower, Role::none, "clock",
              "CLOCK_MONOTONIC from telling the producer to go until the last record was written "
              "to the log (the sync the policy issued after it included; the final sync not); "
              "with --streams N, from the first stream's start to the last one's end"},
    MetricDef{"throughput_bytes_per_s", "B/s", Better::higher, Role::throughput, "clock",
              "log bytes / wall_s (with --streams N: every stream's bytes)"},
    MetricDef{"records", "count", Better::lower, Role::none, "exact", "records written to the log"},
    MetricDef{"records_per_s", "1/s", Better::higher, Role::none, "clock", "records / wall_s"},
    MetricDef{"final_sync_s", "s", Better::lower, Role::none, "clock",
              "the fdatasync/msync after the last record: what the page cache still owed the "
              "device"},
    MetricDef{"durable_throughput_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "log bytes / (wall_s + final_sync_s)"},
    MetricDef{"latency_p50_ns", "ns", Better::lower, Role::latency, "clock",
              "time per append call (a record, or a batch of --qd for io-uring-ingest; the sync "
              "issued after it included), 50th percentile"},
    MetricDef{"latency_p90_ns", "ns", Better::lower, Role::latency, "clock",
              "time per append call, 90th percentile"},
    MetricDef{"latency_p99_ns", "ns", Better::lower, Role::latency, "clock",
              "time per append call, 99th percentile"},
    MetricDef{"latency_p999_ns", "ns", Better::lower, Role::latency, "clock",
              "time per append call, 99.9th percentile"},
    MetricDef{"latency_max_ns", "ns", Better::lower, Role::latency, "clock",
              "time per append call, maximum"},
    MetricDef{"append_calls", "count", Better::lower, Role::none, "exact",
              "append calls the harness made"},
    MetricDef{"syncs", "count", Better::lower, Role::none, "exact",
              "syncs the --sync policy issued (not counting the final one)"},
    MetricDef{"syscalls", "count", Better::lower, Role::none, "exact",
              "syscalls the strategy made, counted at each call, syncs included"},
    MetricDef{"syscalls_per_record", "count", Better::lower, Role::none, "exact",
              "syscalls / records"},
    MetricDef{"bytes_copied_to_user", "B", Better::lower, Role::none, "exact",
              "bytes recv() copied into user memory (a buffer or the log's mapping), from the "
              "calls made"},
    MetricDef{"bytes_copied_from_user", "B", Better::lower, Role::none, "exact",
              "bytes write() copied out of user memory into the page cache, from the calls made"},
    MetricDef{"user_s", "s", Better::lower, Role::none, "rusage",
              "ingesting thread user CPU (RUSAGE_THREAD), final sync included"},
    MetricDef{"sys_s", "s", Better::lower, Role::none, "rusage",
              "ingesting thread system CPU (RUSAGE_THREAD), final sync included"},
    MetricDef{"cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "(user_s + sys_s) / log bytes"},
    MetricDef{"process_cpu_ns_per_byte", "ns/B", Better::lower, Role::cpu, "rusage",
              "the whole zc-bench process's CPU (RUSAGE_SELF) / log bytes: the ingesting thread "
              "plus io_uring's io-wq workers (and, with --streams N, every stream's thread)"},
    MetricDef{"voluntary_switches", "count", Better::lower, Role::none, "rusage",
              "ingesting thread voluntary context switches"},
    MetricDef{"involuntary_switches", "count", Better::lower, Role::none, "rusage",
              "ingesting thread involuntary context switches"},
    MetricDef{"minor_faults", "count", Better::lower, Role::none, "rusage",
              "ingesting thread minor page faults"},
    MetricDef{"major_faults", "count", Better::lower, Role::none, "rusage",
              "ingesting thread major page faults"},
    MetricDef{"producer_user_s", "s", Better::lower, Role::none, "rusage",
              "producer process user CPU over its send loop"},
    MetricDef{"producer_sys_s", "s", Better::lower, Role::none, "rusage",
              "producer process system CPU over its send loop"},
    MetricDef{"producer_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "producer CPU / bytes sent (its send() copies the records into the socket)"},
    MetricDef{"producer_write_calls", "count", Better::lower, Role::none, "exact",
              "send() calls the producer made"},
    MetricDef{"total_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "(zc-bench process + producer CPU) / log bytes"},
    MetricDef{"storage_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes of the log this process dirtied for storage (/proc/self/io write_bytes, "
              "charged when a page is dirtied), read after the final sync"},
    MetricDef{"storage_write_amplification", "ratio", Better::lower, Role::none, "procfs",
              "storage_write_bytes / log bytes"},
    MetricDef{"device_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes the block device under the log wrote over the window, journal and "
              "metadata included (/sys/block/<dev>/stat; system-wide: other processes' writes "
              "to the device count too)"},
    MetricDef{"device_write_amplification", "ratio", Better::lower, Role::none, "procfs",
              "device_write_bytes / log bytes (system-wide)"},
    MetricDef{"streams", "count", Better::lower, Role::none, "exact",
              "concurrent streams (--streams)"},
    MetricDef{"stream_throughput_min_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "the slowest stream's bytes / its own time"},
    MetricDef{"stream_throughput_max_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "the fastest stream's bytes / its own time"},
    MetricDef{"stream_throughput_cv", "ratio", Better::lower, Role::none, "clock",
              "spread between the streams: stddev / mean of their throughputs (0 for one)"},
    MetricDef{"traced_syscalls", "count", Better::lower, Role::evidence, "tracepoint",
              "raw_syscalls:sys_enter in the ingesting thread, over the strategy's calls"},
    MetricDef{"socket_copy_calls", "count", Better::lower, Role::evidence, "tracepoint",
              "skb:skb_copy_datagram_iovec in the ingesting thread: socket -> user copies"},
    MetricDef{"socket_copy_bytes", "B", Better::lower, Role::evidence, "tracepoint",
              "skb:skb_copy_datagram_iovec len, summed: bytes copied out of socket buffers"},
    MetricDef{"page_cache_insertion_pages", "pages", Better::lower, Role::evidence, "tracepoint",
              "filemap:mm_filemap_add_to_page_cache in the ingesting thread, 2^order pages per "
              "folio: the log's pages entering the page cache"},
    MetricDef{"traced_page_faults", "count", Better::lower, Role::evidence, "software-event",
              "page faults of the ingesting thread"},
    MetricDef{"traced_context_switches", "count", Better::lower, Role::evidence, "software-event",
              "context switches of the ingesting thread"},
};

}  // namespace

std::span<const MetricDef> ingest_metrics() { return kIngestMetrics; }

}  // namespace zc
