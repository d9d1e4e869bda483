#pragma once
// Helpers for video/kvs tests: self-contained fragments as VideoStream stores them.

#include <cstdint>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "video/store/fragment_store.h"

namespace kedge::video::kvs::testing {

struct TestFragment {
  FragmentMeta meta;
  std::string payload;      // session header + [Tags] + Cluster
  size_t header_size = 0;   // bytes of the session header at the front
};

// `count` one-second fragments (10 frames each, 320x240 or `width` wide) from MkvFragmenter
// anchored at `clock`'s wall time, each with the session header in front.
std::vector<TestFragment> MakeFragments(int count, const Clock& clock, uint32_t width = 320);

}  // namespace kedge::video::kvs::testing
