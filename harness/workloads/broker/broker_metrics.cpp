#include "harness/workloads/broker/broker_metrics.hpp"

#include <array>

namespace zc {
namespace {

constexpr std::array kBrokerMetrics = {
    // The producers' side.
    MetricDef{"wall_s", "s", Better::lower, Role::none, "clock",
              "CLOCK_MONOTONIC from telling the producers to go until the last producer's last "
              "record was in the log"},
    MetricDef{"throughput_bytes_per_s", "B/s", Better::higher, Role::throughput, "clock",
              "log bytes / wall_s: into the log from every producer"},
    MetricDef{"records", "count", Better::lower, Role::none, "exact", "records written to the log"},
    MetricDef{"records_per_s", "1/s", Better::higher, Role::none, "clock", "records / wall_s"},
    MetricDef{"syncs", "count", Better::lower, Role::none, "exact",
              "syncs the --sync policy issued (not counting the final one)"},
    MetricDef{"final_sync_s", "s", Better::lower, Role::none, "clock",
              "the fdatasync after the last record: what the page cache still owed the device"},
    MetricDef{"durable_throughput_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "log bytes / (wall_s + final_sync_s)"},
    MetricDef{"producer_latency_p50_ns", "ns", Better::lower, Role::latency, "clock",
              "a record's send time (stamped by its producer) to its append into the log, "
              "50th percentile over every producer's records: the produce latency a lagging "
              "consumer taxes"},
    MetricDef{"producer_latency_p99_ns", "ns", Better::lower, Role::latency, "clock",
              "send time to append, 99th percentile"},
    MetricDef{"producer_latency_p999_ns", "ns", Better::lower, Role::latency, "clock",
              "send time to append, 99.9th percentile"},
    MetricDef{"producer_latency_max_ns", "ns", Better::lower, Role::latency, "clock",
              "send time to append, maximum"},
    MetricDef{"producers", "count", Better::lower, Role::none, "exact",
              "producer processes (--producers)"},
    MetricDef{"ingest_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "the ingesting threads' CPU (RUSAGE_THREAD, summed) / log bytes"},
    MetricDef{"producer_user_s", "s", Better::lower, Role::none, "rusage",
              "producer processes' user CPU over their send loops"},
    MetricDef{"producer_sys_s", "s", Better::lower, Role::none, "rusage",
              "producer processes' system CPU over their send loops"},
    MetricDef{"producer_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "producer CPU / log bytes (their send() copies the records into the sockets)"},
    MetricDef{"producer_write_calls", "count", Better::lower, Role::none, "exact",
              "send() calls the producers made"},
    MetricDef{"syscalls", "count", Better::lower, Role::none, "exact",
              "syscalls the ingest strategy made, counted at each call"},
    MetricDef{"process_cpu_ns_per_byte", "ns/B", Better::lower, Role::cpu, "rusage",
              "the whole zc-bench process's CPU (RUSAGE_SELF: ingesting and serving threads, "
              "io_uring's io-wq workers) / log bytes"},
    MetricDef{"total_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "(zc-bench process + producer and consumer processes' CPU) / log bytes"},
    MetricDef{"storage_write_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes of the log this process dirtied for storage (/proc/self/io write_bytes)"},
    MetricDef{"storage_write_amplification", "ratio", Better::lower, Role::none, "procfs",
              "storage_write_bytes / log bytes"},

    // The caught-up consumers.
    MetricDef{"consumers", "count", Better::lower, Role::none, "exact",
              "caught-up consumer processes (--consumers; 0 when producers run alone)"},
    MetricDef{"consume_wall_s", "s", Better::lower, Role::none, "clock",
              "from the first caught-up consumer's start until the last one had every byte"},
    MetricDef{"consume_throughput_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "log bytes / a caught-up consumer's own time (its first fetch to its last byte), "
              "mean over them"},
    MetricDef{"consume_throughput_min_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "the slowest caught-up consumer's log bytes / its own time"},
    MetricDef{"e2e_latency_p50_ns", "ns", Better::lower, Role::latency, "clock",
              "a record's send time (stamped by its producer) to its arrival at a caught-up "
              "consumer, 50th percentile; the worst caught-up consumer's"},
    MetricDef{"e2e_latency_p99_ns", "ns", Better::lower, Role::latency, "clock",
              "end-to-end latency, 99th percentile, worst caught-up consumer"},
    MetricDef{"e2e_latency_p999_ns", "ns", Better::lower, Role::latency, "clock",
              "end-to-end latency, 99.9th percentile, worst caught-up consumer"},
    MetricDef{"e2e_latency_max_ns", "ns", Better::lower, Role::latency, "clock",
              "end-to-end latency, maximum, caught-up consumers"},
    MetricDef{"consumer_storage_read_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes the caught-up consumers' serving threads caused to be read from storage "
              "(/proc/thread-self/io read_bytes), together: the tail they found evicted"},
    MetricDef{"consumer_storage_read_fraction", "ratio", Better::lower, Role::none, "procfs",
              "consumer_storage_read_bytes / log bytes"},
    MetricDef{"serve_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "every consumer-serving thread's CPU (RUSAGE_THREAD, summed) / bytes served"},
    MetricDef{"consumer_cpu_ns_per_byte", "ns/B", Better::lower, Role::none, "rusage",
              "the consumer processes' CPU / bytes they read"},

    // The lagging consumer.
    MetricDef{"lag_throughput_bytes_per_s", "B/s", Better::higher, Role::none, "clock",
              "the lagging consumer's log bytes / its own time (its first fetch, from the "
              "start of the log, to its last byte): what its --lag-read policy costs it"},
    MetricDef{"lag_storage_read_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes the lagging consumer's serving thread caused to be read from storage "
              "(/proc/thread-self/io read_bytes; O_DIRECT reads included)"},
    MetricDef{"lag_storage_read_fraction", "ratio", Better::lower, Role::none, "procfs",
              "lag_storage_read_bytes / log bytes"},
    MetricDef{"lag_dropped_bytes", "B", Better::lower, Role::none, "exact",
              "the log bytes behind the lagging consumer dropped from the page cache (fdatasync, "
              "then POSIX_FADV_DONTNEED) before it started"},
    MetricDef{"lag_resident_fraction", "ratio", Better::lower, Role::none, "exact",
              "the share of the log behind the lagging consumer still in the page cache when it "
              "started (mincore, after POSIX_FADV_DONTNEED)"},

    // The machine's view of the window (from go until the last consumer
    // had every byte).
    MetricDef{"storage_read_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes this whole process caused to be read from storage in the window "
              "(/proc/self/io read_bytes): every serving and ingesting thread"},
    MetricDef{"device_read_bytes", "B", Better::lower, Role::none, "procfs",
              "bytes the block device under the log read in the window (/sys/block/<dev>/stat "
              "sectors x 512; system-wide: other processes' reads count too)"},
    MetricDef{"major_faults", "count", Better::lower, Role::none, "rusage",
              "major page faults of the zc-bench process in the window (getrusage RUSAGE_SELF)"},
    MetricDef{"cache_peak_bytes", "B", Better::lower, Role::none, "cgroupfs",
              "the most the broker's memory cgroup held at once (v1 memory.max_usage_in_bytes, "
              "v2 memory.peak): the bound held"},
    MetricDef{"page_cache_insertion_pages", "pages", Better::lower, Role::evidence, "tracepoint",
              "filemap:mm_filemap_add_to_page_cache on the log's inode, every task on every CPU, "
              "2^order pages per folio: the log's pages entering the page cache in the window"},
    MetricDef{"page_cache_eviction_pages", "pages", Better::lower, Role::evidence, "tracepoint",
              "filemap:mm_filemap_delete_from_page_cache on the log's inode, every task on every "
              "CPU, 2^order pages per folio: the log's pages leaving the page cache (reclaim, "
              "POSIX_FADV_DONTNEED) in the window"},
};

}  // namespace

std::span<const MetricDef> broker_metrics() { return kBrokerMetrics; }

}  // namespace zc
