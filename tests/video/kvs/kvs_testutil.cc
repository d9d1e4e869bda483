#include "tests/video/kvs/kvs_testutil.h"

#include <gtest/gtest.h>

#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video::kvs::testing {

std::vector<TestFragment> MakeFragments(int count, const Clock& clock, uint32_t width) {
  mkv::MkvFragmenter::Options options;
  options.codec_private = mkv::testing::MakeCodecPrivate(width, 240);
  options.stream_name = "test";
  auto fragmenter = mkv::MkvFragmenter::Create(options, clock);
  EXPECT_TRUE(fragmenter.ok());
  std::vector<TestFragment> out;
  mkv::Bytes header;
  auto take = [&](mkv::Fragment&& f) {
    if (!f.header.empty()) header = f.header;
    TestFragment t;
    t.meta.timecode_ms = f.info.timecode_ms;
    t.meta.duration_ms = f.info.duration_ms;
    t.meta.session_start = true;
    t.payload.assign(header.begin(), header.end());
    t.payload.append(f.bytes.begin(), f.bytes.end());
    t.header_size = header.size();
    out.push_back(std::move(t));
  };
  const int64_t kFrameNs = 100'000'000;
  for (int64_t i = 0; static_cast<int>(out.size()) < count; ++i) {
    Frame frame = mkv::testing::MakeFrame(i * kFrameNs, i % 10 == 0, 200, false, width, 240);
    frame.duration_ns = kFrameNs;
    auto closed = (*fragmenter)->AddFrame(frame);
    EXPECT_TRUE(closed.ok());
    if (closed.ok() && *closed) take(std::move(**closed));
  }
  return out;
}

}  // namespace kedge::video::kvs::testing
