// --nic parsing and the remote protocol's pure helpers.
#include "harness/sinks/nic.hpp"

#include <gtest/gtest.h>

#include "harness/base/errors.hpp"
#include "harness/sinks/remote_protocol.hpp"

namespace zc {
namespace {

TEST(NicRequest, ParsesAndPrintsInAFixedOrder) {
  auto r = parse_nic_request("gso=off,sg=on");
  EXPECT_EQ(r.sg, true);
  EXPECT_EQ(r.gso, false);
  EXPECT_FALSE(r.tso.has_value());
  EXPECT_EQ(r.to_string(), "sg=on,gso=off");
}

TEST(NicRequest, RefusesBadSettings) {
  for (const char* bad :
       {"", "sg", "sg=maybe", "mtu=9000", "sg=on,sg=off", "sg=off,tso=on", "sg=off,gso=on"})
    EXPECT_THROW(parse_nic_request(bad), UsageError) << bad;
}

TEST(RemoteProtocol, AddressesDefaultToLoopbackAndAreChecked) {
  EXPECT_EQ(parse_remote_address("7477", "--listen"), "127.0.0.1:7477");
  EXPECT_EQ(parse_remote_address("10.0.0.2:80", "--sink"), "10.0.0.2:80");
  EXPECT_EQ(parse_remote_address("::1:80", "--sink"), "[::1]:80");
  for (const char* bad : {"host:", "host:99999", "host:x1", ""})
    EXPECT_THROW(parse_remote_address(bad, "--sink"), UsageError) << bad;
  EXPECT_EQ(split_host_port("[::1]:80"), (std::pair<std::string, std::string>{"::1", "80"}));
}

TEST(RemoteProtocol, SecretsCompareExactly) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
  EXPECT_FALSE(same_secret("", "a"));
  EXPECT_TRUE(same_secret("", ""));
}

TEST(RemoteProtocol, TokensNeverReachTheResults) {
  auto r = redact_secrets({"zc-bench", "run", "--token", "s3cret", "--token=x", "--size", "1M"});
  for (const auto& a : r) EXPECT_EQ(a.find("s3cret"), std::string::npos);
  EXPECT_EQ(r[4], "--token=<redacted>");
  EXPECT_EQ(r[6], "1M");
}

}  // namespace
}  // namespace zc
