#pragma once
// GstCapture: runs one camera's GStreamer pipeline on its own thread (`video-<name>`) and hands
// every H.264 access unit to a callback as a CapturedFrame.
//
// Create() validates the spec and builds the pipeline plan, so a missing device or element fails
// there with a clear message (which device, which element, which Debian package). Start() spawns
// the thread; it pulls samples from the appsink itself (no GLib main loop, no signals) and polls
// the bus for errors. When a run fails (bus error, or a live source's end of stream) the error is
// reported through `on_error`, and the pipeline is rebuilt after an exponential backoff. A file
// or a test source with num_buffers ends at end of stream; Wait() then returns OK.
//
// Threads: `on_frame` and `on_error` are called on the capture thread. `on_frame` may block (the
// appsink then fills up to max_queued_frames and the source is held back). Start, Stop, Wait and
// stats may be called from any thread; Stop returns after the thread has exited. The destructor
// stops.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"
#include "video/capture/camera_spec.h"
#include "video/capture/captured_frame.h"
#include "video/capture/element_probe.h"
#include "video/capture/frame_rules.h"
#include "video/capture/pipeline_plan.h"
#include "video/capture/timestamp_anchor.h"

typedef struct _GstSample GstSample;
typedef struct _GstMessage GstMessage;
typedef struct _GstElement GstElement;

namespace kedge::video {

class GstCapture {
 public:
  using FrameCallback = std::function<void(CapturedFrame&&)>;
  using ErrorCallback = std::function<void(const Status&)>;

  struct Options {
    CameraSpec spec;
    FrameCallback on_frame;
    ErrorCallback on_error;  // optional: each failed run, before the restart
    Millis restart_initial_backoff{1000};
    Millis restart_max_backoff{30000};
    int max_restarts = -1;  // -1: restart forever (a camera); 0: never
  };

  struct Stats {
    uint64_t frames = 0;
    uint64_t key_frames = 0;
    uint64_t bytes = 0;
    uint64_t dropped = 0;  // all buffers dropped by the appsink rules
    uint64_t dropped_before_key = 0;
    uint64_t restarts = 0;
  };

  // `probe` may be null: a GstElementProbe over `env` is used. Clock and Env must outlive this.
  static StatusOr<std::unique_ptr<GstCapture>> Create(Options options, Clock& clock, Env& env,
                                                      const ElementProbe* probe = nullptr);
  ~GstCapture();
  GstCapture(const GstCapture&) = delete;
  GstCapture& operator=(const GstCapture&) = delete;

  Status Start();
  void Stop();
  // Blocks until the capture ends (finite source done, restarts exhausted, or Stop) and returns
  // why: OK for a finished or stopped capture, else the last run's error.
  Status Wait();

  Stats stats() const;
  const PipelinePlan& plan() const { return plan_; }
  const CameraSpec& spec() const { return options_.spec; }

 private:
  GstCapture(Options options, PipelinePlan plan, const Clock& clock, const ElementProbe* probe);
  void Loop();
  Status RunOnce(uint32_t run, bool* delivered);
  // Pulls samples until end of stream, a bus error or Stop.
  Status PullLoop(GstElement* pipeline, GstElement* sink, uint32_t run, bool* delivered);
  Status BusError(GstMessage* msg) const;
  void LogWarning(GstMessage* msg) const;
  void HandleSample(GstSample* sample, GstElement* sink, uint32_t run);
  static int64_t RunningTimeNow(GstElement* sink);
  Millis Backoff(int failures) const;
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

  Options options_;
  PipelinePlan plan_;
  const ElementProbe* probe_;
  std::unique_ptr<ElementProbe> owned_probe_;

  // Capture-thread state.
  TimestampAnchor anchor_;
  bool seen_key_ = false;
  std::unique_ptr<StreamFormat> last_format_;

  std::atomic<bool> stop_{false};
  bool started_ = false;  // set by Start; Start/Wait are not called concurrently with Start
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;  // guarded by mu_
  Status final_status_;    // guarded by mu_

  std::atomic<uint64_t> frames_{0}, key_frames_{0}, bytes_{0}, dropped_{0}, dropped_before_key_{0},
      restarts_{0};
};

}  // namespace kedge::video
