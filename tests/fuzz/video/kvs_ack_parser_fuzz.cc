// libFuzzer target: the PutMedia ACK parser must never crash, whatever bytes the network brings,
// and must give the same ACKs however the bytes are split.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "video/kvs/ack_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kedge::video::kvs::AckParser whole;
  size_t expected = whole.Feed(text).size();
  kedge::video::kvs::AckParser split;
  size_t got = 0;
  size_t step = size > 0 ? (data[0] % 13) + 1 : 1;
  for (size_t i = 0; i < size; i += step) got += split.Feed(text.substr(i, step)).size();
  if (got != expected) __builtin_trap();
  return 0;
}
