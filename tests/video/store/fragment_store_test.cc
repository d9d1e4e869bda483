#include "video/store/fragment_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace kedge::video {
namespace {

// The real file system, with WriteFileAtomic failing as a full disk would `full_writes` times.
class FullDiskEnv : public PosixEnv {
 public:
  int full_writes = 0;
  Status WriteFileAtomic(const std::string& path, const std::string& contents) override {
    if (full_writes > 0) {
      --full_writes;
      return ResourceExhaustedError(path + ": No space left on device");
    }
    return PosixEnv::WriteFileAtomic(path, contents);
  }
};

class FragmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.dir = testing::MakeTempDir("kedge-store") + "/cam"; }

  std::unique_ptr<FragmentStore> Open() {
    auto store = FragmentStore::Open(options_, env_, clock_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  int64_t Now() const { return ToUnixMillis(clock_.WallNow()); }

  // Appends a fragment at `timecode` whose payload is `size` copies of a letter.
  FragmentMeta Add(FragmentStore& store, int64_t timecode, size_t size = 100) {
    FragmentMeta meta;
    meta.timecode_ms = timecode;
    meta.duration_ms = 2000;
    auto stored = store.Append(meta, Payload(timecode, size));
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : meta;
  }

  static std::string Payload(int64_t timecode, size_t size) {
    return std::string(size, char('a' + timecode % 26));
  }

  std::vector<int64_t> ReadAll(FragmentStore& store) {
    std::vector<int64_t> timecodes;
    for (;;) {
      auto next = store.ReadNext();
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || !next->has_value()) break;
      EXPECT_EQ((*next)->payload, Payload((*next)->meta.timecode_ms, (*next)->meta.size));
      timecodes.push_back((*next)->meta.timecode_ms);
    }
    return timecodes;
  }

  std::vector<std::string> Files() {
    auto names = env_.ListDir(options_.dir);
    EXPECT_TRUE(names.ok());
    std::vector<std::string> out = names.ok() ? *names : std::vector<std::string>{};
    std::sort(out.begin(), out.end());
    return out;
  }

  FullDiskEnv env_;
  FakeClock clock_;
  FragmentStore::Options options_;
};

TEST_F(FragmentStoreTest, AppendThenReadReturnsFragmentsOldestFirstWithTheirMetadata) {
  auto store = Open();
  FragmentMeta meta;
  meta.timecode_ms = Now();
  meta.duration_ms = 1999;
  meta.key = true;
  meta.session_start = true;
  auto first = store->Append(meta, "header+cluster");
  ASSERT_TRUE(first.ok());
  Add(*store, Now() + 2000);
  ASSERT_TRUE(store->PeekNext().has_value());
  EXPECT_EQ(store->PeekNext()->seq, first->seq);
  auto read = store->ReadNext();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->payload, "header+cluster");
  EXPECT_EQ((*read)->meta.timecode_ms, meta.timecode_ms);
  EXPECT_EQ((*read)->meta.duration_ms, 1999);
  EXPECT_TRUE((*read)->meta.session_start);
  EXPECT_EQ((*read)->meta.size, 14u);
  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{Now() + 2000});
  EXPECT_FALSE(store->PeekNext().has_value());
  EXPECT_EQ(store->stats().fragments, 2u);
  EXPECT_EQ(store->stats().unsent, 0u);
}

TEST_F(FragmentStoreTest, TwoPartAppendStoresHeaderAndBodyAsOnePayload) {
  auto store = Open();
  FragmentMeta meta;
  meta.timecode_ms = Now();
  meta.session_start = true;
  auto stored = store->Append(meta, "EBML+Segment|", "Cluster");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size, 20u);
  auto read = store->ReadNext();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->payload, "EBML+Segment|Cluster");
}

TEST_F(FragmentStoreTest, MarkPersistedDeletesFragmentsUpToTheTimecode) {
  auto store = Open();
  const int64_t t = Now();
  for (int i = 0; i < 4; ++i) Add(*store, t + i * 2000);
  EXPECT_EQ(ReadAll(*store).size(), 4u);
  auto removed = store->MarkPersisted(t + 2000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(Files().size(), 2u);
  EXPECT_EQ(store->stats().persisted, 2u);
  EXPECT_EQ(store->stats().oldest_timecode_ms, t + 4000);
}

TEST_F(FragmentStoreTest, MarkPersistedFollowsStoreOrderWhenTimecodesWentBack) {
  auto store = Open();
  const int64_t t = Now();
  Add(*store, t + 60000);  // written before a reboot with a clock that was ahead
  Add(*store, t);
  Add(*store, t + 2000);
  ASSERT_EQ(*store->MarkPersisted(t), 2u);
  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{t + 2000});
}

TEST_F(FragmentStoreTest, RewindResendsEverythingNotYetPersisted) {
  auto store = Open();
  const int64_t t = Now();
  for (int i = 0; i < 3; ++i) Add(*store, t + i * 2000);
  ASSERT_EQ(ReadAll(*store).size(), 3u);
  ASSERT_TRUE(store->MarkPersisted(t).ok());
  store->Rewind();
  EXPECT_EQ(ReadAll(*store), (std::vector<int64_t>{t + 2000, t + 4000}));
}

TEST_F(FragmentStoreTest, WhenFullTheOldestWholeFragmentsAreDroppedAndCounted) {
  options_.max_bytes = 1000;
  auto store = Open();
  const int64_t t = Now();
  for (int i = 0; i < 12; ++i) Add(*store, t + i * 2000, 300);
  FragmentStore::Stats stats = store->stats();
  EXPECT_EQ(stats.fragments, 3u);
  EXPECT_EQ(stats.bytes, 900u);
  EXPECT_EQ(stats.dropped_full, 9u);
  EXPECT_EQ(stats.dropped_bytes, 2700u);
  EXPECT_EQ(ReadAll(*store), (std::vector<int64_t>{t + 18000, t + 20000, t + 22000}));
  EXPECT_EQ(Files().size(), 3u);
}

TEST_F(FragmentStoreTest, FragmentLargerThanTheStoreIsRefused) {
  options_.max_bytes = 100;
  auto store = Open();
  FragmentMeta meta;
  meta.timecode_ms = Now();
  auto stored = store->Append(meta, std::string(101, 'x'));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(stored.status().message().find("exceeds max_bytes"), std::string::npos);
}

TEST_F(FragmentStoreTest, FragmentsOlderThanMaxAgeAreDropped) {
  options_.max_age = std::chrono::minutes(10);
  auto store = Open();
  const int64_t t = Now();
  Add(*store, t);
  Add(*store, t + 2000);
  clock_.Advance(std::chrono::minutes(10) + std::chrono::milliseconds(2001));
  ASSERT_TRUE(store->ExpireOld().ok());
  EXPECT_EQ(store->stats().dropped_age, 1u);
  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{t + 2000});
  clock_.Advance(std::chrono::seconds(2));
  Add(*store, Now());  // Append applies the age limit too
  EXPECT_EQ(store->stats().dropped_age, 2u);
  EXPECT_EQ(store->stats().fragments, 1u);
}

TEST_F(FragmentStoreTest, ReopeningRecoversEveryFragmentAndContinuesTheSequence) {
  const int64_t t = Now();
  uint64_t last_seq = 0;
  {
    auto store = Open();
    for (int i = 0; i < 3; ++i) last_seq = Add(*store, t + i * 2000).seq;
    ASSERT_EQ(ReadAll(*store).size(), 3u);  // sent, but not persisted
    ASSERT_TRUE(store->MarkPersisted(t).ok());
  }
  auto store = Open();
  EXPECT_EQ(store->stats().fragments, 2u);
  EXPECT_EQ(store->stats().bytes, 200u);
  EXPECT_GT(Add(*store, t + 6000).seq, last_seq);
  // After a restart everything not persisted is sent again.
  EXPECT_EQ(ReadAll(*store), (std::vector<int64_t>{t + 2000, t + 4000, t + 6000}));
}

TEST_F(FragmentStoreTest, RecoveryRemovesInterruptedWritesAndIgnoresForeignFiles) {
  const int64_t t = Now();
  {
    auto store = Open();
    Add(*store, t);
  }
  FragmentMeta torn;
  torn.seq = 99;
  torn.timecode_ms = t + 2000;
  const std::string torn_path = options_.dir + "/" + fragment_file::Name(torn) + ".tmp";
  ASSERT_TRUE(env_.WriteFileAtomic(torn_path, "half a frag").ok());
  ASSERT_TRUE(env_.WriteFileAtomic(options_.dir + "/README", "not mine").ok());
  auto store = Open();
  EXPECT_EQ(store->stats().damaged, 1u);
  EXPECT_FALSE(env_.FileExists(torn_path));
  EXPECT_TRUE(env_.FileExists(options_.dir + "/README"));
  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{t});
}

TEST_F(FragmentStoreTest, TruncatedOrCorruptFilesAreDroppedOnReadAndTheNextIsReturned) {
  auto store = Open();
  const int64_t t = Now();
  FragmentMeta a = Add(*store, t);
  FragmentMeta b = Add(*store, t + 2000);
  Add(*store, t + 4000);
  const std::string path_a = options_.dir + "/" + fragment_file::Name(a);
  const std::string path_b = options_.dir + "/" + fragment_file::Name(b);
  std::string contents = *env_.ReadFile(path_a);
  ASSERT_TRUE(env_.WriteFileAtomic(path_a, contents.substr(0, contents.size() - 10)).ok());
  contents = *env_.ReadFile(path_b);
  contents[contents.size() / 2] ^= 0x55;
  ASSERT_TRUE(env_.WriteFileAtomic(path_b, contents).ok());

  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{t + 4000});
  EXPECT_EQ(store->stats().damaged, 2u);
  EXPECT_EQ(store->stats().fragments, 1u);
  EXPECT_FALSE(env_.FileExists(path_a));
  EXPECT_FALSE(env_.FileExists(path_b));
}

TEST_F(FragmentStoreTest, FileShorterThanItsHeaderIsRemovedAtRecovery) {
  FragmentMeta meta;
  meta.seq = 5;
  meta.timecode_ms = Now();
  ASSERT_TRUE(env_.CreateDirs(options_.dir).ok());
  ASSERT_TRUE(env_.WriteFileAtomic(options_.dir + "/" + fragment_file::Name(meta), "KV").ok());
  auto store = Open();
  EXPECT_EQ(store->stats().damaged, 1u);
  EXPECT_EQ(store->stats().fragments, 0u);
}

TEST_F(FragmentStoreTest, FullDiskDropsTheOldestFragmentAndRetries) {
  auto store = Open();
  const int64_t t = Now();
  Add(*store, t);
  Add(*store, t + 2000);
  env_.full_writes = 1;
  Add(*store, t + 4000);
  EXPECT_EQ(store->stats().dropped_full, 1u);
  EXPECT_EQ(ReadAll(*store), (std::vector<int64_t>{t + 2000, t + 4000}));
}

TEST_F(FragmentStoreTest, FullDiskWithNothingToDropReportsResourceExhausted) {
  auto store = Open();
  env_.full_writes = 5;
  FragmentMeta meta;
  meta.timecode_ms = Now();
  auto stored = store->Append(meta, "x");
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(stored.status().message().find("fragment store"), std::string::npos);
}

TEST_F(FragmentStoreTest, DiscardDropsOneRefusedFragment) {
  auto store = Open();
  const int64_t t = Now();
  Add(*store, t);
  Add(*store, t + 2000);
  ASSERT_TRUE(store->Discard(t).ok());
  EXPECT_EQ(store->Discard(t).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->stats().discarded, 1u);
  EXPECT_EQ(ReadAll(*store), std::vector<int64_t>{t + 2000});
}

TEST_F(FragmentStoreTest, AppenderAndReaderOnTwoThreadsLoseNothingUncounted) {
  options_.max_bytes = 2000;  // small, so the appender also drops while the reader reads
  auto store = Open();
  const int64_t t = Now();
  constexpr int kFragments = 300;
  std::atomic<bool> done{false};
  std::thread appender([&] {
    for (int i = 0; i < kFragments; ++i) Add(*store, t + i * 10, 200);
    done = true;
  });
  std::vector<int64_t> read;
  for (;;) {
    const bool finished = done.load();  // read before the store, so nothing is missed
    auto next = store->ReadNext();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    if (!next->has_value()) {
      if (finished) break;
      std::this_thread::yield();
      continue;
    }
    EXPECT_EQ((*next)->payload, Payload((*next)->meta.timecode_ms, 200));
    read.push_back((*next)->meta.timecode_ms);
    ASSERT_TRUE(store->MarkPersisted(read.back()).ok());
  }
  appender.join();
  EXPECT_TRUE(std::is_sorted(read.begin(), read.end()));
  EXPECT_EQ(std::adjacent_find(read.begin(), read.end()), read.end());
  FragmentStore::Stats stats = store->stats();
  // Every fragment left exactly once: acknowledged or dropped for room (a fragment can be read
  // and then dropped before its acknowledgement, so `read` may overlap the drops).
  EXPECT_EQ(stats.persisted + stats.dropped_full, uint64_t(kFragments));
  EXPECT_GE(read.size() + stats.dropped_full, size_t(kFragments));
  EXPECT_EQ(stats.damaged, 0u);
  EXPECT_EQ(stats.fragments, 0u);
}

TEST(FragmentFileTest, NamesRoundTripAndOtherNamesAreRejected) {
  FragmentMeta meta;
  meta.seq = 42;
  meta.timecode_ms = 1767225600123;
  meta.duration_ms = 2000;
  meta.key = true;
  meta.session_start = true;
  const std::string name = fragment_file::Name(meta);
  EXPECT_EQ(name, "00000000000000000042-1767225600123-2000-ks.kvf");
  auto parsed = fragment_file::ParseName(name);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->seq, 42u);
  EXPECT_EQ(parsed->timecode_ms, meta.timecode_ms);
  EXPECT_EQ(parsed->duration_ms, 2000);
  EXPECT_TRUE(parsed->key);
  EXPECT_TRUE(parsed->session_start);
  for (const char* bad :
       {"README", "42-1-2-k.kvf", "00000000000000000042-1-2-x.kvf", "00000000000000000042-1-k.kvf",
        "00000000000000000042--5-2-k.kvf", "00000000000000000042-1-2-k.kvf.tmp"}) {
    EXPECT_FALSE(fragment_file::ParseName(bad).has_value()) << bad;
  }
}

TEST(FragmentFileTest, DecodeDetectsTornAndCorruptContents) {
  std::string encoded = fragment_file::Encode("payload");
  EXPECT_EQ(*fragment_file::Decode(encoded), "payload");
  EXPECT_EQ(fragment_file::Decode(encoded.substr(0, 20)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(fragment_file::Decode(encoded + "x").status().code(), StatusCode::kDataLoss);
  std::string flipped = encoded;
  flipped.back() ^= 1;
  EXPECT_EQ(fragment_file::Decode(flipped).status().code(), StatusCode::kDataLoss);
  std::string bad_magic = encoded;
  bad_magic[0] = 'X';
  EXPECT_EQ(fragment_file::Decode(bad_magic).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kedge::video
