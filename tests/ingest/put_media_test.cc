// PutMedia sessions driven directly (deterministic, FakeClock) and over HTTP.
#include "ingest/kvs/put_media.h"

#include <gtest/gtest.h>

#include <random>

#include "ingest/kvs/put_media_ack.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"
#include "tests/support/test_util.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;
using testing::MakeMkvStream;
using testing::MkvStream;

class RecordingStream : public ResponseStream {
 public:
  void Write(std::string data) override {
    if (!finished) text += data;
  }
  void Finish() override { finished = true; }
  size_t queued_bytes() const override { return 0; }
  std::vector<json> Acks() const {
    std::vector<json> acks;
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      acks.push_back(json::parse(text.substr(start, nl - start)));
    }
    return acks;
  }
  std::vector<std::string> Events() const {
    std::vector<std::string> events;
    for (const json& ack : Acks()) events.push_back(ack["EventType"]);
    return events;
  }
  std::string text;
  bool finished = false;
};

class PutMediaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = kedge::testing::MakeTempDir("kedge-putmedia");
    db_ = std::move(Database::Open(dir_ + "/ingest.db")).value();
    store_ = std::move(KvsStore::Open(*db_, clock_)).value();
    files_ = std::make_unique<FragmentFiles>(dir_, Env::Default());
    service_ = std::make_unique<PutMediaService>(*store_, *files_, clock_);
    KvsStream stream;
    stream.name = "cam";
    stream.retention_hours = 1;
    ASSERT_TRUE(store_->CreateStream(stream, "us-east-1", "000000000000", {}).ok());
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  std::unique_ptr<StreamHandler> Open(RecordingStream& out,
                                      net::Headers headers = {{"x-amzn-stream-name", "cam"}}) {
    HttpRequest head;
    head.method = "POST";
    head.path = "/putMedia";
    head.headers = std::move(headers);
    StreamStart start = service_->Open(head, out);
    EXPECT_FALSE(start.rejection.has_value()) << start.rejection->body;
    return std::move(start.handler);
  }
  std::vector<KvsFragment> Stored() {
    FragmentQuery q;
    q.stream_id = store_->GetStream("cam")->id;
    return store_->ListFragments(q).value_or(std::vector<KvsFragment>());
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<KvsStore> store_;
  std::unique_ptr<FragmentFiles> files_;
  std::unique_ptr<PutMediaService> service_;
};

TEST_F(PutMediaTest, AcknowledgesEachFragmentAsItArrivesAndStoresIt) {
  MkvStream mkv = MakeMkvStream(clock_, 3);
  RecordingStream out;
  auto session = Open(out);
  session->OnBody(mkv.header + mkv.fragments[0]);
  EXPECT_EQ(out.Events(), (std::vector<std::string>{"BUFFERING"}));
  session->OnBody(mkv.fragments[1]);
  EXPECT_EQ(out.Events(),
            (std::vector<std::string>{"BUFFERING", "RECEIVED", "PERSISTED", "BUFFERING"}));
  session->OnBody(mkv.fragments[2]);
  session->OnEnd(Status::Ok());
  std::vector<json> acks = out.Acks();
  ASSERT_EQ(acks.size(), 9u);
  EXPECT_EQ(acks[8]["EventType"], "PERSISTED");
  EXPECT_EQ(acks[0]["FragmentTimecode"], mkv.timecodes[0]);
  EXPECT_EQ(acks[8]["FragmentTimecode"], mkv.timecodes[2]);
  EXPECT_LT(acks[0]["FragmentNumber"].get<std::string>(), acks[8]["FragmentNumber"].get<std::string>());

  std::vector<KvsFragment> stored = Stored();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].producer_ms, static_cast<int64_t>(mkv.timecodes[0]));
  EXPECT_EQ(stored[0].server_ms, ToUnixMillis(clock_.WallNow()));
  EXPECT_EQ(stored[1].size, static_cast<int64_t>(mkv.fragments[1].size()));
  EXPECT_EQ(stored[1].duration_ms, 200);
  EXPECT_EQ(files_->Read(stored[2].path).value_or(""), mkv.fragments[2]);
  EXPECT_EQ(files_->Read(*store_->HeaderPath(stored[0].header_id)).value_or(""), mkv.header);
}

TEST_F(PutMediaTest, AcceptsBodiesSplitAtAnyByte) {
  MkvStream mkv = MakeMkvStream(clock_, 2);
  std::string all = mkv.All();
  RecordingStream out;
  auto session = Open(out);
  for (char c : all) session->OnBody(std::string_view(&c, 1));
  session->OnEnd(Status::Ok());
  EXPECT_EQ(out.Events().size(), 6u);
  EXPECT_EQ(Stored().size(), 2u);
}

TEST_F(PutMediaTest, RejectsInvalidMkvWithError4006) {
  RecordingStream out;
  auto session = Open(out);
  session->OnBody("this is not matroska at all");
  std::vector<json> acks = out.Acks();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]["EventType"], "ERROR");
  EXPECT_EQ(acks[0]["ErrorId"], 4006);
  EXPECT_EQ(acks[0]["ErrorCode"], "INVALID_MKV_DATA");
  EXPECT_TRUE(out.finished);
}

TEST_F(PutMediaTest, RejectsTimecodesGoingBackWithError4004) {
  MkvStream mkv = MakeMkvStream(clock_, 2);
  RecordingStream out;
  auto session = Open(out);
  session->OnBody(mkv.header + mkv.fragments[1] + mkv.fragments[0]);
  session->OnEnd(Status::Ok());
  std::vector<json> acks = out.Acks();
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back()["ErrorId"], 4004);
  EXPECT_EQ(acks.back()["ErrorCode"], "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS");
  EXPECT_EQ(Stored().size(), 1u);
}

TEST_F(PutMediaTest, DropsTheFragmentOfATruncatedUpload) {
  MkvStream mkv = MakeMkvStream(clock_, 2);
  RecordingStream out;
  auto session = Open(out);
  session->OnBody(mkv.header + mkv.fragments[0] + mkv.fragments[1].substr(0, 50));
  session->OnEnd(UnavailableError("peer went away"));
  std::vector<KvsFragment> stored = Stored();
  ASSERT_EQ(stored.size(), 1u);  // the complete first fragment only
  EXPECT_EQ(stored[0].timecode, mkv.timecodes[0]);
}

TEST_F(PutMediaTest, SendsIdleAndClosesAfterThirtySecondsWithoutData) {
  MkvStream mkv = MakeMkvStream(clock_, 1);
  RecordingStream out;
  auto session = Open(out);
  session->OnBody(mkv.header + mkv.fragments[0]);
  session->OnTick();
  EXPECT_EQ(out.Events(), (std::vector<std::string>{"BUFFERING"}));
  clock_.Advance(std::chrono::milliseconds(1500));
  session->OnTick();
  EXPECT_EQ(out.Events().back(), "IDLE");
  EXPECT_FALSE(out.finished);
  clock_.Advance(std::chrono::seconds(30));
  session->OnTick();
  EXPECT_TRUE(out.finished);
}

TEST_F(PutMediaTest, SkipsPersistedWhenRetentionIsZero) {
  KvsStream stream;
  stream.name = "live";
  ASSERT_TRUE(store_->CreateStream(stream, "us-east-1", "000000000000", {}).ok());
  MkvStream mkv = MakeMkvStream(clock_, 1);
  RecordingStream out;
  auto session = Open(out, {{"x-amzn-stream-name", "live"}});
  session->OnBody(mkv.All());
  session->OnEnd(Status::Ok());
  EXPECT_EQ(out.Events(), (std::vector<std::string>{"BUFFERING", "RECEIVED"}));
}

TEST_F(PutMediaTest, RejectsUnknownStreamsAndBadHeadersBeforeStreaming) {
  RecordingStream out;
  HttpRequest head;
  head.headers = {{"x-amzn-stream-name", "nope"}};
  StreamStart missing = service_->Open(head, out);
  ASSERT_TRUE(missing.rejection.has_value());
  EXPECT_EQ(missing.rejection->status, 404);
  head.headers = {{"x-amzn-stream-name", "cam"}, {"x-amzn-fragment-timecode-type", "SIDEWAYS"}};
  EXPECT_EQ(service_->Open(head, out).rejection->status, 400);
  head.headers = {};
  EXPECT_EQ(service_->Open(head, out).rejection->status, 400);
}

TEST_F(PutMediaTest, RelativeTimecodesAddTheProducerStart) {
  MkvStream mkv = MakeMkvStream(clock_, 1);
  RecordingStream out;
  auto session = Open(out, {{"x-amzn-stream-name", "cam"},
                            {"x-amzn-fragment-timecode-type", "RELATIVE"},
                            {"x-amzn-producer-start-timestamp", "1000.5"}});
  session->OnBody(mkv.All());
  session->OnEnd(Status::Ok());
  ASSERT_EQ(Stored().size(), 1u);
  EXPECT_EQ(Stored()[0].producer_ms, 1000500 + static_cast<int64_t>(mkv.timecodes[0]));
}

TEST(ProducerStartTimestampTest, ParsesDecimalSeconds) {
  EXPECT_EQ(*ParseProducerStartTimestamp("1615717079.836"), 1615717079836);
  EXPECT_EQ(*ParseProducerStartTimestamp("1615717079"), 1615717079000);
  EXPECT_EQ(*ParseProducerStartTimestamp("1615717079.5"), 1615717079500);
  EXPECT_FALSE(ParseProducerStartTimestamp("soon").ok());
  EXPECT_FALSE(ParseProducerStartTimestamp("-1").ok());
}

TEST(PutMediaAckTest, FormatsTheServiceAckLines) {
  EXPECT_EQ(FormatAck({AckEvent::kIdle, std::nullopt, std::nullopt, 0, ""}),
            "{\"EventType\":\"IDLE\"}\n");
  std::string error = FormatAck({AckEvent::kError, 17, 5, 4006, "INVALID_MKV_DATA"});
  EXPECT_EQ(error,
            "{\"EventType\":\"ERROR\",\"FragmentTimecode\":17,\"FragmentNumber\":"
            "\"91343852333000000000000000000000000000000000005\",\"ErrorId\":4006,"
            "\"ErrorCode\":\"INVALID_MKV_DATA\"}\n");
}

// Over HTTP: ACKs arrive on the same connection while the upload continues.
class PutMediaHttpTest : public testing::IngestServerTest {};

TEST_F(PutMediaHttpTest, StreamsAcksWhileTheUploadContinues) {
  ASSERT_EQ(testing::Post(url_ + "/createStream",
                          json{{"StreamName", "door"}, {"DataRetentionInHours", 24}}.dump(), {})
                .status,
            200);
  MkvStream mkv = MakeMkvStream(clock_, 3);
  testing::RawConnection conn(server_->port());
  conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "x-amzn-stream-name: door\r\nx-amzn-fragment-timecode-type: ABSOLUTE\r\n\r\n");
  conn.SendChunk(mkv.header + mkv.fragments[0]);
  EXPECT_NE(conn.ReadUntil("BUFFERING").find("HTTP/1.1 200"), std::string::npos);
  conn.SendChunk(mkv.fragments[1]);
  EXPECT_NE(conn.ReadUntil("PERSISTED").find("\"PERSISTED\""), std::string::npos);
  conn.SendChunk(mkv.fragments[2]);
  conn.SendChunk("");
  std::string all = conn.ReadAll();
  size_t persisted = 0;
  for (size_t at = 0; (at = all.find("PERSISTED", at)) != std::string::npos; ++at) ++persisted;
  EXPECT_EQ(persisted, 3u);
  EXPECT_NE(all.find(std::to_string(mkv.timecodes[2])), std::string::npos);
}

TEST_F(PutMediaHttpTest, AnswersUnknownStreamWith404) {
  testing::RawConnection conn(server_->port());
  conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "x-amzn-stream-name: ghost\r\n\r\n");
  std::string answer = conn.ReadAll();
  EXPECT_NE(answer.find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(answer.find("ResourceNotFoundException"), std::string::npos);
}

}  // namespace
}  // namespace kedge::ingest

namespace kedge::ingest {
namespace {

TEST_F(PutMediaHttpTest, AnswersStreamNamesThatAreNotUtf8) {
  testing::RawConnection conn(server_->port());
  conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "x-amzn-stream-name: \xff\xfe\x80\r\n\r\n");
  EXPECT_NE(conn.ReadAll().find("HTTP/1.1 404"), std::string::npos);
  EXPECT_EQ(testing::Post(url_ + "/listStreams", "{}", {}).status, 200);  // still serving
}

}  // namespace
}  // namespace kedge::ingest

namespace kedge::ingest {
namespace {

// Mutated uploads (bytes flipped, cut short, split at random points) end with stored fragments
// or an ERROR ACK, never a crash, and every ACK line stays valid JSON.
TEST_F(PutMediaTest, SurvivesCorruptedAndTruncatedUploads) {
  MkvStream mkv = MakeMkvStream(clock_, 3, 5, 300);
  std::string clean = mkv.All();
  std::mt19937 random(1234);
  for (int round = 0; round < 300; ++round) {
    std::string body = clean;
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) body[random() % body.size()] = static_cast<char>(random());
    if (round % 3 == 0) body.resize(random() % body.size());
    RecordingStream out;
    auto session = Open(out);
    size_t at = 0;
    while (at < body.size()) {
      size_t n = 1 + random() % 700;
      session->OnBody(std::string_view(body).substr(at, n));
      at += n;
    }
    session->OnEnd(round % 2 == 0 ? Status::Ok() : UnavailableError("cut"));
    for (const json& ack : out.Acks()) {
      ASSERT_TRUE(ack.contains("EventType")) << round;
      if (ack["EventType"] == "ERROR") {
        EXPECT_TRUE(ack["ErrorId"].is_number_integer());
      }
    }
  }
  // Whatever was stored is readable and indexed.
  for (const KvsFragment& f : Stored()) EXPECT_EQ(files_->Read(f.path)->size(), static_cast<size_t>(f.size));
}

}  // namespace
}  // namespace kedge::ingest
