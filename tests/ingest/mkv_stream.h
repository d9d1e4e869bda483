#pragma once
// Builds PutMedia bodies for the tests with the project's own MkvFragmenter: one session header
// and `fragments` fragments of `frames_per_fragment` frames (25 fps, 320x240 synthetic H.264).

#include <string>
#include <vector>

#include "platform/clock.h"

namespace kedge::ingest::testing {

struct MkvStream {
  std::string header;                  // EBML header + Segment + Info + Tracks
  std::vector<std::string> fragments;  // [Tags] + Cluster each
  std::vector<uint64_t> timecodes;     // each fragment's Cluster Timecode (epoch ms)
  std::string All() const;
};

MkvStream MakeMkvStream(const Clock& clock, int fragments, int frames_per_fragment = 5,
                        size_t frame_bytes = 200);

}  // namespace kedge::ingest::testing
