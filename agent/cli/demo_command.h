#pragma once
// `kedge demo [--duration SECONDS] [--data-dir DIR] [--no-video]`: the whole path on one machine,
// no AWS account. Starts kedge-ingest (found next to kedge, in the build tree, or on PATH) on
// 127.0.0.1, creates a data stream, a Firehose delivery stream and a video stream, then runs the
// agent in this process — an application log written at a steady rate and system metrics — and
// the test camera (GStreamer's videotestsrc; skipped with a note when GStreamer lacks it).
// Prints the web console's URL and live counters (one refreshing line on a terminal, a line every
// 5 s otherwise) until Ctrl-C, SIGTERM or --duration; then reads back what arrived and exits 0
// only when the records and fragments are there.

#include <string>
#include <vector>

namespace kedge::agent {

int DemoCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
