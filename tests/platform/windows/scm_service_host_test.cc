#include "platform/windows/scm_service_host.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/platform/windows/fake_scm.h"

namespace kedge::windows {
namespace {

// A service whose Run is scripted by the test: `body` runs inside Run with the host.
class FakeService : public Service {
 public:
  std::function<Status(ServiceHost&)> body = [](ServiceHost& host) {
    host.NotifyReady();
    return Status::Ok();
  };
  std::vector<StopReason> stop_requests;
  // What the SCM had last been told when RequestStop was called.
  std::vector<ServiceStatusReport> report_at_stop_request;
  FakeScm* scm = nullptr;

  Status Run(ServiceHost& host) override { return body(host); }
  void RequestStop(StopReason reason) override {
    stop_requests.push_back(reason);
    if (scm != nullptr) report_at_stop_request.push_back(scm->reports().back());
  }
};

class ScmServiceHostTest : public ::testing::Test {
 protected:
  ScmServiceHostTest() { service_.scm = &scm_; }
  FakeScm scm_;
  FakeService service_;
  FakeEvents events_;
  ScmTimings timings_{20000, 45000};
  ScmServiceHost host_{scm_, service_, &events_, timings_};
};

TEST_F(ScmServiceHostTest, StartsPendingWithNoControlsThenRunsAcceptingStopAndShutdowns) {
  service_.body = [&](ServiceHost& host) {
    ServiceStatusReport starting = scm_.reports().back();
    EXPECT_EQ(starting.state, ServiceState::kStartPending);
    EXPECT_EQ(starting.controls_accepted, 0u);
    EXPECT_EQ(starting.wait_hint_ms, 20000u);
    EXPECT_EQ(starting.check_point, 1u);
    host.NotifyReady();
    ServiceStatusReport running = scm_.reports().back();
    EXPECT_EQ(running.state, ServiceState::kRunning);
    EXPECT_EQ(running.controls_accepted, kAcceptStop | kAcceptShutdown | kAcceptPreshutdown);
    EXPECT_EQ(running.wait_hint_ms, 0u);
    EXPECT_EQ(running.check_point, 0u);
    EXPECT_EQ(host_.HandleControl(kControlStop), kNoError);
    return Status::Ok();
  };
  EXPECT_EQ(host_.RunServiceMain(), kNoError);
  EXPECT_EQ(scm_.states(),
            (std::vector<ServiceState>{ServiceState::kStartPending, ServiceState::kRunning,
                                       ServiceState::kStopPending, ServiceState::kStopped}));
  ServiceStatusReport stopped = scm_.reports().back();
  EXPECT_EQ(stopped.win32_exit_code, kNoError);
  EXPECT_EQ(stopped.controls_accepted, 0u);
  EXPECT_EQ(service_.stop_requests, std::vector<StopReason>{StopReason::kStop});
}

TEST_F(ScmServiceHostTest, StopReportsStopPendingWithWaitHintBeforeAskingTheServiceToStop) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    host_.HandleControl(kControlStop);
    return Status::Ok();
  };
  host_.RunServiceMain();
  ASSERT_EQ(service_.report_at_stop_request.size(), 1u);
  const ServiceStatusReport& pending = service_.report_at_stop_request[0];
  EXPECT_EQ(pending.state, ServiceState::kStopPending);
  EXPECT_EQ(pending.wait_hint_ms, 45000u);
  EXPECT_EQ(pending.check_point, 1u);
  EXPECT_EQ(pending.controls_accepted, 0u);
}

TEST_F(ScmServiceHostTest, PreshutdownAsksTheServiceToFlushForShutdown) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    EXPECT_EQ(host_.HandleControl(kControlPreshutdown), kNoError);
    return Status::Ok();
  };
  host_.RunServiceMain();
  EXPECT_EQ(service_.stop_requests, std::vector<StopReason>{StopReason::kPreshutdown});
  EXPECT_EQ(service_.report_at_stop_request.at(0).state, ServiceState::kStopPending);
}

TEST_F(ScmServiceHostTest, ShutdownAfterPreshutdownDoesNotAskTwice) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    host_.HandleControl(kControlPreshutdown);
    EXPECT_EQ(host_.HandleControl(kControlShutdown), kNoError);
    EXPECT_EQ(host_.HandleControl(kControlStop), kNoError);
    return Status::Ok();
  };
  host_.RunServiceMain();
  EXPECT_EQ(service_.stop_requests, std::vector<StopReason>{StopReason::kPreshutdown});
}

TEST_F(ScmServiceHostTest, ShutdownControlMapsToShutdownReason) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    host_.HandleControl(kControlShutdown);
    return Status::Ok();
  };
  host_.RunServiceMain();
  EXPECT_EQ(service_.stop_requests, std::vector<StopReason>{StopReason::kShutdown});
}

TEST_F(ScmServiceHostTest, WatchdogWhileStoppingAdvancesTheCheckpointSoTheScmWaits) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    host.NotifyWatchdog();  // running: nothing to report
    size_t reports_when_running = scm_.reports().size();
    host_.HandleControl(kControlStop);
    host.NotifyStopping();  // already pending: no new report
    host.NotifyWatchdog();
    host.NotifyWatchdog();
    auto reports = scm_.reports();
    EXPECT_EQ(reports.size(), reports_when_running + 3);
    EXPECT_EQ(reports.back().state, ServiceState::kStopPending);
    EXPECT_EQ(reports.back().check_point, 3u);
    EXPECT_EQ(reports.back().wait_hint_ms, 45000u);
    return Status::Ok();
  };
  host_.RunServiceMain();
}

TEST_F(ScmServiceHostTest, ServiceThatStopsOnItsOwnReportsStopPendingThenStopped) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    host.NotifyStopping();
    return Status::Ok();
  };
  host_.RunServiceMain();
  EXPECT_EQ(scm_.states(),
            (std::vector<ServiceState>{ServiceState::kStartPending, ServiceState::kRunning,
                                       ServiceState::kStopPending, ServiceState::kStopped}));
  EXPECT_TRUE(service_.stop_requests.empty());
}

TEST_F(ScmServiceHostTest, FailedRunStopsWithServiceSpecificErrorAndLogsAnEvent) {
  service_.body = [](ServiceHost&) {
    return Status(StatusCode::kInvalidArgument, "kedge.yaml:3: sinks: required");
  };
  EXPECT_EQ(host_.RunServiceMain(), kErrorServiceSpecificError);
  ServiceStatusReport stopped = scm_.reports().back();
  EXPECT_EQ(stopped.state, ServiceState::kStopped);
  EXPECT_EQ(stopped.win32_exit_code, kErrorServiceSpecificError);
  EXPECT_EQ(stopped.service_exit_code, 1u);
  ASSERT_EQ(events_.events.size(), 1u);
  EXPECT_EQ(events_.events[0].first, EventKind::kError);
  EXPECT_NE(events_.events[0].second.find("kedge.yaml:3: sinks: required"), std::string::npos);
}

TEST_F(ScmServiceHostTest, CleanRunLogsStartAndStopEvents) {
  host_.RunServiceMain();
  ASSERT_EQ(events_.events.size(), 2u);
  EXPECT_EQ(events_.events[0], std::make_pair(EventKind::kInfo, std::string("kedge started")));
  EXPECT_EQ(events_.events[1], std::make_pair(EventKind::kInfo, std::string("kedge stopped")));
}

TEST_F(ScmServiceHostTest, InterrogateRepeatsTheCurrentStatusAndUnknownControlsAreRefused) {
  service_.body = [&](ServiceHost& host) {
    host.NotifyReady();
    size_t before = scm_.reports().size();
    EXPECT_EQ(host_.HandleControl(kControlInterrogate), kNoError);
    EXPECT_EQ(scm_.reports().size(), before + 1);
    EXPECT_EQ(scm_.reports().back().state, ServiceState::kRunning);
    EXPECT_EQ(host_.HandleControl(0x2 /* PAUSE */), kErrorCallNotImplemented);
    EXPECT_EQ(scm_.reports().size(), before + 1);
    return Status::Ok();
  };
  host_.RunServiceMain();
  EXPECT_TRUE(service_.stop_requests.empty());
}

TEST_F(ScmServiceHostTest, WatchdogIntervalIsHalfTheShorterWaitHint) {
  EXPECT_EQ(host_.WatchdogInterval(), std::chrono::microseconds(10000000));
}

// The real threading shape: ServiceMain's thread runs the service until the dispatcher
// thread delivers STOP.
TEST(ScmServiceHostThreadTest, StopFromTheDispatcherThreadEndsRunOnTheServiceThread) {
  FakeScm scm;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  class BlockingService : public Service {
   public:
    BlockingService(std::mutex& mu, std::condition_variable& cv, bool& stop)
        : mu_(mu), cv_(cv), stop_(stop) {}
    Status Run(ServiceHost& host) override {
      host.NotifyReady();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_; });
      return Status::Ok();
    }
    void RequestStop(StopReason) override {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    std::mutex& mu_;
    std::condition_variable& cv_;
    bool& stop_;
  } service(mu, cv, stop);
  ScmServiceHost host(scm, service, nullptr);

  uint32_t exit_code = 99;
  std::thread service_main([&] { exit_code = host.RunServiceMain(); });
  scm.WaitFor(ServiceState::kRunning);
  EXPECT_EQ(host.HandleControl(kControlStop), kNoError);
  service_main.join();
  EXPECT_EQ(exit_code, kNoError);
  EXPECT_EQ(host.current().state, ServiceState::kStopped);
}

}  // namespace
}  // namespace kedge::windows
