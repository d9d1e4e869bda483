#include "ingest/cli_options.h"

#include <gtest/gtest.h>

#include <map>

namespace kedge::ingest {
namespace {

TEST(CliOptionsTest, ParsesListenDataDirAndKeys) {
  FakeEnv env;
  auto options = ParseCommandLine({"--listen", "127.0.0.1:0", "--data-dir", "/tmp/x",
                                   "--access-key", "AKID", "--secret-key", "SECRET",
                                   "--public-url", "http://edge:9000/"},
                                  env);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->listen_address, "127.0.0.1");
  EXPECT_EQ(options->listen_port, 0);
  EXPECT_EQ(options->data_dir, "/tmp/x");
  ASSERT_EQ(options->credentials.size(), 1u);
  EXPECT_EQ(options->credentials[0].access_key_id, "AKID");
  EXPECT_EQ(options->public_url, "http://edge:9000/");
}

TEST(CliOptionsTest, ExplainsMissingAndConflictingOptions) {
  FakeEnv env;
  auto no_dir = ParseCommandLine({"--listen", ":4567"}, env);
  EXPECT_NE(no_dir.status().message().find("--data-dir"), std::string::npos);
  auto half_key = ParseCommandLine({"--listen", ":1", "--data-dir", "d", "--access-key", "A"}, env);
  EXPECT_NE(half_key.status().message().find("--secret-key"), std::string::npos);
  auto bad_port = ParseCommandLine({"--listen", "127.0.0.1:99999", "--data-dir", "d"}, env);
  EXPECT_NE(bad_port.status().message().find("port"), std::string::npos);
  auto unknown = ParseCommandLine({"--lisen", "x"}, env);
  EXPECT_NE(unknown.status().message().find("--lisen"), std::string::npos);
}

TEST(CliOptionsTest, ParsesIpv6AndAnyAddress) {
  std::string address;
  uint16_t port = 0;
  ASSERT_TRUE(ParseListen("[::1]:8080", &address, &port).ok());
  EXPECT_EQ(address, "::1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(ParseListen(":443", &address, &port).ok());
  EXPECT_EQ(address, "0.0.0.0");
}

TEST(CliOptionsTest, ReadsSharedCredentialsFileProfilesAndKvsLines) {
  auto parsed = ParseCredentialsFile(
      "[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n"
      "[other]\naws_access_key_id=AK2\naws_secret_access_key=SK2\n"
      "CREDENTIALS AK3 SK3\n");
  ASSERT_TRUE(parsed.ok());
  std::map<std::string, std::string> keys;
  for (const aws::Credentials& c : *parsed) keys[c.access_key_id] = c.secret_access_key;
  EXPECT_EQ(keys, (std::map<std::string, std::string>{{"AK1", "SK1"}, {"AK2", "SK2"}, {"AK3", "SK3"}}));
  EXPECT_FALSE(ParseCredentialsFile("# nothing\n").ok());
}

}  // namespace
}  // namespace kedge::ingest
