#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "agent/processors/csv_to_json.h"
#include "agent/processors/partition_key.h"
#include "agent/processors/processor.h"
#include "platform/crypto.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

class ProcessorsTest : public ::testing::Test {
 protected:
  // Runs one processor of `config` over `line`; nullopt when it refuses the record.
  std::optional<std::string> Run(const ProcessorConfig& config, const std::string& line) {
    ProcessorContext context{clock_, "pi-17", "gateway"};
    StatusOr<std::unique_ptr<Processor>> p = MakeProcessor(config, context);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return std::nullopt;
    SourceRecord record{line, ToUnixMillis(clock_.WallNow()), "/var/log/x"};
    if (!(*p)->Process(&record)) return std::nullopt;
    return record.data;
  }
  FakeClock clock_;
};

ProcessorConfig Config(ProcessorType type) {
  ProcessorConfig c;
  c.type = type;
  return c;
}

TEST_F(ProcessorsTest, SingleLineJoinsTrimmedLines) {
  ProcessorConfig c = Config(ProcessorType::kSingleLine);
  EXPECT_EQ(Run(c, "Exception: boom\n    at a.b(C.java:1)\n    at d.e(F.java:2)\n"),
            "Exception: boom at a.b(C.java:1) at d.e(F.java:2)");
  c.trim = false;
  EXPECT_EQ(Run(c, "a \n b"), "a  b");
}

TEST_F(ProcessorsTest, CsvToJsonNamesColumnsAndHandlesQuotes) {
  ProcessorConfig c = Config(ProcessorType::kCsvToJson);
  c.fields = {"id", "name", "note", "missing"};
  std::optional<std::string> out = Run(c, "7,\"Doe, Jane\",\"said \"\"hi\"\"\"");
  ASSERT_TRUE(out.has_value());
  json j = json::parse(*out);
  EXPECT_EQ(j["id"], "7");
  EXPECT_EQ(j["name"], "Doe, Jane");
  EXPECT_EQ(j["note"], "said \"hi\"");
  EXPECT_TRUE(j["missing"].is_null());
  EXPECT_EQ(out->find("{\"id\""), 0u) << "columns keep their order";
}

TEST_F(ProcessorsTest, CsvToJsonUsesTheDelimiterAndRefusesAnOpenQuote) {
  ProcessorConfig c = Config(ProcessorType::kCsvToJson);
  c.fields = {"a", "b"};
  c.delimiter = '\t';
  EXPECT_EQ(json::parse(*Run(c, "x\ty\tz"))["b"], "y");
  EXPECT_FALSE(Run(c, "\"never closed\tb").has_value());
}

TEST_F(ProcessorsTest, LogToJsonParsesApacheCommon) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kApacheCommon;
  std::optional<std::string> out = Run(
      c, "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326");
  ASSERT_TRUE(out.has_value());
  json j = json::parse(*out);
  EXPECT_EQ(j["host"], "127.0.0.1");
  EXPECT_EQ(j["authuser"], "frank");
  EXPECT_EQ(j["datetime"], "10/Oct/2000:13:55:36 -0700");
  EXPECT_EQ(j["request"], "GET /apache_pb.gif HTTP/1.0");
  EXPECT_EQ(j["response"], "200");
  EXPECT_EQ(j["bytes"], "2326");
}

TEST_F(ProcessorsTest, LogToJsonParsesApacheCombinedWithRenamedFields) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kApacheCombined;
  c.fields = {"client"};
  std::optional<std::string> out =
      Run(c,
          "::1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 404 - "
          "\"http://example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"");
  ASSERT_TRUE(out.has_value());
  json j = json::parse(*out);
  EXPECT_EQ(j["client"], "::1");
  EXPECT_EQ(j["bytes"], "-");
  EXPECT_EQ(j["referrer"], "http://example.com/start.html");
  EXPECT_EQ(j["agent"], "Mozilla/4.08 [en] (Win98; I ;Nav)");
}

TEST_F(ProcessorsTest, LogToJsonParsesSyslogRfc3164) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kSyslogRfc3164;
  json j =
      json::parse(*Run(c, "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick"));
  EXPECT_EQ(j["timestamp"], "Oct 11 22:14:15");
  EXPECT_EQ(j["hostname"], "mymachine");
  EXPECT_EQ(j["program"], "su");
  EXPECT_EQ(j["processid"], "230");
  EXPECT_EQ(j["message"], "'su root' failed for lonvick");
  json k = json::parse(*Run(c, "2026-01-01T10:00:00.123+00:00 pi kernel: usb 1-1: new device"));
  EXPECT_EQ(k["program"], "kernel");
  EXPECT_TRUE(k["processid"].is_null());
  EXPECT_EQ(k["message"], "usb 1-1: new device");
}

TEST_F(ProcessorsTest, LogToJsonParsesSyslogRfc5424) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kSyslogRfc5424;
  json j = json::parse(*Run(c,
                            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
                            "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] "
                            "\xEF\xBB\xBF"
                            "An application event"));
  EXPECT_EQ(j["priority"], "165");
  EXPECT_EQ(j["version"], "1");
  EXPECT_EQ(j["hostname"], "mymachine.example.com");
  EXPECT_EQ(j["appname"], "evntslog");
  EXPECT_TRUE(j["procid"].is_null());
  EXPECT_EQ(j["msgid"], "ID47");
  EXPECT_EQ(j["structureddata"], "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]");
  EXPECT_EQ(j["message"], "An application event");
}

TEST_F(ProcessorsTest, LogToJsonRefusesLinesInAnotherFormat) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kApacheCommon;
  EXPECT_FALSE(Run(c, "just some text").has_value());
  c.log_format = LogFormat::kSyslogRfc5424;
  EXPECT_FALSE(Run(c, "<34>Oct 11 22:14:15 mymachine su: x").has_value());
}

TEST_F(ProcessorsTest, LogToJsonCustomPatternMapsGroupsToFields) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.match_pattern = "^(\\w+)=(\\d+)$";
  c.fields = {"name", "value"};
  json j = json::parse(*Run(c, "temp=21"));
  EXPECT_EQ(j["name"], "temp");
  EXPECT_EQ(j["value"], "21");
}

TEST_F(ProcessorsTest, LogToJsonKeepsAVeryLongSyslogMessageWhole) {
  ProcessorConfig c = Config(ProcessorType::kLogToJson);
  c.log_format = LogFormat::kSyslogRfc3164;
  std::string message(200000, 'm');
  json j = json::parse(*Run(c, "Oct 11 22:14:15 host app: " + message));
  EXPECT_EQ(j["message"].get<std::string>().size(), message.size());
}

TEST_F(ProcessorsTest, AddMetadataWrapsPlainTextAndEmbedsJson) {
  ProcessorConfig c = Config(ProcessorType::kAddMetadata);
  c.add_hostname = true;
  c.metadata = {{"site", "plant-7"}};
  json j = json::parse(*Run(c, "hello"));
  EXPECT_EQ(j["ts"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["device_id"], "pi-17");
  EXPECT_EQ(j["hostname"], "gateway");
  EXPECT_EQ(j["metadata"]["site"], "plant-7");
  EXPECT_EQ(j["data"], "hello");
  json k = json::parse(*Run(c, "{\"t\":21}"));
  EXPECT_EQ(k["data"]["t"], 21);
}

TEST_F(ProcessorsTest, ChainRunsInOrderAndTheSinkCountsDrops) {
  struct Collect : RecordSink {
    Status Accept(RecordBatch b) override {
      batches.push_back(std::move(b));
      return Status::Ok();
    }
    std::vector<RecordBatch> batches;
  } next;
  ProcessorConfig csv = Config(ProcessorType::kCsvToJson);
  csv.fields = {"a"};
  ProcessorConfig meta = Config(ProcessorType::kAddMetadata);
  meta.add_timestamp = false;
  ProcessorContext context{clock_, "dev", "host"};
  auto chain = ProcessorChain::Build({csv, meta}, context);
  ASSERT_TRUE(chain.ok());
  MetricsRegistry metrics;
  ProcessingSink sink(std::move(*chain), next, metrics, "app");
  RecordBatch batch;
  batch.source = "app";
  batch.records = {{"1", 0, ""}, {"\"open", 0, ""}, {"2", 0, ""}};
  batch.checkpoints = {{"k", "blob"}};
  ASSERT_TRUE(sink.Accept(std::move(batch)).ok());
  ASSERT_EQ(next.batches.size(), 1u);
  ASSERT_EQ(next.batches[0].records.size(), 2u);
  EXPECT_EQ(next.batches[0].records[0].data, "{\"device_id\":\"dev\",\"data\":{\"a\":\"1\"}}");
  EXPECT_EQ(next.batches[0].checkpoints.size(), 1u);
  EXPECT_EQ(metrics.GetCounter("kedge_processor_dropped_total", "", {{"source", "app"}}).value(),
            1u);
}

TEST(PartitionKeyerTest, EachModeGivesTheDocumentedKey) {
  SourceRecord r{"{\"device_id\":\"pi-3\",\"n\":5}", 0, "sensors/pi-3"};
  EXPECT_EQ(*PartitionKeyer(PartitionKeyMode::kFixed, "k1", 1).KeyFor(r), "k1");
  EXPECT_EQ(*PartitionKeyer(PartitionKeyMode::kTopic, "", 1).KeyFor(r), "sensors/pi-3");
  EXPECT_EQ(*PartitionKeyer(PartitionKeyMode::kDeterministic, "", 1).KeyFor(r),
            HexEncode(Md5(r.data)));
  EXPECT_EQ(*PartitionKeyer(PartitionKeyMode::kField, "device_id", 1).KeyFor(r), "pi-3");
  EXPECT_EQ(*PartitionKeyer(PartitionKeyMode::kField, "n", 1).KeyFor(r), "5");
  PartitionKeyer random(PartitionKeyMode::kRandom, "", 42);
  std::string a = *random.KeyFor(r), b = *random.KeyFor(r);
  EXPECT_NE(a, b);
  EXPECT_FALSE(a.empty());
}

// Random keys come from a fixed pool, so the producer's hash-key cache (4096) holds them all.
TEST(PartitionKeyerTest, RandomKeysComeFromAPoolThatFitsTheHashKeyCache) {
  PartitionKeyer random(PartitionKeyMode::kRandom, "", 7);
  std::set<std::string> seen;
  for (int i = 0; i < 100000; ++i) seen.insert(*random.KeyFor({"x", 0, ""}));
  EXPECT_LE(seen.size(), PartitionKeyer::kRandomKeys);
  EXPECT_GT(seen.size(), PartitionKeyer::kRandomKeys * 9 / 10) << "the pool is used evenly";
}

TEST(PartitionKeyerTest, MissingFieldIsNotFound) {
  PartitionKeyer keyer(PartitionKeyMode::kField, "device_id", 1);
  EXPECT_EQ(keyer.KeyFor({"{\"other\":1}", 0, ""}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(keyer.KeyFor({"not json", 0, ""}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(keyer.KeyFor({"{\"device_id\":\"\"}", 0, ""}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kedge::agent
