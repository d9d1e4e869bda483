#include "platform/rotating_log_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace kedge {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class RotatingLogFileTest : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_ = testing::MakeTempDir("kedge-logrot");
  std::string path_ = dir_ + "/kedge.log";
};

TEST_F(RotatingLogFileTest, KeepsTheNewestFilesUnderTheLimitWithEveryLineWhole) {
  RotatingLogFile log(path_, 1000, 2);
  ASSERT_TRUE(log.Open().ok());
  // 100 lines of 99 bytes + newline: ten files' worth; only the last three files remain.
  for (int i = 0; i < 100; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    line.resize(99, 'x');
    log.Write(line);
  }
  EXPECT_EQ(log.rotations(), 9u);
  EXPECT_FALSE(fs::exists(path_ + ".3"));
  std::vector<std::string> all;
  for (const std::string& p : {path_ + ".2", path_ + ".1", path_}) {
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_LE(fs::file_size(p), 1000u) << p;
    for (const std::string& line : Lines(p)) all.push_back(line);
  }
  ASSERT_EQ(all.size(), 30u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].size(), 99u);
    EXPECT_EQ(all[i].rfind("line " + std::to_string(70 + i) + " ", 0), 0u) << all[i];
  }
}

TEST_F(RotatingLogFileTest, AppendsToTheExistingFileAndRotatesAnOversizeOneAtOpen) {
  {
    RotatingLogFile log(path_, 1000, 3);
    ASSERT_TRUE(log.Open().ok());
    log.Write("first run");
  }
  {
    RotatingLogFile log(path_, 1000, 3);
    ASSERT_TRUE(log.Open().ok());
    log.Write("second run");
    EXPECT_EQ(log.rotations(), 0u);
  }
  EXPECT_EQ(Lines(path_), (std::vector<std::string>{"first run", "second run"}));

  std::ofstream(path_, std::ios::app) << std::string(2000, 'y') << "\n";  // a crash loop's log
  RotatingLogFile log(path_, 1000, 3);
  ASSERT_TRUE(log.Open().ok());
  log.Write("third run");
  EXPECT_EQ(log.rotations(), 1u);
  EXPECT_EQ(Lines(path_), std::vector<std::string>{"third run"});
  EXPECT_EQ(Lines(path_ + ".1").front(), "first run");
}

TEST_F(RotatingLogFileTest, HooksRunAroundEachRotation) {
  RotatingLogFile log(path_, 100, 1);
  std::vector<std::string> calls;
  log.SetRotationHooks([&] { calls.push_back("before"); }, [&] { calls.push_back("after"); });
  ASSERT_TRUE(log.Open().ok());
  for (int i = 0; i < 3; ++i) log.Write(std::string(60, 'z'));
  EXPECT_EQ(calls, (std::vector<std::string>{"before", "after", "before", "after"}));
  EXPECT_TRUE(fs::exists(path_ + ".1"));
  EXPECT_FALSE(fs::exists(path_ + ".2"));
}

TEST_F(RotatingLogFileTest, AnUnwritableDirectoryIsAClearError) {
  RotatingLogFile log(dir_ + "/missing/kedge.log", 1000, 2);
  Status s = log.Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing/kedge.log"), std::string::npos) << s.ToString();
  log.Write("goes nowhere, without crashing");
}

}  // namespace
}  // namespace kedge
