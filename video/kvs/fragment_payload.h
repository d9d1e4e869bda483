#pragma once
// A stored fragment's payload is self-contained: [EBML header + Segment + Info + Tracks]
// [Tags] Cluster. The uploader sends the header once per PutMedia session and strips it from
// the fragments that follow, so it needs to know where the header ends. Pure code.

#include <cstddef>
#include <string_view>

#include "platform/status.h"

namespace kedge::video::kvs {

// The length of the session header at the start of `payload`: up to the first Tags or
// Cluster element after the Segment's Info and Tracks. 0 when the payload does not start with
// an EBML header (a bare [Tags] + Cluster). DataLoss when the header is cut short or malformed.
StatusOr<size_t> SessionHeaderLength(std::string_view payload);

}  // namespace kedge::video::kvs
