#include "agent/sources/mqtt/mqtt_record.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "agent/sources/mqtt/dead_letter_box.h"

namespace kedge::agent {
namespace {

constexpr uint64_t kMax = 1024000;

MqttMessage Message(std::string topic, std::string payload) {
  MqttMessage m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.received_ms = 1767225600123;
  return m;
}

TEST(MqttRecordBuilderTest, RawRecordIsThePayloadAsIs) {
  MqttRecordBuilder b(false, PartitionKeyMode::kRandom, "", kMax);
  MqttMessage m = Message("s/a", std::string("\x00\xff raw", 6));
  StatusOr<SourceRecord> r = b.Build(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, std::string("\x00\xff raw", 6));
  EXPECT_EQ(r->origin, "s/a");
  EXPECT_EQ(r->timestamp_ms, 1767225600123);
  EXPECT_EQ(r->partition_key, "");  // left to the sink's keyer
}

TEST(MqttRecordBuilderTest, EnvelopeEmbedsJsonVerbatimTextAsStringAndBinaryAsBase64) {
  MqttRecordBuilder b(true, PartitionKeyMode::kTopic, "", kMax);
  MqttMessage json_msg = Message("s/a", "{\"z\":1,\"a\":1.50}");
  StatusOr<SourceRecord> r = b.Build(json_msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, "{\"topic\":\"s/a\",\"ts\":1767225600123,\"payload\":{\"z\":1,\"a\":1.50}}");
  EXPECT_EQ(r->partition_key, "s/a");

  MqttMessage text = Message("s/b", "21.5 C \"hot\"");
  r = b.Build(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nlohmann::json::parse(r->data)["payload"], "21.5 C \"hot\"");

  MqttMessage bin = Message("s/c", std::string("\xff\x00\x01", 3));
  r = b.Build(bin);
  ASSERT_TRUE(r.ok());
  nlohmann::json j = nlohmann::json::parse(r->data);
  EXPECT_EQ(j["payload_base64"], "/wAB");
  EXPECT_FALSE(j.contains("payload"));

  MqttMessage empty = Message("s/d", "");
  r = b.Build(empty);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nlohmann::json::parse(r->data)["payload"], "");
}

TEST(MqttRecordBuilderTest, FieldKeyComesFromThePayloadEvenInAnEnvelope) {
  MqttRecordBuilder b(true, PartitionKeyMode::kField, "device_id", kMax);
  MqttMessage m = Message("s/a", "{\"device_id\":42,\"t\":1}");
  StatusOr<SourceRecord> r = b.Build(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->partition_key, "42");
}

TEST(MqttRecordBuilderTest, UnkeyableMessageIsReturnedIntactWithTheReason) {
  MqttRecordBuilder b(false, PartitionKeyMode::kField, "device_id", kMax);
  for (const char* payload : {"not json", "[1,2]", "{\"other\":1}", "{\"device_id\":null}",
                              "{\"device_id\":[1]}", "{\"device_id\":\"\"}"}) {
    MqttMessage m = Message("s/a", payload);
    StatusOr<SourceRecord> r = b.Build(m);
    EXPECT_FALSE(r.ok()) << payload;
    EXPECT_EQ(m.payload, payload);
    EXPECT_EQ(m.topic, "s/a");
  }
}

TEST(MqttRecordBuilderTest, FixedKeyIsUsedForEveryRecord) {
  MqttRecordBuilder b(false, PartitionKeyMode::kFixed, "site-1", kMax);
  MqttMessage m = Message("s/a", "x");
  EXPECT_EQ(b.Build(m)->partition_key, "site-1");
}

TEST(DeadLetterBoxTest, KeepsTheNewestInMemoryAndAppendsJsonLinesUpToTheCap) {
  std::string path = ::testing::TempDir() + "/kedge-dead-letters-test.jsonl";
  std::remove(path.c_str());
  DeadLetterBox box(path, /*keep=*/2, /*max_file_bytes=*/200);
  for (int i = 0; i < 5; ++i) {
    box.Add({1000 + i, "s/a", "no field", "payload " + std::to_string(i), 0});
  }
  EXPECT_EQ(box.total(), 5u);
  ASSERT_EQ(box.recent().size(), 2u);
  EXPECT_EQ(box.recent().back().payload, "payload 4");
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["ts"], 1000 + lines);
    EXPECT_EQ(j["reason"], "no field");
  }
  EXPECT_GT(lines, 0);
  EXPECT_LT(lines, 5);
  EXPECT_EQ(box.dropped_from_file(), static_cast<uint64_t>(5 - lines));
  std::remove(path.c_str());
}

TEST(MqttRecordBuilderTest, RecordOverTheSizeLimitIsRefusedIntact) {
  MqttRecordBuilder raw(false, PartitionKeyMode::kRandom, "", 100);
  MqttMessage fits = Message("s/a", std::string(100, 'x'));
  EXPECT_TRUE(raw.Build(fits).ok());
  MqttMessage big = Message("s/a", std::string(101, 'x'));
  StatusOr<SourceRecord> r = raw.Build(big);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(big.payload.size(), 101u);
  // The envelope counts: the same 100 bytes no longer fit.
  MqttRecordBuilder env(true, PartitionKeyMode::kRandom, "", 100);
  MqttMessage wrapped = Message("s/a", std::string(100, 'x'));
  EXPECT_FALSE(env.Build(wrapped).ok());
}

TEST(DeadLetterBoxTest, HugePayloadIsCutButItsSizeKept) {
  DeadLetterBox box("");
  box.Add({1, "t", "too large", std::string(DeadLetterBox::kMaxKeptPayload + 10, 'a'), 0});
  const DeadLetterBox::Entry& e = box.recent().back();
  EXPECT_EQ(e.payload.size(), DeadLetterBox::kMaxKeptPayload);
  EXPECT_EQ(e.payload_bytes, DeadLetterBox::kMaxKeptPayload + 10);
  nlohmann::json j = nlohmann::json::parse(DeadLetterBox::ToJsonLine(e));
  EXPECT_EQ(j["payload_bytes"], DeadLetterBox::kMaxKeptPayload + 10);
}

TEST(DeadLetterBoxTest, UnwritableFileOnlyCountsAndNeverFails) {
  DeadLetterBox box("/nonexistent-dir/x/dead.jsonl");
  box.Add({1, "t", "r", "p", 0});
  EXPECT_EQ(box.total(), 1u);
  EXPECT_EQ(box.dropped_from_file(), 1u);
  EXPECT_EQ(box.recent().size(), 1u);
}

}  // namespace
}  // namespace kedge::agent
