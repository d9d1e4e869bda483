// Firehose PutRecord(Batch) into newline-delimited delivery files.
#include <gtest/gtest.h>

#include "ingest/firehose/delivery_writer.h"
#include "platform/crypto.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/support/test_util.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

// All files under `dir`, recursively, by path.
std::vector<std::string> FilesUnder(Env& env, const std::string& dir) {
  std::vector<std::string> files;
  StatusOr<std::vector<std::string>> names = env.ListDir(dir);
  if (!names.ok()) return files;
  std::sort(names->begin(), names->end());
  for (const std::string& name : *names) {
    std::string path = dir + "/" + name;
    std::vector<std::string> below = FilesUnder(env, path);
    if (below.empty() && env.FileSize(path).ok() && !env.ListDir(path).ok()) {
      files.push_back(path);
    }
    files.insert(files.end(), below.begin(), below.end());
  }
  return files;
}

std::string ReadAllFiles(Env& env, const std::vector<std::string>& files) {
  std::string all;
  for (const std::string& f : files) all += env.ReadFile(f).value_or("");
  return all;
}

class FirehoseApiTest : public testing::IngestServerTest {};

TEST_F(FirehoseApiTest, WritesBatchesAsNewlineDelimitedFiles) {
  json input = {{"DeliveryStreamName", "events"},
                {"Records",
                 {{{"Data", Base64Encode("{\"a\":1}\n")}}, {{"Data", Base64Encode("{\"b\":2}")}}}}};
  testing::Reply reply = testing::CallJson(url_, "Firehose_20150804.PutRecordBatch", input);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Json()["FailedPutCount"], 0);
  ASSERT_EQ(reply.Json()["RequestResponses"].size(), 2u);
  EXPECT_FALSE(reply.Json()["RequestResponses"][0]["RecordId"].get<std::string>().empty());
  testing::Reply single = testing::CallJson(url_, "Firehose_20150804.PutRecord",
                                            {{"DeliveryStreamName", "events"},
                                             {"Record", {{"Data", Base64Encode("third")}}}});
  ASSERT_EQ(single.status, 200) << single.body;

  Env& env = Env::Default();
  std::vector<std::string> files = FilesUnder(env, data_dir_ + "/firehose/events");
  ASSERT_EQ(files.size(), 1u);
  // <stream>/YYYY/MM/DD/HH/<stream>-1-...: 2026-01-01T00 on the test clock.
  EXPECT_NE(files[0].find("/events/2026/01/01/00/events-1-2026-01-01-00-00-00-"), std::string::npos)
      << files[0];
  EXPECT_EQ(ReadAllFiles(env, files), "{\"a\":1}\n{\"b\":2}\nthird\n");

  testing::Reply list = testing::CallJson(url_, "Firehose_20150804.ListDeliveryStreams", json::object());
  EXPECT_EQ(list.Json()["DeliveryStreamNames"], json::array({"events"}));
}

TEST_F(FirehoseApiTest, RejectsBadNamesAndOversizeRecords) {
  testing::Reply traversal = testing::CallJson(
      url_, "Firehose_20150804.PutRecordBatch",
      {{"DeliveryStreamName", "../etc"}, {"Records", {{{"Data", Base64Encode("x")}}}}});
  EXPECT_EQ(traversal.status, 400);
  EXPECT_EQ(traversal.Json()["__type"], "InvalidArgumentException");
  testing::Reply big = testing::CallJson(
      url_, "Firehose_20150804.PutRecord",
      {{"DeliveryStreamName", "s"}, {"Record", {{"Data", Base64Encode(std::string(1024001, 'x'))}}}});
  EXPECT_EQ(big.Json()["__type"], "InvalidArgumentException");
  testing::Reply missing = testing::CallJson(url_, "Firehose_20150804.DescribeDeliveryStream",
                                             {{"DeliveryStreamName", "never"}});
  EXPECT_EQ(missing.Json()["__type"], "ResourceNotFoundException");
}

TEST(DeliveryWriterTest, RotatesFilesBySizeAndByAge) {
  std::string dir = kedge::testing::MakeTempDir("kedge-firehose");
  FakeClock clock;
  Env& env = Env::Default();
  DeliveryWriter writer(dir, 10, std::chrono::seconds(60), clock, env);
  ASSERT_TRUE(writer.Append("s", {"0123456789"}).ok());  // 11 bytes: full
  ASSERT_TRUE(writer.Append("s", {"a"}).ok());           // a new file
  EXPECT_EQ(FilesUnder(env, dir + "/s").size(), 2u);
  ASSERT_TRUE(writer.Append("s", {"b"}).ok());  // same file (4 bytes)
  EXPECT_EQ(FilesUnder(env, dir + "/s").size(), 2u);
  clock.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(writer.Append("s", {"c"}).ok());  // too old: a new file
  std::vector<std::string> files = FilesUnder(env, dir + "/s");
  EXPECT_EQ(files.size(), 3u);
  EXPECT_EQ(ReadAllFiles(env, files), "0123456789\na\nb\nc\n");
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
}

}  // namespace
}  // namespace kedge::ingest
