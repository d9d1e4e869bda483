// Throughput of the MKV path: the fragmenter (camera side, per frame) and the parser and splitter
// (kedge-ingest side, per byte). The stream is 720p-like: 30 fps, 2 Mbit/s, a key frame a second.
//   build/tests/bench/video/mkv_bench --benchmark_repetitions=3

#include <benchmark/benchmark.h>

#include "platform/clock.h"
#include "video/mkv/fragment_splitter.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video::mkv {
namespace {

constexpr int64_t kFrameNs = 33333333;
constexpr size_t kDeltaBytes = 7000;  // ~2 Mbit/s with the key frames below
constexpr size_t kKeyBytes = 40000;

Bytes CodecPrivate() {
  // A 320x240 Baseline SPS and a PPS; the picture size does not matter for throughput.
  static const uint8_t sps[] = {0x67, 0x42, 0xC0, 0x1E, 0xDA, 0x05, 0x07, 0xE4};
  static const uint8_t pps[] = {0x68, 0xCE, 0x38, 0x80};
  return *BuildAvcDecoderConfig({{sps, sizeof(sps)}}, {{pps, sizeof(pps)}});
}

Frame MakeFrame(int i) {
  Frame f;
  f.key = i % 30 == 0;
  size_t size = f.key ? kKeyBytes : kDeltaBytes;
  f.data.assign(size, 0x5A);
  uint32_t nal = static_cast<uint32_t>(size - 4);
  f.data[0] = static_cast<uint8_t>(nal >> 24);
  f.data[1] = static_cast<uint8_t>(nal >> 16);
  f.data[2] = static_cast<uint8_t>(nal >> 8);
  f.data[3] = static_cast<uint8_t>(nal);
  f.data[4] = f.key ? 0x65 : 0x41;
  f.pts_ns = i * kFrameNs;
  f.duration_ns = kFrameNs;
  return f;
}

Bytes MakeBody(int frames) {
  FakeClock clock;
  MkvFragmenter::Options o;
  o.codec_private = CodecPrivate();
  auto f = std::move(*MkvFragmenter::Create(o, clock));
  Bytes body;
  auto add = [&](const Fragment& fr) {
    body.insert(body.end(), fr.header.begin(), fr.header.end());
    body.insert(body.end(), fr.bytes.begin(), fr.bytes.end());
  };
  for (int i = 0; i < frames; ++i) {
    auto out = f->AddFrame(MakeFrame(i));
    if (*out) add(**out);
  }
  if (auto last = f->Flush()) add(*last);
  return body;
}

void BM_FragmenterAddFrame(benchmark::State& state) {
  FakeClock clock;
  MkvFragmenter::Options o;
  o.codec_private = CodecPrivate();
  auto f = std::move(*MkvFragmenter::Create(o, clock));
  std::vector<Frame> frames;
  for (int i = 0; i < 300; ++i) frames.push_back(MakeFrame(i));
  int64_t i = 0, bytes = 0;
  for (auto _ : state) {
    Frame frame = frames[i % frames.size()];
    frame.pts_ns = i * kFrameNs;
    bytes += static_cast<int64_t>(frame.data.size());
    auto out = f->AddFrame(frame);
    benchmark::DoNotOptimize(out);
    ++i;
  }
  state.SetItemsProcessed(i);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_FragmenterAddFrame);

void BM_ParserFeed(benchmark::State& state) {
  Bytes body = MakeBody(300);  // 10 s
  size_t chunk = static_cast<size_t>(state.range(0));
  MkvListener listener;
  for (auto _ : state) {
    MkvParser parser({}, listener);
    for (size_t pos = 0; pos < body.size(); pos += chunk) {
      benchmark::DoNotOptimize(parser.Feed(body.data() + pos, std::min(chunk, body.size() - pos)));
    }
    benchmark::DoNotOptimize(parser.Finish());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParserFeed)->Arg(1400)->Arg(16384);

void BM_SplitterFeed(benchmark::State& state) {
  Bytes body = MakeBody(300);
  struct Sink : MkvFragmentSplitter::Sink {
    void OnHeader(const StoredHeader&) override {}
    void OnFragment(StoredFragment&& f) override { benchmark::DoNotOptimize(f.bytes.data()); }
  } sink;
  for (auto _ : state) {
    MkvFragmentSplitter splitter({}, sink);
    for (size_t pos = 0; pos < body.size(); pos += 16384) {
      benchmark::DoNotOptimize(
          splitter.Feed(body.data() + pos, std::min<size_t>(16384, body.size() - pos)));
    }
    benchmark::DoNotOptimize(splitter.Finish());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SplitterFeed);

}  // namespace
}  // namespace kedge::video::mkv
