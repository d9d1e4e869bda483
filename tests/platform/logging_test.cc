#include "platform/logging.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kedge {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Logger::Get().SetLevel(LogLevel::kInfo);
    Logger::Get().SetSink([this](LogLevel, std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    Logger::Get().ResetSink();
    Logger::Get().SetLevel(LogLevel::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LoggingTest, WritesLevelFileAndMessage) {
  KEDGE_LOG(kWarn) << "spool at " << 42 << "%";
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("warn logging_test.cc:"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("] spool at 42%"), std::string::npos) << lines_[0];
}

TEST_F(LoggingTest, DropsLinesBelowLevel) {
  KEDGE_LOG(kDebug) << "hidden";
  Logger::Get().SetLevel(LogLevel::kError);
  KEDGE_LOG(kWarn) << "hidden too";
  KEDGE_LOG(kError) << "shown";
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("shown"), std::string::npos);
}

TEST_F(LoggingTest, NeverPrintsRegisteredSecretsOrSignatures) {
  Logger::Get().AddSecret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  KEDGE_LOG(kError) << "bad secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY in config; "
                    << "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, "
                    << "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find("wJalrXUtnFEMI"), std::string::npos) << lines_[0];
  EXPECT_EQ(lines_[0].find("5d672d79"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("Signature=****"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("bad secret **** in config"), std::string::npos) << lines_[0];
}

TEST_F(LoggingTest, RateLimitedCallSiteLogsOncePerPeriod) {
  for (int i = 0; i < 5; ++i) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::hours(1)) << "endpoint down " << i;
  }
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("endpoint down 0"), std::string::npos);
}

TEST(LogLevelTest, ParsesNames) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("warning", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  ASSERT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace kedge
