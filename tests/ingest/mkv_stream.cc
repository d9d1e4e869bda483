#include "tests/ingest/mkv_stream.h"

#include <gtest/gtest.h>

#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragmenter.h"

namespace kedge::ingest::testing {

namespace mkv = video::mkv;

std::string MkvStream::All() const {
  std::string all = header;
  for (const std::string& f : fragments) all += f;
  return all;
}

MkvStream MakeMkvStream(const Clock& clock, int fragments, int frames_per_fragment,
                        size_t frame_bytes) {
  MkvStream out;
  mkv::MkvFragmenter::Options options;
  options.codec_private = mkv::testing::MakeCodecPrivate(320, 240);
  options.stream_name = "test";
  auto fragmenter = mkv::MkvFragmenter::Create(options, clock);
  EXPECT_TRUE(fragmenter.ok());
  if (!fragmenter.ok()) return out;
  constexpr int64_t kFrameNs = 40'000'000;
  auto take = [&](std::optional<mkv::Fragment> fragment) {
    if (!fragment) return;
    if (!fragment->header.empty()) out.header.assign(fragment->header.begin(), fragment->header.end());
    out.fragments.emplace_back(fragment->bytes.begin(), fragment->bytes.end());
    out.timecodes.push_back(static_cast<uint64_t>(fragment->info.timecode_ms));
  };
  int total = fragments * frames_per_fragment;
  for (int i = 0; i < total; ++i) {
    auto closed = (*fragmenter)->AddFrame(
        mkv::testing::MakeFrame(i * kFrameNs, i % frames_per_fragment == 0, frame_bytes));
    EXPECT_TRUE(closed.ok());
    if (closed.ok()) take(std::move(*closed));
  }
  take((*fragmenter)->Flush());
  return out;
}

}  // namespace kedge::ingest::testing
