#include "agent/sinks/file/json_lines_file_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/crypto.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(JsonLinesFileSinkTest, AppendsOneJsonLinePerRecord) {
  std::string dir = testing::MakeTempDir("kedge-filesink");
  std::string path = dir + "/out.jsonl";
  {
    auto sink = JsonLinesFileSink::Open(path, /*sync=*/true);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    kpl::SpooledRecord text{1, "logs", "k1", "", "hello \"world\"\nline two", 1767225600123, 0};
    kpl::SpooledRecord binary{2, "logs", "k2", "42", std::string("\xff\x00\x01", 3), 1767225600000,
                              0};
    ASSERT_TRUE((*sink)->Write({text, binary}).ok());
  }
  {
    auto again = JsonLinesFileSink::Open(path, false);  // appends after a restart
    ASSERT_TRUE((*again)
                    ->Write({{3, "logs", "k3", "", "third", 1767225601000, 0},
                             {4, "logs", "k4", "", "{\n  \"t\": 21\n}", 1767225601000, 0}})
                    .ok());
  }
  std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 4u);
  nlohmann::json a = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(a["id"], 1);
  EXPECT_EQ(a["ts"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(a["partition_key"], "k1");
  EXPECT_EQ(a["data"], "hello \"world\"\nline two");
  nlohmann::json b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(b["explicit_hash_key"], "42");
  EXPECT_EQ(b["data_base64"], Base64Encode(std::string("\xff\x00\x01", 3)));
  EXPECT_FALSE(b.contains("data"));
  EXPECT_EQ(nlohmann::json::parse(lines[2])["data"], "third");
  EXPECT_EQ(nlohmann::json::parse(lines[3])["data"]["t"], 21) << "JSON is embedded on one line";
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

TEST(JsonLinesFileSinkTest, UnwritableDirectoryIsAClearError) {
  auto sink = JsonLinesFileSink::Open("/nonexistent-dir/out.jsonl", false);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("file sink /nonexistent-dir/out.jsonl"),
            std::string::npos);
}

}  // namespace
}  // namespace kedge::agent
