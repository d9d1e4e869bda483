#include "video/kvs/fragment_payload.h"

#include <gtest/gtest.h>

#include "tests/video/kvs/kvs_testutil.h"

namespace kedge::video::kvs {
namespace {

TEST(FragmentPayloadTest, FindsTheEndOfTheSessionHeader) {
  FakeClock clock;
  for (const testing::TestFragment& f : testing::MakeFragments(3, clock)) {
    StatusOr<size_t> length = SessionHeaderLength(f.payload);
    ASSERT_TRUE(length.ok()) << length.status().message();
    EXPECT_EQ(*length, f.header_size);
    EXPECT_GT(*length, 0u);
  }
}

TEST(FragmentPayloadTest, ABareClusterHasNoHeader) {
  FakeClock clock;
  testing::TestFragment f = testing::MakeFragments(1, clock)[0];
  StatusOr<size_t> length = SessionHeaderLength(f.payload.substr(f.header_size));
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 0u);
}

TEST(FragmentPayloadTest, ATruncatedHeaderIsDataLoss) {
  FakeClock clock;
  testing::TestFragment f = testing::MakeFragments(1, clock)[0];
  for (size_t cut : {size_t{0}, size_t{3}, f.header_size / 2, f.header_size}) {
    StatusOr<size_t> length = SessionHeaderLength(f.payload.substr(0, cut));
    EXPECT_FALSE(length.ok()) << cut;
  }
}

}  // namespace
}  // namespace kedge::video::kvs
