#include "agent/cli/video_command.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

#include "agent/cli/aws_context.h"
#include "agent/cli/video_cli.h"
#include "platform/logging.h"
#include "video/kvs/video_stream.h"

namespace kedge::agent {

StatusOr<int> IntValue(const std::vector<std::string>& args, size_t* i, int min, int max) {
  const std::string& flag = args[*i];
  if (*i + 1 >= args.size()) return InvalidArgumentError(flag + " needs a value");
  const std::string& text = args[++*i];
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) {
    return InvalidArgumentError(flag + " '" + text + "': expected a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int>(value);
}

StatusOr<std::string> TextValue(const std::vector<std::string>& args, size_t* i) {
  if (*i + 1 >= args.size()) return InvalidArgumentError(args[*i] + " needs a value");
  return args[++*i];
}

std::string DefaultStoreDir(const std::string& stream, Env& env) {
  std::optional<std::string> state = env.GetVar("XDG_STATE_HOME");
  std::optional<std::string> home = env.HomeDir();
  std::string base = state && !state->empty() ? *state
                     : home && !home->empty() ? *home + "/.local/state"
                                              : std::string("/tmp");
  return base + "/kedge/video/" + stream;
}

std::string FragmentSummary(uint64_t stored, uint64_t acknowledged, uint64_t dropped, uint64_t left,
                            const std::string& dir) {
  return std::to_string(stored) + " fragments stored, " + std::to_string(acknowledged) +
         " acknowledged, " + std::to_string(dropped) + " dropped; " + std::to_string(left) +
         " left in " + dir;
}

SignalWatcher::SignalWatcher(std::function<void()> on_signal, std::function<bool()> on_tick) {
  thread_ = std::thread([this, on_signal = std::move(on_signal), on_tick = std::move(on_tick)] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    timespec tick{0, 200 * 1000 * 1000};
    while (!done_.load()) {
      if (sigtimedwait(&set, nullptr, &tick) > 0) return on_signal();
      if (on_tick()) return;
    }
  });
}

SignalWatcher::~SignalWatcher() {
  done_ = true;
  thread_.join();
}

namespace {

namespace kvs = video::kvs;

constexpr char kVideoUsage[] =
    "usage: kedge video put --stream NAME [--source SPEC] [--width W] [--height H] [--fps F]\n"
    "                       [--bitrate KBPS] [--fragment-seconds N] [--encoder NAME]\n"
    "                       [--duration SECONDS | --frames N] [--fast] [--store-dir DIR]\n"
    "                       [--create] [--retention-hours N] [--drain-seconds N]\n"
    "                       [--endpoint URL] [--region R] [--profile P] [--ca-file PEM]\n"
    "                       [--insecure-skip-tls-verify]\n"
    "\n"
    "Streams a camera to a Kinesis Video stream and prints each fragment as it is persisted.\n"
    "SPEC: test | v4l2:/dev/videoN | libcamera[:NAME] | nvargus[:ID] | rtsp://... | file:PATH\n"
    "(default test). Runs until --duration, --frames or Ctrl-C; then uploads what is buffered\n"
    "(for up to --drain-seconds, default 15) and exits 0 only when every fragment captured was\n"
    "acknowledged. Fragments not yet acknowledged stay in --store-dir and go first next time.\n"
    "--fast: the test source produces frames as fast as it can instead of in real time.\n"
    "\n"
    "       kedge video upload FILE --stream NAME [--start-time T] [--fragment-seconds N]\n"
    "                       [--create] [--retention-hours N] [--drain-seconds N]\n"
    "                       [--endpoint URL] [--region R] [--profile P] [--ca-file PEM]\n"
    "\n"
    "Uploads the H.264 video of an MP4, Matroska or MPEG-TS file (no re-encoding) and exits 0\n"
    "only when every fragment was acknowledged. T: when the file's first frame was taken, as\n"
    "epoch seconds or 2026-01-02T03:04:05[.123]Z (default: the file ends now).\n"
    "--drain-seconds (default 300) bounds the wait for the last acknowledgements.\n";

struct VideoArgs {
  kvs::VideoStreamOptions stream;
  AwsFlags aws;
  std::optional<int> duration_s;
};

// Parses one option at args[*i]; InvalidArgument for an unknown or bad one.
Status ParseOption(const std::vector<std::string>& args, size_t* i, VideoArgs* out) {
  const std::string& a = args[*i];
  video::CameraSpec& camera = out->stream.camera;
  kvs::KvsUploaderOptions& upload = out->stream.upload;
  if (a == "--stream") {
    KEDGE_ASSIGN_OR_RETURN(upload.stream_name, TextValue(args, i));
  } else if (a == "--source") {
    KEDGE_ASSIGN_OR_RETURN(std::string spec, TextValue(args, i));
    KEDGE_ASSIGN_OR_RETURN(camera.source, video::ParseSourceSpec(spec));
  } else if (a == "--encoder") {
    KEDGE_ASSIGN_OR_RETURN(std::string name, TextValue(args, i));
    KEDGE_ASSIGN_OR_RETURN(camera.encoder, video::ParseEncoderChoice(name));
  } else if (a == "--width") {
    KEDGE_ASSIGN_OR_RETURN(camera.width, IntValue(args, i, 16, 8192));
  } else if (a == "--height") {
    KEDGE_ASSIGN_OR_RETURN(camera.height, IntValue(args, i, 16, 8192));
  } else if (a == "--fps") {
    KEDGE_ASSIGN_OR_RETURN(camera.fps, IntValue(args, i, 1, 240));
  } else if (a == "--bitrate") {
    KEDGE_ASSIGN_OR_RETURN(camera.bitrate_kbps, IntValue(args, i, 16, 200000));
  } else if (a == "--fragment-seconds") {
    KEDGE_ASSIGN_OR_RETURN(int seconds, IntValue(args, i, 1, 10));
    camera.fragment_duration_ms = seconds * 1000;
  } else if (a == "--duration") {
    KEDGE_ASSIGN_OR_RETURN(out->duration_s, IntValue(args, i, 1, 365 * 24 * 3600));
  } else if (a == "--frames") {
    KEDGE_ASSIGN_OR_RETURN(camera.num_buffers, IntValue(args, i, 1, 1 << 30));
  } else if (a == "--fast") {
    camera.test_live = false;
  } else if (a == "--store-dir") {
    KEDGE_ASSIGN_OR_RETURN(out->stream.store.dir, TextValue(args, i));
  } else if (a == "--create") {
    upload.create_stream = true;
  } else if (a == "--retention-hours") {
    KEDGE_ASSIGN_OR_RETURN(upload.retention_hours, IntValue(args, i, 0, 87600));
  } else if (a == "--drain-seconds") {
    KEDGE_ASSIGN_OR_RETURN(int seconds, IntValue(args, i, 0, 3600));
    out->stream.drain_timeout = std::chrono::seconds(seconds);
  } else {
    KEDGE_ASSIGN_OR_RETURN(bool consumed, out->aws.Consume(args, i));
    if (!consumed) return InvalidArgumentError("unknown option '" + a + "'");
  }
  return Status();
}

StatusOr<VideoArgs> ParseArgs(const std::vector<std::string>& args) {
  VideoArgs out;
  out.stream.camera.name = "cli";
  for (size_t i = 0; i < args.size(); ++i) {
    KEDGE_RETURN_IF_ERROR(ParseOption(args, &i, &out));
  }
  if (out.stream.upload.stream_name.empty()) return InvalidArgumentError("--stream is required");
  if (out.duration_s && out.stream.camera.num_buffers > 0) {
    return InvalidArgumentError("give --duration or --frames, not both");
  }
  return out;
}

void PrintOutcome(const kvs::FragmentOutcome& o) {
  if (o.type == kvs::AckType::kError) {
    std::printf("fragment %lld: ERROR %d %s%s\n", static_cast<long long>(o.timecode_ms), o.error_id,
                std::string(kvs::AckErrorName(o.error_id)).c_str(),
                o.skipped ? " (dropped)" : " (will be resent)");
  } else {
    std::printf("fragment %lld %s in %lld ms, %lld ms after its end (number %s)\n",
                static_cast<long long>(o.timecode_ms),
                o.type == kvs::AckType::kPersisted ? "persisted" : "received",
                static_cast<long long>(o.latency.count()),
                static_cast<long long>(o.end_to_ack.count()), o.fragment_number.c_str());
  }
  std::fflush(stdout);
}

int PutVideo(const std::vector<std::string>& argv) {
  StatusOr<VideoArgs> args = ParseArgs(argv);
  if (!args.ok()) {
    std::fprintf(stderr, "kedge video put: %s\n\n%s", args.status().message().c_str(), kVideoUsage);
    return 2;
  }
  Env& env = Env::Default();
  auto ctx = MakeAwsContext(args->aws, "kinesisvideo", env);
  if (!ctx.ok()) return ReportFailure("video put", ctx.status());
  kvs::VideoStreamOptions& options = args->stream;
  options.upload.region = ctx->region;
  options.upload.control_endpoint = ctx->endpoint;
  options.http.tls.ca_file = args->aws.ca_file;
  options.http.tls.verify_peer = !args->aws.insecure_skip_tls_verify;
  if (options.store.dir.empty()) {
    options.store.dir = DefaultStoreDir(options.upload.stream_name, env);
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by every thread started
  auto stream =
      kvs::VideoStream::Create(options, *ctx->credentials, Clock::Real(), env, &PrintOutcome);
  if (!stream.ok()) return ReportFailure("video put", stream.status());
  Status finished = (*stream)->Start();
  if (finished.ok()) {
    // Stops on a signal, when the duration is over, or when the upload cannot go on (the
    // stream does not exist).
    kvs::VideoStream& video = **stream;
    SteadyTime end = Clock::Real().Now() + std::chrono::seconds(args->duration_s.value_or(0));
    SignalWatcher watcher(
        [&video] {
          std::fprintf(stderr, "kedge video put: stopping; uploading what is left\n");
          video.RequestStop();
        },
        [&video, &args, end] {
          bool unusable = !video.upload_error().ok();
          if (!unusable && !(args->duration_s && Clock::Real().Now() >= end)) return false;
          video.RequestStop();
          return true;
        });
    finished = (*stream)->Wait();
  }
  kvs::VideoStreamStats s = (*stream)->stats();
  std::printf(
      "%llu frames, %s\n", static_cast<unsigned long long>(s.capture.frames),
      FragmentSummary(s.fragments_stored, s.upload.fragments_persisted,
                      s.upload.fragments_skipped + s.store.dropped_full + s.store.dropped_age,
                      s.store.fragments, options.store.dir)
          .c_str());
  std::vector<int64_t> latencies = s.upload.recent_end_to_ack_ms;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    std::printf("ACK latency from fragment end: p50 %lld ms, max %lld ms\n",
                static_cast<long long>(latencies[latencies.size() / 2]),
                static_cast<long long>(latencies.back()));
  }
  if (!finished.ok()) return ReportFailure("video put", finished);
  if (s.store.fragments > 0 || s.upload.fragments_skipped > 0 || s.store_errors > 0) {
    std::string why =
        s.upload.last_error.empty() ? "not every fragment was acknowledged" : s.upload.last_error;
    return ReportFailure("video put", UnavailableError(why));
  }
  return 0;
}

}  // namespace

int VideoCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kVideoUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "put") return PutVideo(rest);
  if (args[0] == "upload") return UploadVideo(rest, kVideoUsage);
  std::fprintf(stderr, "kedge video: unknown subcommand '%s'\n\n%s", args[0].c_str(), kVideoUsage);
  return 2;
}

}  // namespace kedge::agent
