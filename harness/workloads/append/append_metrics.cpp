// The figures an append run reports: name, unit and how each is measured.
#include "harness/workloads/append/append_metrics.hpp"

#include <array>

namespace zc {
namespace {

constexpr std::array kAppendMetrics = {
    MetricDef{"wall_s", "s", Better::lower, Role::none, "clock",
              "CLOCK_MONOTONIC from the first record until the last record (and the sync the "
              "policy issued after it) returned; excludes the final sync"},
    MetricDef{"throughput_bytes_per_s", "B/s", Better::higher, Role::throughput, "clock",
              "log bytes / wall_s"},
    MetricDef{"records", "count", Better::lower, Role::none, "exact", "records appended"},
    MetricDef{"records_per_s", "1/s", Better::higher, Role::none, "clock", "records / wall_s"},
    MetricDef{"final_sync_s", "s", Better::lower, Role::none, "clock",
              "the fdatasync/msync after the last record: what the page cache still owed the "
              "device"},
    MetricDef{"durable_throughput_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "log bytes / (wall_s + final_sync_s): the rate at which the log became durable"},
    MetricDef{"latency_p50_ns", "ns", Better::lower, Role::latency, "clock",
              "per-record time (including any sync issued after it), 50th percentile"},
    MetricDef{"latency_p90_ns", "ns", Better::lower, Role::latency, "clock",
              "per-record time, 90th percentile"},
    MetricDef{"latency_p99_ns", "ns", Better::lower, Role::latency, "clock",
              "per-record time, 99th percentile"},
    MetricDef{"latency_p999_ns", "ns", Better::lower, Role::latency, "clock",
              "per-record time, 99.9th percentile"},
    MetricDef{"latency_max_ns", "ns", Better::lower, Role::latency, "clock",
              "per-record time, maximum"},
    MetricDef{"syncs", "count", Better::lower, Role::none, "exact",
              "syncs the --sync policy issued (not counting the final one; O_DSYNC issues none)"},
    MetricDef{"syscalls", "count", Better::lower, Role::none, "exact",
              "syscalls the strategy made, counted at each call, including every sync"},
    MetricDef{"syscalls_per_record", "count", Better::lower, Role::none, "exact",
              "syscalls / records"},
    MetricDef{"bytes_copied_from_user", "B", Better::lower, Role::none, "exact",
              "bytes write() copied from the record buffers into the page cache; memcpy into a "
              "mapping is a user-space copy and O_DIRECT is DMA, so neither counts"},
    MetricDef{"user_s", "s", Better::lower, Role::none, "rusage",
              "appending thread user CPU (RUSAGE_THREAD), final sync included"},
    MetricDef{"sys_s", "s", Better::lower, Role::none, "rusage",
              "appending thread system CPU (RUSAGE_THREAD), final sync included; background "
              "writeback by kernel threads is not charged to it"},
    MetricDef{"cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "(user_s + sys_s) / log bytes"},
    MetricDef{"process_cpu_ns_per_byte", "ns/B", Better::lower, Role::cpu, "rusage",
              "the whole zc-bench process's CPU (RUSAGE_SELF: every thread) over the same "
              "window / log bytes"},
    MetricDef{"voluntary_switches", "count", Better::lower, Role::none, "rusage",
              "voluntary context switches (waiting on I/O)"},
    MetricDef{"involuntary_switches", "count", Better::lower, Role::none, "rusage",
              "involuntary context switches"},
    MetricDef{"minor_faults", "count", Better::lower, Role::none, "rusage",
              "minor page faults (first touch of a mapped page)"},
    MetricDef{"major_faults", "count", Better::lower, Role::none, "rusage", "major page faults"},
    MetricDef{"storage_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes this process caused to be written to storage (/proc/self/io write_bytes), "
              "read after the final sync"},
    MetricDef{"storage_write_amplification", "ratio", Better::lower, Role::none, "procfs",
              "storage_write_bytes / log bytes (this process's data only: no journal)"},
    MetricDef{"device_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes the block device under the log wrote from the first record to the end of "
              "the final sync, journal and metadata included (/sys/block/<dev>/stat; "
              "system-wide: other processes' writes to the device count too)"},
    MetricDef{"device_writes", "count", Better::lower, Role::none, "procfs",
              "write requests the device completed over the same window (system-wide)"},
    MetricDef{"device_write_amplification", "ratio", Better::lower, Role::none, "procfs",
              "device_write_bytes / log bytes (system-wide)"},
    MetricDef{"traced_syscalls", "count", Better::lower, Role::evidence, "tracepoint",
              "raw_syscalls:sys_enter in the appending thread, first record to the end of the "
              "final sync"},
    MetricDef{"traced_bytes_from_user", "B", Better::lower, Role::evidence, "tracepoint",
              "raw_syscalls:sys_exit in the appending thread: what write/pwrite-like calls "
              "returned (bytes taken out of user memory, by a CPU copy or O_DIRECT's DMA)"},
    MetricDef{"page_cache_insertion_pages", "pages", Better::lower, Role::evidence, "tracepoint",
              "filemap:mm_filemap_add_to_page_cache in the appending thread, 2^order pages per "
              "folio: the log's pages entering the page cache (none for O_DIRECT)"},
    MetricDef{"traced_page_faults", "count", Better::lower, Role::evidence, "software-event",
              "page faults of the appending thread (a mapped log's pages fault in)"},
};

}  // namespace

std::span<const MetricDef> append_metrics() { return kAppendMetrics; }

}  // namespace zc
