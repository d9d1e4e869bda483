// libFuzzer target for the MKV parser and splitter kedge-ingest runs on PutMedia bodies.
// The first byte picks the chunk size, so arbitrary splits of the input are explored too.
//   build/tests/fuzz/video/mkv_parser_fuzz -max_total_time=60

#include <cstddef>
#include <cstdint>

#include "video/mkv/fragment_splitter.h"

namespace {

struct NullSink : kedge::video::mkv::MkvFragmentSplitter::Sink {
  void OnHeader(const kedge::video::mkv::StoredHeader&) override {}
  void OnFragment(kedge::video::mkv::StoredFragment&&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 64;
  ++data;
  --size;
  kedge::video::mkv::MkvParser::Options options;
  options.max_block_bytes = 1 << 20;  // keep the fuzzer's memory small
  options.allow_multiple_segments = (chunk & 1) != 0;
  NullSink sink;
  kedge::video::mkv::MkvFragmentSplitter splitter(options, sink);
  kedge::Status s;
  for (size_t pos = 0; pos < size && s.ok(); pos += chunk) {
    s = splitter.Feed(data + pos, chunk < size - pos ? chunk : size - pos);
  }
  if (s.ok()) s = splitter.Finish();
  s.IgnoreError();
  return 0;
}
