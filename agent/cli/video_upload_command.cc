// `kedge video upload FILE`: an existing MP4 / Matroska / MPEG-TS file to a Kinesis Video stream.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/cli/aws_context.h"
#include "agent/cli/video_cli.h"

#if KEDGE_WITH_VIDEO && defined(KEDGE_WITH_VIDEO_FILE)
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include "platform/aws/time_format.h"
#include "platform/logging.h"
#include "video/file/file_upload.h"
#endif

namespace kedge::agent {

#if KEDGE_WITH_VIDEO && defined(KEDGE_WITH_VIDEO_FILE)
namespace {

namespace kvs = video::kvs;

struct UploadArgs {
  std::string file;
  kvs::FragmentPipelineOptions pipeline;
  AwsFlags aws;
};

// Epoch seconds ("1767225600", "1767225600.25") or UTC "2026-01-01T00:00:00[.123]Z".
StatusOr<int64_t> ParseStartTime(const std::string& text) {
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0' && seconds > 0) return static_cast<int64_t>(seconds * 1000);
  aws::UtcTime utc;
  unsigned ms = 0;
  int used = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%n", &utc.year, &utc.month, &utc.day,
                      &utc.hour, &utc.minute, &utc.second, &used);
  std::string rest = n == 6 ? text.substr(static_cast<size_t>(used)) : std::string();
  if (n == 6 && rest.size() >= 2 && rest[0] == '.') {
    size_t digits = rest.find_first_not_of("0123456789", 1);
    std::string frac = rest.substr(1, digits - 1) + "000";
    ms = static_cast<unsigned>(std::atoi(frac.substr(0, 3).c_str()));
    rest = digits == std::string::npos ? "" : rest.substr(digits);
  }
  if (n == 6 && rest == "Z") {
    StatusOr<WallTime> wall = aws::FromUtc(utc);
    if (wall.ok()) return ToUnixMillis(*wall) + ms;
  }
  return InvalidArgumentError("--start-time '" + text +
                              "': use epoch seconds or 2026-01-02T03:04:05[.123]Z (UTC)");
}

Status ParseUploadOption(const std::vector<std::string>& args, size_t* i, UploadArgs* out) {
  const std::string& a = args[*i];
  kvs::FragmentPipelineOptions& p = out->pipeline;
  if (a == "--stream") {
    KEDGE_ASSIGN_OR_RETURN(p.upload.stream_name, TextValue(args, i));
  } else if (a == "--start-time") {
    KEDGE_ASSIGN_OR_RETURN(std::string text, TextValue(args, i));
    KEDGE_ASSIGN_OR_RETURN(p.start_time_ms, ParseStartTime(text));
  } else if (a == "--fragment-seconds") {
    KEDGE_ASSIGN_OR_RETURN(int seconds, IntValue(args, i, 1, 10));
    p.fragment_duration_ms = seconds * 1000;
  } else if (a == "--create") {
    p.upload.create_stream = true;
  } else if (a == "--retention-hours") {
    KEDGE_ASSIGN_OR_RETURN(p.upload.retention_hours, IntValue(args, i, 0, 87600));
  } else if (a == "--drain-seconds") {
    KEDGE_ASSIGN_OR_RETURN(int seconds, IntValue(args, i, 1, 24 * 3600));
    p.drain_timeout = std::chrono::seconds(seconds);
  } else if (a == "--store-dir") {
    KEDGE_ASSIGN_OR_RETURN(p.store.dir, TextValue(args, i));
  } else if (!a.empty() && a[0] != '-' && out->file.empty()) {
    out->file = a;
  } else {
    KEDGE_ASSIGN_OR_RETURN(bool consumed, out->aws.Consume(args, i));
    if (!consumed) return InvalidArgumentError("unknown option '" + a + "'");
  }
  return Status();
}

StatusOr<UploadArgs> ParseUploadArgs(const std::vector<std::string>& args) {
  UploadArgs out;
  out.pipeline.name = "upload";
  out.pipeline.drain_timeout = std::chrono::seconds(300);
  out.pipeline.store.max_age = Millis(0);  // a file's fragments may be old: never expire them
  for (size_t i = 0; i < args.size(); ++i) KEDGE_RETURN_IF_ERROR(ParseUploadOption(args, &i, &out));
  if (out.file.empty()) return InvalidArgumentError("name the FILE to upload");
  if (out.pipeline.upload.stream_name.empty()) return InvalidArgumentError("--stream is required");
  return out;
}

// Removes fragments an earlier, unfinished upload left: they came from a file that is still
// there and would otherwise be sent again alongside this one.
void ClearStore(const std::string& dir, Env& env) {
  StatusOr<std::vector<std::string>> names = env.ListDir(dir);
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    if (name.find(".kvf") != std::string::npos) (void)env.RemoveFile(dir + "/" + name);
  }
}

std::string ProgressText(const video::FileUploadStats& s, const video::VideoFileInfo& info,
                         int64_t start_ms, double mbps, int* percent) {
  int64_t total_ms = info.duration_ns / 1000000;
  int64_t done_ms = s.acked_until_ms > 0 ? s.acked_until_ms - start_ms : 0;
  bool finished = s.reading_done && s.pipeline.store.fragments == 0;
  *percent = finished       ? 100
             : total_ms > 0 ? static_cast<int>(std::clamp<int64_t>(done_ms * 100 / total_ms, 0, 99))
                            : 0;
  char text[200];
  std::snprintf(text, sizeof text,
                "%3d%%  %llu frames read, %llu fragments stored, %llu acknowledged, %.1f Mbit/s",
                *percent, static_cast<unsigned long long>(s.frames_read),
                static_cast<unsigned long long>(s.pipeline.fragments_stored),
                static_cast<unsigned long long>(s.pipeline.upload.fragments_persisted), mbps);
  return text;
}

// Prints progress until `done` is ready: a bar redrawn in place on a terminal, else a plain line
// every few seconds.
void ShowProgress(video::FileUpload& upload, std::future<Status>& done) {
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  const Millis every = tty ? Millis(250) : Millis(5000);
  int64_t start_ms = upload.options().start_time_ms;
  SteadyTime last_time = Clock::Real().Now();
  uint64_t last_bytes = 0;
  double mbps = 0;
  while (true) {
    bool finished = done.wait_for(every) == std::future_status::ready;
    video::FileUploadStats s = upload.stats();
    SteadyTime now = Clock::Real().Now();
    double seconds = std::chrono::duration<double>(now - last_time).count();
    if (seconds > 0) mbps = (s.pipeline.upload.bytes_sent - last_bytes) * 8 / seconds / 1e6;
    last_time = now;
    last_bytes = s.pipeline.upload.bytes_sent;
    int percent = 0;
    std::string text = ProgressText(s, upload.info(), start_ms, mbps, &percent);
    if (tty) {
      std::string bar(static_cast<size_t>(percent / 5), '#');
      bar.resize(20, ' ');
      std::printf("\r[%s] %s\x1b[K%s", bar.c_str(), text.c_str(), finished ? "\n" : "");
    } else {
      std::printf("progress: %s\n", text.c_str());
    }
    std::fflush(stdout);
    if (finished) return;
  }
}

}  // namespace

int UploadVideo(const std::vector<std::string>& argv, const char* usage) {
  for (const std::string& a : argv) {
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
  }
  StatusOr<UploadArgs> args = ParseUploadArgs(argv);
  if (!args.ok()) {
    std::fprintf(stderr, "kedge video upload: %s\n\n%s", args.status().message().c_str(), usage);
    return 2;
  }
  Env& env = Env::Default();
  auto ctx = MakeAwsContext(args->aws, "kinesisvideo", env);
  if (!ctx.ok()) return ReportFailure("video upload", ctx.status());
  kvs::FragmentPipelineOptions& p = args->pipeline;
  p.upload.region = ctx->region;
  p.upload.control_endpoint = ctx->endpoint;
  p.http.tls.ca_file = args->aws.ca_file;
  p.http.tls.verify_peer = !args->aws.insecure_skip_tls_verify;
  if (p.store.dir.empty()) p.store.dir = DefaultStoreDir("upload-" + p.upload.stream_name, env);
  ClearStore(p.store.dir, env);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by every thread started
  auto upload = video::FileUpload::Open(args->file, p, *ctx->credentials, Clock::Real(), env);
  if (!upload.ok()) return ReportFailure("video upload", upload.status());
  const video::VideoFileInfo& info = (*upload)->info();
  std::printf("%s: H.264 %dx%d, %.1f s, to stream %s\n", args->file.c_str(), info.width,
              info.height, info.duration_ns / 1e9, p.upload.stream_name.c_str());
  Status finished;
  {
    video::FileUpload& file_upload = **upload;
    SignalWatcher cancel(
        [&file_upload] {
          std::fprintf(stderr, "kedge video upload: cancelled; uploading what is stored\n");
          file_upload.RequestCancel();
        },
        [] { return false; });
    std::future<Status> done =
        std::async(std::launch::async, [&upload] { return (*upload)->Run(); });
    ShowProgress(**upload, done);
    finished = done.get();
  }
  video::FileUploadStats s = (*upload)->stats();
  const kvs::FragmentPipelineStats& ps = s.pipeline;
  std::printf(
      "%llu frames read, %llu written; %s\n", static_cast<unsigned long long>(s.frames_read),
      static_cast<unsigned long long>(ps.fragmenter.frames_written),
      FragmentSummary(ps.fragments_stored, ps.upload.fragments_persisted,
                      ps.upload.fragments_skipped + ps.store.dropped_full + ps.store.dropped_age,
                      ps.store.fragments, p.store.dir)
          .c_str());
  if (!finished.ok()) return ReportFailure("video upload", finished);
  if (ps.fragmenter.frames_written < s.frames_read) {
    std::fprintf(stderr,
                 "kedge video upload: warning: %llu frames could not be sent (before the first "
                 "key frame, or in a GOP longer than the 10 s a fragment may last)\n",
                 static_cast<unsigned long long>(s.frames_read - ps.fragmenter.frames_written));
  }
  if (ps.store.fragments > 0 || ps.upload.fragments_skipped > 0 || ps.store_errors > 0 ||
      ps.fragments_stored == 0) {
    std::string why = !ps.upload.last_error.empty() ? ps.upload.last_error
                      : ps.fragments_stored == 0    ? "the file gave no fragment to send"
                                                    : "not every fragment was acknowledged";
    return ReportFailure("video upload", UnavailableError(why));
  }
  return 0;
}

#else

int UploadVideo(const std::vector<std::string>&, const char*) {
  std::fprintf(stderr,
               "kedge video upload: this kedge was built without libavformat (FFmpeg), which "
               "reads the files; install libavformat-dev and rebuild\n");
  return 1;
}

#endif

}  // namespace kedge::agent
