#include "video/kvs/ack_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kedge::video::kvs {
namespace {

const char kStream[] =
    "{\"EventType\":\"BUFFERING\",\"FragmentTimecode\":1615717079836,"
    "\"FragmentNumber\":\"91343852333181704749394225733568484734841826784\"}\n"
    "{\"EventType\":\"RECEIVED\",\"FragmentTimecode\":1615717079836,"
    "\"FragmentNumber\":\"91343852333181704749394225733568484734841826784\"}\n"
    "{\"EventType\":\"PERSISTED\",\"FragmentTimecode\":1615717079836,"
    "\"FragmentNumber\":\"91343852333181704749394225733568484734841826784\"}\n"
    "{\"EventType\":\"IDLE\"}\n"
    "{\"EventType\":\"ERROR\",\"ErrorCode\":\"INVALID_MKV_DATA\",\"ErrorId\":4006}\n";

std::vector<Ack> FeedInPieces(AckParser& parser, const std::string& text, size_t piece) {
  std::vector<Ack> all;
  for (size_t i = 0; i < text.size(); i += piece) {
    for (Ack& a : parser.Feed(std::string_view(text).substr(i, piece))) all.push_back(a);
  }
  return all;
}

TEST(AckParserTest, ParsesEveryEventTypeWithItsFields) {
  AckParser parser;
  std::vector<Ack> acks = parser.Feed(kStream);
  ASSERT_EQ(acks.size(), 5u);
  EXPECT_EQ(acks[0].type, AckType::kBuffering);
  EXPECT_EQ(acks[1].type, AckType::kReceived);
  EXPECT_EQ(acks[2].type, AckType::kPersisted);
  EXPECT_EQ(acks[2].timecode, 1615717079836u);
  EXPECT_EQ(acks[2].fragment_number, "91343852333181704749394225733568484734841826784");
  EXPECT_EQ(acks[3].type, AckType::kIdle);
  EXPECT_FALSE(acks[3].timecode.has_value());
  EXPECT_EQ(acks[4].type, AckType::kError);
  EXPECT_EQ(acks[4].error_id, 4006);
  EXPECT_EQ(acks[4].error_code, "INVALID_MKV_DATA");
}

TEST(AckParserTest, SameResultForEverySplitOfTheStream) {
  AckParser whole;
  std::vector<Ack> expected = whole.Feed(kStream);
  for (size_t piece = 1; piece <= 64; ++piece) {
    AckParser parser;
    std::vector<Ack> acks = FeedInPieces(parser, kStream, piece);
    ASSERT_EQ(acks.size(), expected.size()) << "piece " << piece;
    for (size_t i = 0; i < acks.size(); ++i) {
      EXPECT_EQ(acks[i].type, expected[i].type);
      EXPECT_EQ(acks[i].timecode, expected[i].timecode);
      EXPECT_EQ(acks[i].error_id, expected[i].error_id);
    }
  }
}

TEST(AckParserTest, ToleratesWhitespaceUnknownKeysAndNestedValues) {
  AckParser parser;
  std::vector<Ack> acks = parser.Feed(
      "  {\r\n \"Extra\" : {\"a\":[1,{\"b\":\"}\"}]}, \"EventType\" : \"PERSISTED\" ,\n"
      "\"FragmentTimecode\" : \"1700000000123\" }  ");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckType::kPersisted);
  EXPECT_EQ(acks[0].timecode, 1700000000123u);
}

TEST(AckParserTest, SkipsGarbageBetweenObjectsAndCountsIt) {
  AckParser parser;
  std::vector<Ack> acks = parser.Feed("HTTP junk]]\x01\x02{\"EventType\":\"IDLE\"}xyz");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckType::kIdle);
  EXPECT_EQ(parser.stats().skipped_bytes, 15u);
}

TEST(AckParserTest, ReportsAServiceMessageAsNotAnAck) {
  AckParser parser;
  std::vector<Ack> acks =
      parser.Feed("{\"message\":\"The security token included in the request is expired\"}\n");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckType::kNotAck);
  EXPECT_EQ(acks[0].message, "The security token included in the request is expired");
}

TEST(AckParserTest, DropsAnOversizedObjectAndResynchronisesOnTheNextLine) {
  AckParser parser;
  std::string big = "{\"EventType\":\"PERSISTED\",\"Pad\":\"" +
                    std::string(AckParser::kMaxAckBytes, 'x') + "\"}{\"still\":\"same line\"}\n";
  std::vector<Ack> acks = parser.Feed(big + "{\"EventType\":\"IDLE\"}\n");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckType::kIdle);
  EXPECT_EQ(parser.stats().oversized, 1u);
}

TEST(AckParserTest, ATornLineDoesNotSwallowTheNextAck) {
  AckParser parser;
  std::vector<Ack> acks =
      parser.Feed("{\"EventType\":\"PERS\n{\"EventType\":\"RECEIVED\",\"FragmentTimecode\":5}\n");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, AckType::kReceived);
  EXPECT_EQ(acks[0].timecode, 5u);
  EXPECT_EQ(parser.stats().invalid, 1u);
}

TEST(AckParserTest, IgnoresFieldsOfTheWrongType) {
  AckParser parser;
  std::vector<Ack> acks = parser.Feed(
      "{\"EventType\":\"ERROR\",\"FragmentTimecode\":-5,\"ErrorId\":\"x\",\"ErrorCode\":7}"
      "{\"EventType\":\"PERSISTED\",\"FragmentTimecode\":1.5}{\"EventType\":42}");
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].type, AckType::kError);
  EXPECT_FALSE(acks[0].timecode.has_value());
  EXPECT_EQ(acks[0].error_id, 0);
  EXPECT_EQ(acks[0].error_code, "7");
  EXPECT_FALSE(acks[1].timecode.has_value());
  EXPECT_EQ(acks[2].type, AckType::kNotAck);
}

TEST(AckParserTest, NeverCrashesOnArbitraryBytes) {
  AckParser parser;
  uint32_t x = 12345;
  std::string noise;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    const char alphabet[] = "{}[]\"\\:,\n 0123456789EventTypeIDLE";
    noise.push_back(alphabet[(x >> 16) % (sizeof(alphabet) - 1)]);
  }
  std::vector<Ack> acks = FeedInPieces(parser, noise, 7);
  const AckParser::Stats& s = parser.stats();
  EXPECT_EQ(acks.size(), s.acks);
  EXPECT_GT(s.invalid + s.oversized + s.skipped_bytes, 0u);
}

}  // namespace
}  // namespace kedge::video::kvs
