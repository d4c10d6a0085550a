// Receive-side zero copy in the ledger and the model check (issue 32):
// zerocopy-receive maps by reference only where whole pages can arrive,
// and the check reads the kernel's TCP_ZEROCOPY_RECEIVE results beside the
// bytes skb_copy_datagram_iovec copied.
#include <gtest/gtest.h>

#include "harness/core/ledger.hpp"
#include "harness/measure/model_check.hpp"

namespace zc {
namespace {

Conditions zc_tcp() {
  Conditions c;
  c.sink = SinkKind::tcp;
  c.receiver = ReceiverMode::zerocopy_receive;
  c.size = 64 << 20;
  c.chunk = 1 << 20;
  return c;
}

Ledger msg_zerocopy(const Conditions& c) {
  return LedgerBuilder(c)
      .zero_copy_send_from(Place::mapped_page_cache, "send(MSG_ZEROCOPY)",
                           "SO_EE_CODE_ZEROCOPY_COPIED")
      .done(1);
}

Ledger read_write(const Conditions& c) {
  return LedgerBuilder(c)
      .hop(Place::page_cache, Place::user_buffer, Mover::cpu)
      .sink_copy_from(Place::user_buffer)
      .done(2);
}

MeasuredCopies received(const Conditions& c, std::uint64_t mapped, std::uint64_t copied) {
  MeasuredCopies m;
  m.size = c.size;
  m.chunk = c.chunk;
  m.chunks = c.size / c.chunk;
  m.receiver_copies_traceable = true;
  m.receiver_maps = true;
  m.receiver_copy_calls.value = copied ? 3 : 0;
  m.receiver_copy_bytes.value = copied;
  m.receiver_mapped_bytes.value = mapped;
  return m;
}

const Hop& receiver_hop(const Ledger& l) {
  for (const auto& h : l.hops)
    if (h.side == Side::receiver) return h;
  throw std::runtime_error("no receiver hop");
}

TEST(ReceiveZeroCopy, OnlyAZeroCopySenderMapsLocally) {
  auto c = zc_tcp();
  EXPECT_FALSE(receive_unmappable(c, true));
  auto why = receive_unmappable(c, false);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("use msg-zerocopy or io-uring-send-zc as the sender"), std::string::npos);
  c.egress_scatter_gather = false;  // veth sg=off: linear segments
  ASSERT_TRUE(receive_unmappable(c, true));
  EXPECT_NE(receive_unmappable(c, true)->find("linear"), std::string::npos);
  c.sink = SinkKind::remote;  // the remote NIC decides
  EXPECT_FALSE(receive_unmappable(c, false));
}

TEST(ReceiveZeroCopy, LedgerSaysByReferenceMappedOrWhyNot) {
  auto c = zc_tcp();
  auto zc = msg_zerocopy(c);
  EXPECT_EQ(receiver_hop(zc).by, Mover::reference);
  EXPECT_EQ(receiver_hop(zc).note.rfind("by reference (mapped)", 0), 0u);
  EXPECT_EQ(ledger_json(zc)["receive"], "by reference (mapped)");
  EXPECT_EQ(zc.cpu_copies(Side::receiver), 0);
  auto rw = read_write(c);
  EXPECT_EQ(receiver_hop(rw).by, Mover::cpu);
  EXPECT_NE(receiver_hop(rw).note.find("not mappable"), std::string::npos);
  EXPECT_FALSE(ledger_json(rw).contains("receive"));
  c.receiver = ReceiverMode::recv;
  EXPECT_FALSE(ledger_json(msg_zerocopy(c)).contains("receive"));
}

TEST(ReceiveZeroCopy, MappedShareChecksAgainstTheKernelsCounts) {
  auto c = zc_tcp();
  auto l = msg_zerocopy(c);
  // 99.9% mapped, the rest copied: pass, and the copy verdict says so.
  auto ok = check_model(l, c, received(c, c.size - 65536, 65536));
  auto& item = ok["items"]["receiver_copies"];
  EXPECT_EQ(item["status"], "pass") << item.dump(1);
  EXPECT_NE(item["method"].get<std::string>().find("TCP_ZEROCOPY_RECEIVE"), std::string::npos);
  auto verdict = copy_verdict(ledger_json(l), ok);
  EXPECT_NE(verdict.find("receive by reference (mapped)"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("TCP_ZEROCOPY_RECEIVE results"), std::string::npos) << verdict;
  // Nothing mapped although the ledger maps: fail.
  EXPECT_EQ(check_model(l, c, received(c, 0, c.size))["items"]["receiver_copies"]["status"],
            "fail");
  // Bytes neither mapped nor seen copied (a copy the tracepoint missed): fail.
  EXPECT_EQ(check_model(l, c, received(c, c.size / 2, 0))["items"]["receiver_copies"]["status"],
            "fail");
  // Without the tracepoint: not measured, with the reason, never a pass.
  auto m = received(c, c.size, 0);
  m.receiver_copy_bytes = {std::nullopt, "perf_event_paranoid=2 and not root"};
  m.receiver_copy_calls = {std::nullopt, "perf_event_paranoid=2 and not root"};
  auto nm = check_model(l, c, m)["items"]["receiver_copies"];
  EXPECT_EQ(nm["status"], "not_measured");
  EXPECT_NE(nm["reason"].get<std::string>().find("paranoid"), std::string::npos);
}

TEST(ReceiveZeroCopy, UnmappableSenderMustCopyEveryByte) {
  auto c = zc_tcp();
  auto l = read_write(c);
  EXPECT_EQ(check_model(l, c, received(c, 0, c.size))["items"]["receiver_copies"]["status"],
            "pass");
  // A ledger that claims mapping for this sender fails on the same evidence.
  auto zc = msg_zerocopy(c);
  EXPECT_EQ(check_model(zc, c, received(c, 0, c.size))["items"]["receiver_copies"]["status"],
            "fail");
}

}  // namespace
}  // namespace zc
