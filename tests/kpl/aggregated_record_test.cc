#include "kpl/aggregated_record.h"

#include <gtest/gtest.h>

#include <random>

#include "platform/crypto.h"

namespace kedge::kpl {
namespace {

std::string Frame(const std::string& proto) {
  Md5Digest md5 = Md5(proto);
  return std::string(kAggregatedMagic, 4) + proto +
         std::string(reinterpret_cast<const char*>(md5.data()), md5.size());
}

TEST(AggregatedRecordTest, EncodesTheSpecifiedWireFormat) {
  AggregatedRecordBuilder b;
  b.Add("a", "", "x");
  b.Add("b", "", "yz");
  // Built by hand from messages.proto and the protobuf encoding rules:
  // partition_key_table (field 1), then records (field 3) each with partition_key_index
  // (field 1, varint, written even when 0) and data (field 3).
  std::string proto("\x0A\x01" "a" "\x0A\x01" "b"
                    "\x1A\x05\x08\x00\x1A\x01" "x"
                    "\x1A\x06\x08\x01\x1A\x02" "yz",
                    21);
  EXPECT_EQ(b.Serialize(), Frame(proto));
}

TEST(AggregatedRecordTest, WritesEachDistinctKeyOnce) {
  AggregatedRecordBuilder b;
  const std::string ehk = "12345678901234567890";
  const std::string none;
  for (int i = 0; i < 10; ++i) b.Add("sensor-17", i % 2 ? ehk : none, "data");
  std::string out = b.Serialize();
  EXPECT_EQ(out.find("sensor-17"), out.rfind("sensor-17"));
  EXPECT_EQ(out.find(ehk), out.rfind(ehk));
  auto decoded = DecodeAggregated(out);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ((*decoded)[i].partition_key, "sensor-17");
    EXPECT_EQ((*decoded)[i].explicit_hash_key, i % 2 ? ehk : "");
  }
}

TEST(AggregatedRecordTest, PredictedSizesMatchTheBytesExactly) {
  std::mt19937 rng(3);
  AggregatedRecordBuilder b;
  std::vector<std::string> keep;  // the builder holds views
  keep.reserve(600);
  for (int i = 0; i < 200; ++i) {
    // Sizes around the varint boundaries (127/128, 16383/16384) on purpose.
    size_t size = std::vector<size_t>{0, 1, 127, 128, 200, 16383, 16384, 20000}[rng() % 8];
    keep.push_back("pk" + std::to_string(rng() % 150));
    const std::string& pk = keep.back();
    keep.push_back(rng() % 3 == 0 ? std::to_string(rng()) : std::string());
    const std::string& ehk = keep.back();
    keep.push_back(std::string(size, static_cast<char>('a' + i % 26)));
    size_t predicted = b.SizeWith(pk, ehk, size);
    b.Add(pk, ehk, keep.back());
    ASSERT_EQ(b.Size(), predicted);
    ASSERT_EQ(b.Size(), b.Serialize().size() + kAggregatePartitionKey.size()) << i;
  }
}

TEST(AggregatedRecordTest, RandomRecordsRoundTrip) {
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::vector<DecodedUserRecord> in(1 + rng() % 60);
    AggregatedRecordBuilder b;
    for (auto& r : in) {
      r.partition_key = "k" + std::to_string(rng() % 7);
      if (rng() % 4 == 0) r.explicit_hash_key = std::to_string(rng() % 1000);
      r.data.resize(rng() % 300);
      for (char& c : r.data) c = static_cast<char>(rng());
      b.Add(r.partition_key, r.explicit_hash_key, r.data);
    }
    auto out = DecodeAggregated(b.Serialize());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ((*out)[i].partition_key, in[i].partition_key);
      EXPECT_EQ((*out)[i].explicit_hash_key, in[i].explicit_hash_key);
      EXPECT_EQ((*out)[i].data, in[i].data);
    }
  }
}

TEST(AggregatedRecordTest, StrictDecoderRejectsCorruption) {
  AggregatedRecordBuilder b;
  b.Add("a", "", "hello");
  b.Add("b", "", "world");
  std::string good = b.Serialize();

  std::string flipped = good;
  flipped[8] ^= 1;
  EXPECT_EQ(DecodeAggregated(flipped).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeAggregated("plain data").status().code(), StatusCode::kDataLoss);
  // A truncated protobuf with a valid checksum.
  EXPECT_EQ(DecodeAggregated(Frame(std::string("\x0A\x05" "ab", 4))).status().code(),
            StatusCode::kDataLoss);
  // A partition key index outside the table.
  EXPECT_EQ(DecodeAggregated(Frame(std::string("\x0A\x01" "a" "\x1A\x04\x08\x01\x1A\x00", 9)))
                .status()
                .code(),
            StatusCode::kDataLoss);
  // A record without its required data field.
  EXPECT_EQ(DecodeAggregated(Frame(std::string("\x0A\x01" "a" "\x1A\x02\x08\x00", 7)))
                .status()
                .code(),
            StatusCode::kDataLoss);
}

TEST(AggregatedRecordTest, DecoderSkipsTagsAndUnknownFields) {
  // Record with a Tag (field 4) and an unknown fixed32 field 9 in AggregatedRecord.
  std::string proto("\x0A\x01" "a"
                    "\x1A\x0B\x08\x00\x1A\x01" "x" "\x22\x04\x0A\x02" "tk"
                    "\x4D\x01\x02\x03\x04",
                    21);
  auto out = DecodeAggregated(Frame(proto));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].data, "x");
}

TEST(AggregatedRecordTest, MutatedInputNeverCrashesTheDecoder) {
  std::mt19937 rng(17);
  AggregatedRecordBuilder b;
  std::vector<std::string> keep;
  for (int i = 0; i < 20; ++i) keep.push_back("key" + std::to_string(i % 5));
  for (int i = 0; i < 20; ++i) b.Add(keep[i], i % 3 ? "" : "123", keep[i]);
  const std::string good = b.Serialize();
  std::string_view proto_view(good);
  std::string proto(proto_view.substr(4, good.size() - 20));
  int decoded = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string mutated = proto;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
      size_t at = rng() % mutated.size();
      switch (rng() % 3) {
        case 0: mutated[at] = static_cast<char>(rng()); break;
        case 1: mutated.erase(at, 1 + rng() % 8); break;
        default: mutated.insert(at, 1, static_cast<char>(rng())); break;
      }
      if (mutated.empty()) mutated = "x";
    }
    // With a valid checksum the protobuf parser itself must cope (ASan watches the bounds).
    auto out = DecodeAggregated(Frame(mutated));
    if (out.ok()) ++decoded;
    else EXPECT_EQ(out.status().code(), StatusCode::kDataLoss);
  }
  EXPECT_LT(decoded, 5000);
}

TEST(AggregatedRecordTest, DeaggregatePassesPlainAndBrokenRecordsThrough) {
  auto plain = Deaggregate("just bytes", "pk", "");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].data, "just bytes");
  EXPECT_EQ(plain[0].partition_key, "pk");

  AggregatedRecordBuilder b;
  b.Add("a", "", "1");
  b.Add("b", "", "2");
  std::string broken = b.Serialize();
  broken.back() ^= 0x55;
  auto passed = Deaggregate(broken, "a", "42");
  ASSERT_EQ(passed.size(), 1u);
  EXPECT_EQ(passed[0].data, broken);
  EXPECT_EQ(passed[0].explicit_hash_key, "42");

  auto two = Deaggregate(b.Serialize(), "a", "42");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].partition_key, "b");
}

}  // namespace
}  // namespace kedge::kpl
