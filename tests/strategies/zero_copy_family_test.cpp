// The zero-copy family behaves as its data paths say: what each avoids is
// visible in the exact counters and in the kernel's own evidence.
#include <linux/magic.h>
#include <sys/statfs.h>

#include "harness/workloads/transfer/source.hpp"
#include "harness_fixture.hpp"

namespace zc::testing {
namespace {

constexpr std::uint64_t kSize = 4u << 20, kChunk = 256u << 10, kChunks = kSize / kChunk;

// Runs one strategy once through the harness; skips when the machine lacks
// what it needs (the probe's or the run's reason).
nlohmann::json run_one(const char* id, SinkKind sink, std::uint64_t size = kSize,
                       std::uint64_t chunk = kChunk, CacheState cache = CacheState::hot,
                       unsigned qd = 8) {
  auto tmp = fresh_dir(id);
  auto plan = small_plan(transfer(id), sink, size, chunk, tmp, cache);
  plan.runs[0].conditions.queue_depth = qd;
  plan.runs[0].conditions.source_dir = tmp;
  auto out = run_plan(plan);
  std::filesystem::remove_all(tmp);
  return out.results["runs"][0];
}

#define SKIP_IF_UNSUPPORTED(run)        \
  if ((run)["status"] == "unsupported") \
  GTEST_SKIP() << "unsupported here: " << (run)["reason"].get<std::string>()

std::uint64_t evidence(const nlohmann::json& run, const char* key) {
  const auto& rep = run.at("repetitions").at(0);
  EXPECT_TRUE(rep.contains("evidence") && rep["evidence"].contains(key)) << key << " missing";
  return rep.value("evidence", nlohmann::json::object()).value(key, std::uint64_t(0));
}

TEST(Splice, CopiesNoBytesThroughUserSpace) {
  auto run = run_one("splice", SinkKind::tcp);
  SKIP_IF_UNSUPPORTED(run);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
  // At least one splice in and one out per chunk.
  EXPECT_GE(median(run, "syscalls"), 2.0 * kChunks);
  auto pipe = evidence(run, "pipe_size_bytes");
  EXPECT_GT(pipe, 0u);
  EXPECT_GE(evidence(run, "pipe_size_requested_bytes"), kChunk);
}

TEST(CopyFileRange, DeliversToTheFileSinkAndNothingElse) {
  const auto* s = transfer("copy-file-range");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->accepts_sink(SinkKind::file));
  for (auto sink : {SinkKind::tcp, SinkKind::unix_stream, SinkKind::pipe, SinkKind::null})
    EXPECT_FALSE(s->accepts_sink(sink)) << to_string(sink);
  auto run = run_one("copy-file-range", SinkKind::file, kSize + 123, kChunk);
  SKIP_IF_UNSUPPORTED(run);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
  EXPECT_GE(median(run, "syscalls"), double(kChunks + 1));
}

// O_DIRECT reads go to the device even when every page is cached, so
// storage read bytes cover the file (a little more where a chunk boundary
// is not aligned); read-write with the same hot cache reads nothing.
TEST(DirectIo, ReadsTheFileFromStorageEvenWithAHotCache) {
  const std::uint64_t size = (1u << 20) + 4097, chunk = 64u << 10;
  auto run = run_one("direct-io", SinkKind::null, size, chunk, CacheState::hot);
  SKIP_IF_UNSUPPORTED(run);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  if (!run["metrics"]["storage_read_bytes"].value("available", false))
    GTEST_SKIP() << "storage_read_bytes unavailable: "
                 << run["metrics"]["storage_read_bytes"]["reason"];
  EXPECT_GT(median(run, "cache_resident_fraction"), 0.99) << "the cache was not hot";
  auto align = evidence(run, "dio_offset_align");
  ASSERT_GT(align, 0u);
  auto chunks = (size + chunk - 1) / chunk;
  EXPECT_GE(median(run, "storage_read_bytes"), double(size));
  EXPECT_LE(median(run, "storage_read_bytes"), double(size + chunks * align));
  EXPECT_GE(evidence(run, "direct_read_bytes"), size);
  // The device wrote the buffer: no CPU copy into user space.
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);

  auto hot = run_one("read-write", SinkKind::null, size, chunk, CacheState::hot);
  ASSERT_EQ(hot["status"], "ok");
  EXPECT_LT(median(hot, "storage_read_bytes"), double(size) / 10);
}

TEST(DirectIo, MemoryFileSystemIsUnsupportedWithTheReason) {
  struct statfs sf {};
  if (::statfs("/dev/shm", &sf) != 0 || sf.f_type != TMPFS_MAGIC)
    GTEST_SKIP() << "/dev/shm is not tmpfs here";
  auto plan = small_plan(transfer("direct-io"), SinkKind::null, 1u << 20, 64u << 10, "/dev/shm");
  auto out = run_plan(plan);
  const auto& run = out.results["runs"][0];
  EXPECT_EQ(run["status"], "unsupported");
  EXPECT_NE(run.value("reason", "").find("tmpfs"), std::string::npos) << run.value("reason", "");
  EXPECT_FALSE(out.any_failed);
}

// Batching at qd 8: one io_uring_enter per 8 chunks (plus one to drop the
// registered files), against read-write's read and write per chunk.
TEST(IoUring, FewerSyscallsThanReadWriteAtQueueDepth8) {
  auto uring = run_one("io-uring", SinkKind::tcp, kSize, kChunk, CacheState::hot, 8);
  SKIP_IF_UNSUPPORTED(uring);
  ASSERT_EQ(uring["status"], "ok") << uring.value("reason", "");
  auto rw = run_one("read-write", SinkKind::tcp, kSize, kChunk, CacheState::hot);
  ASSERT_EQ(rw["status"], "ok") << rw.value("reason", "");
  EXPECT_TRUE(uring["verified"].get<bool>());
  EXPECT_LT(median(uring, "syscalls"), median(rw, "syscalls"));
  EXPECT_LE(median(uring, "syscalls"), double(kChunks) / 8 * 2 + 1);
  // READ_FIXED copies into the registered buffers, SEND copies out of them.
  EXPECT_EQ(median(uring, "bytes_copied_to_user"), double(kSize));
  EXPECT_EQ(median(uring, "bytes_copied_from_user"), double(kSize));
  EXPECT_EQ(evidence(uring, "io_uring_batches"), kChunks / 8);
}

TEST(IoUringSplice, CopiesNoBytesThroughUserSpaceAndBatches) {
  auto run = run_one("io-uring-splice", SinkKind::unix_stream);
  SKIP_IF_UNSUPPORTED(run);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(median(run, "bytes_copied_to_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
  EXPECT_LT(median(run, "syscalls"), double(kChunks));
  EXPECT_GT(evidence(run, "pipe_size_bytes"), 0u);
}

// Completions and notifications are counted apart, every byte is covered
// by a completion, and every completion that promised a notification got
// one. Over loopback the kernel copies on delivery and says so.
TEST(IoUringSendZc, CountsNotificationsApartAndShowsTheLoopbackCopy) {
  auto run = run_one("io-uring-send-zc", SinkKind::tcp);
  SKIP_IF_UNSUPPORTED(run);
  ASSERT_EQ(run["status"], "ok") << run.value("reason", "");
  EXPECT_TRUE(run["verified"].get<bool>());
  EXPECT_EQ(median(run, "bytes_copied_from_user"), 0.0);
  EXPECT_EQ(median(run, "bytes_copied_to_user"), double(kSize));
  EXPECT_EQ(evidence(run, "send_zc_bytes"), kSize);
  auto completions = evidence(run, "send_zc_completions");
  EXPECT_GE(completions, kChunks);
  EXPECT_EQ(evidence(run, "send_zc_notifications"), completions);
  const auto& ev = run["repetitions"][0]["evidence"];
  if (!ev.contains("send_zc_copied"))
    GTEST_SKIP() << "kernel lacks IORING_SEND_ZC_REPORT_USAGE: no copied verdict";
  EXPECT_EQ(evidence(run, "send_zc_copied_bytes") + evidence(run, "send_zc_zerocopy_bytes"), kSize);
  EXPECT_GT(evidence(run, "send_zc_copied"), 0u) << "loopback delivery should copy";
}

TEST(IoUringSendZc, UnixSocketsAreUnsupportedWithTheReason) {
  const auto* s = transfer("io-uring-send-zc");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->accepts_sink(SinkKind::pipe));
  EXPECT_FALSE(s->accepts_sink(SinkKind::file));
  Conditions c;
  c.sink = SinkKind::unix_stream;
  auto support = s->probe(c);
  if (support) GTEST_SKIP() << "this kernel sends zero-copy on AF_UNIX";
  EXPECT_NE(support.missing->find("AF_UNIX"), std::string::npos) << *support.missing;
}

}  // namespace
}  // namespace zc::testing
