// GetMedia as a live tail: stored fragments from each StartSelector, then fragments uploaded
// while the response is open, in one chunked MKV stream that ends only when the client closes.
#include <gtest/gtest.h>

#include <map>

#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr char kTag[] = "AWS_KINESISVIDEO_FRAGMENT_NUMBER";

// The body of a chunked HTTP response, as far as whole chunks have arrived.
std::string Dechunk(const std::string& raw, bool* ended = nullptr) {
  std::string body;
  size_t pos = raw.find("\r\n\r\n");
  if (pos == std::string::npos) return body;
  pos += 4;
  while (true) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) {
      if (ended) *ended = true;
      break;
    }
    if (raw.size() < eol + 2 + size + 2) break;
    body.append(raw, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return body;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class GetMediaTest : public testing::IngestServerTest {
 protected:
  void Configure(IngestOptions* options) override {
    options->http.response_stream_tick_interval = std::chrono::milliseconds(50);  // polls
  }
  void SetUp() override {
    IngestServerTest::SetUp();
    ASSERT_EQ(Call("/createStream", {{"StreamName", "cam"}, {"DataRetentionInHours", 24}}).status, 200);
    first_ = Upload(3);
  }
  testing::Reply Call(const std::string& path, const json& input) {
    return testing::Post(url_ + path, input.dump(), {{"Content-Type", "application/json"}});
  }
  // Uploads one PutMedia session of `fragments` 1-second fragments; returns their numbers.
  std::vector<std::string> Upload(int fragments) {
    testing::MkvStream mkv = testing::MakeMkvStream(clock_, fragments, 25);
    testing::RawConnection conn(server_->port());
    conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              "x-amzn-stream-name: cam\r\n\r\n");
    conn.SendChunk(mkv.All());
    conn.SendChunk("");
    std::string acks = conn.ReadAll();
    std::vector<std::string> numbers;
    for (size_t at = acks.find("\"PERSISTED\""); at != std::string::npos;
         at = acks.find("\"PERSISTED\"", at + 1)) {
      size_t n = acks.find("\"FragmentNumber\":\"", at) + 18;
      numbers.push_back(acks.substr(n, acks.find('"', n) - n));
    }
    EXPECT_EQ(numbers.size(), static_cast<size_t>(fragments)) << acks;
    clock_.Advance(std::chrono::seconds(fragments + 1));  // the next session starts later
    return numbers;
  }
  // Opens GetMedia and reads until `fragments` fragments arrived.
  std::unique_ptr<testing::RawConnection> Open(const json& selector) {
    auto conn = std::make_unique<testing::RawConnection>(server_->port());
    std::string body = json{{"StreamName", "cam"}, {"StartSelector", selector}}.dump();
    conn->Send("POST /getMedia HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return conn;
  }
  // Reads until `count` fragments have arrived; returns their fragment numbers.
  std::vector<std::string> ReadFragments(testing::RawConnection& conn, size_t count) {
    while (CountOf(Dechunk(conn.received()), kTag) < count && conn.ReadMore()) {
    }
    std::string body = Dechunk(conn.received());
    video::mkv::MkvParser::Options options;
    options.allow_multiple_segments = true;
    auto split = video::mkv::SplitMkv(reinterpret_cast<const uint8_t*>(body.data()), body.size(), options);
    EXPECT_TRUE(split.ok()) << split.status().ToString();
    std::vector<std::string> numbers;
    if (!split.ok()) return numbers;
    for (const auto& fragment : split->fragments) {
      for (const auto& tag : fragment.tags) {
        if (tag.name == kTag) numbers.push_back(tag.value);
      }
    }
    return numbers;
  }

  std::vector<std::string> first_;
};

TEST_F(GetMediaTest, EarliestSendsStoredFragmentsAndKeepsTheResponseOpen) {
  auto conn = Open({{"StartSelectorType", "EARLIEST"}});
  EXPECT_EQ(ReadFragments(*conn, 3), first_);
  EXPECT_NE(conn->received().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(conn->received().find("Content-Type: video/webm"), std::string::npos);
  bool ended = false;
  Dechunk(conn->received(), &ended);
  EXPECT_FALSE(ended) << "a live tail does not end while the stream exists";
}

TEST_F(GetMediaTest, NowSendsOnlyFragmentsUploadedWhileItIsOpen) {
  auto conn = Open({{"StartSelectorType", "NOW"}});
  conn->ReadUntil("\r\n\r\n");
  ASSERT_NE(conn->received().find("HTTP/1.1 200"), std::string::npos) << conn->received();
  std::vector<std::string> second = Upload(2);
  EXPECT_EQ(ReadFragments(*conn, 2), second);
}

TEST_F(GetMediaTest, EarliestThenFollowsAConcurrentUpload) {
  auto conn = Open({{"StartSelectorType", "EARLIEST"}});
  ASSERT_EQ(ReadFragments(*conn, 3).size(), 3u);
  // A PutMedia session in progress: each fragment reaches the reader while the upload goes on.
  testing::MkvStream mkv = testing::MakeMkvStream(clock_, 3, 25);
  testing::RawConnection upload(server_->port());
  upload.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              "x-amzn-stream-name: cam\r\n\r\n");
  upload.SendChunk(mkv.header + mkv.fragments[0]);
  for (size_t i = 1; i < mkv.fragments.size(); ++i) {
    upload.SendChunk(mkv.fragments[i]);  // completes fragment i-1
    std::vector<std::string> seen = ReadFragments(*conn, 3 + i);
    ASSERT_EQ(seen.size(), 3 + i);
    EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.begin() + 3), first_);
  }
  upload.SendChunk("");
  upload.ReadAll();
  EXPECT_EQ(ReadFragments(*conn, 6).size(), 6u);
}

TEST_F(GetMediaTest, FragmentNumberStartsAtThatFragment) {
  auto conn = Open({{"StartSelectorType", "FRAGMENT_NUMBER"}, {"AfterFragmentNumber", first_[1]}});
  std::vector<std::string> second = Upload(1);
  EXPECT_EQ(ReadFragments(*conn, 2), (std::vector<std::string>{first_[1], first_[2]}));
  EXPECT_EQ(ReadFragments(*conn, 3).back(), second[0]);
}

TEST_F(GetMediaTest, ContinuationTokenStartsAfterThatFragment) {
  auto conn = Open({{"StartSelectorType", "CONTINUATION_TOKEN"}, {"ContinuationToken", first_[0]}});
  EXPECT_EQ(ReadFragments(*conn, 2), (std::vector<std::string>{first_[1], first_[2]}));
}

TEST_F(GetMediaTest, TimestampSelectorsSkipOlderFragments) {
  json listed = Call("/listFragments", {{"StreamName", "cam"}}).Json()["Fragments"];
  ASSERT_EQ(listed.size(), 3u);
  double third_producer = listed[2]["ProducerTimestamp"].get<double>();
  auto by_producer = Open({{"StartSelectorType", "PRODUCER_TIMESTAMP"}, {"StartTimestamp", third_producer}});
  std::vector<std::string> second = Upload(1);
  EXPECT_EQ(ReadFragments(*by_producer, 2), (std::vector<std::string>{first_[2], second[0]}));

  double second_server = Call("/listFragments", {{"StreamName", "cam"}}).Json()["Fragments"][3]["ServerTimestamp"];
  auto by_server = Open({{"StartSelectorType", "SERVER_TIMESTAMP"}, {"StartTimestamp", second_server}});
  EXPECT_EQ(ReadFragments(*by_server, 1), second);
}

TEST_F(GetMediaTest, DeletingTheStreamEndsTheResponse) {
  auto conn = Open({{"StartSelectorType", "EARLIEST"}});
  ASSERT_EQ(ReadFragments(*conn, 3).size(), 3u);
  json described = Call("/describeStream", {{"StreamName", "cam"}}).Json();
  ASSERT_EQ(Call("/deleteStream", {{"StreamARN", described["StreamInfo"]["StreamARN"]}}).status, 200);
  conn->ReadAll();
  bool ended = false;
  Dechunk(conn->received(), &ended);
  EXPECT_TRUE(ended);
}

TEST_F(GetMediaTest, AnswersBadRequestsBeforeStreaming) {
  testing::Reply unknown = testing::Post(
      url_ + "/getMedia",
      json{{"StreamName", "nope"}, {"StartSelector", {{"StartSelectorType", "NOW"}}}}.dump(), {});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("x-amzn-ErrorType").substr(0, 25), "ResourceNotFoundException");
  testing::Reply bad = Call("/getMedia", {{"StreamName", "cam"}, {"StartSelector", {{"StartSelectorType", "LATER"}}}});
  EXPECT_EQ(bad.status, 400);
  testing::Reply wrong_type = Call("/getMedia", {{"StreamName", "cam"},
                                                 {"StartSelector", {{"StartSelectorType", "FRAGMENT_NUMBER"},
                                                                    {"AfterFragmentNumber", "12"}}}});
  EXPECT_EQ(wrong_type.status, 400);
}

}  // namespace
}  // namespace kedge::ingest
