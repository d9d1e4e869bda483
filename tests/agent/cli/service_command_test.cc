#include "agent/cli/service_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "platform/windows/scm_service_host.h"
#include "tests/platform/windows/fake_scm.h"
#include "tests/support/test_util.h"

// `kedge service`: the parts every platform has, and the real `kedge run` loop driven by the
// Windows SCM host's logic (platform/windows/scm_service_host.h) as the SCM would drive it.

namespace kedge::agent {
namespace {

using windows::FakeEvents;
using windows::FakeScm;
using windows::ScmServiceHost;
using windows::ServiceState;

Paths WindowsLikePaths() {
  Paths paths;
  paths.config_dir = "C:\\ProgramData\\kedge";
  paths.config_file = "C:\\ProgramData\\kedge\\kedge.yaml";
  paths.state_dir = "C:\\ProgramData\\kedge\\state";
  paths.log_dir = "C:\\ProgramData\\kedge\\logs";
  return paths;
}

#ifndef _WIN32
TEST(ServiceCommandTest, OnLinuxSaysItIsForWindowsAndNamesTheSystemdUnit) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(ServiceCommand({"install"}), 2);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Windows service"), std::string::npos) << err;
  EXPECT_NE(err.find("systemctl enable --now kedge"), std::string::npos) << err;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(ServiceCommand({"--help"}), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), kServiceIsForWindows);
}
#endif

TEST(ServiceRunArgsTest, DefaultsToTheProgramDataConfigAndTheServiceNameKedge) {
  StatusOr<ServiceRunArgs> parsed = ParseServiceRunArgs({}, WindowsLikePaths());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "kedge");
  EXPECT_EQ(parsed->run_args,
            (std::vector<std::string>{"--config", "C:\\ProgramData\\kedge\\kedge.yaml"}));
}

TEST(ServiceRunArgsTest, TakesNameConfigAndLogLevel) {
  StatusOr<ServiceRunArgs> parsed =
      ParseServiceRunArgs({"--name", "kedge-lab", "--config", "D:\\k.yaml", "--log-level", "debug"},
                          WindowsLikePaths());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "kedge-lab");
  EXPECT_EQ(parsed->run_args,
            (std::vector<std::string>{"--config", "D:\\k.yaml", "--log-level", "debug"}));
}

TEST(ServiceRunArgsTest, RefusesUnknownArgumentsAndMissingValues) {
  StatusOr<ServiceRunArgs> unknown = ParseServiceRunArgs({"--bogus", "x"}, WindowsLikePaths());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("--bogus"), std::string::npos);
  StatusOr<ServiceRunArgs> missing = ParseServiceRunArgs({"--config"}, WindowsLikePaths());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("--config needs a value"), std::string::npos);
}

// A working config in a temporary directory: a file source, a file sink, no status server.
class RunLoopServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("kedge-service");
    config_ = dir_ + "/kedge.yaml";
    std::ofstream(dir_ + "/in.log") << "hello\n";
    std::ofstream(config_) << "state_dir: " << dir_ << "/state\n"
                           << "http:\n  enabled: false\n"
                           << "sinks:\n  - {name: l, type: file, path: " << dir_ << "/out}\n"
                           << "sources:\n  - {name: s, type: file, path: " << dir_
                           << "/in.log, sink: l}\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the service as the SCM would: ServiceMain on its own thread, `control` from this one
  // (the dispatcher's) once the service reports RUNNING. Returns the exit code.
  uint32_t RunUntilControl(RunLoopService& service, uint32_t control) {
    ScmServiceHost host(scm_, service, &events_);
    uint32_t exit_code = 0;
    std::thread service_main([&] { exit_code = host.RunServiceMain(); });
    scm_.WaitFor(ServiceState::kRunning);
    EXPECT_EQ(host.HandleControl(control), windows::kNoError);
    service_main.join();
    return exit_code;
  }

  std::string dir_;
  std::string config_;
  FakeScm scm_;
  FakeEvents events_;
};

TEST_F(RunLoopServiceTest, RealRunLoopReportsRunningAndDrainsOnStop) {
  RunLoopService service({"--config", config_});
  EXPECT_EQ(RunUntilControl(service, windows::kControlStop), windows::kNoError);
  std::vector<ServiceState> states = scm_.states();
  ASSERT_GE(states.size(), 4u);
  EXPECT_EQ(states.front(), ServiceState::kStartPending);
  EXPECT_EQ(states[1], ServiceState::kRunning);
  EXPECT_EQ(states[2], ServiceState::kStopPending);
  EXPECT_EQ(states.back(), ServiceState::kStopped);
  EXPECT_EQ(scm_.reports().back().win32_exit_code, windows::kNoError);
  EXPECT_EQ(service.last_stop_reason(), StopReason::kStop);
  ASSERT_EQ(events_.events.size(), 2u);
  EXPECT_EQ(events_.events[0].second, "kedge started");
  EXPECT_EQ(events_.events[1].second, "kedge stopped");
  // The spool was created under state_dir: the agent really ran.
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state/spool.db"));
}

TEST_F(RunLoopServiceTest, PreshutdownDrainsTheRunLoopAndKeepsTheReason) {
  RunLoopService service({"--config", config_});
  EXPECT_EQ(RunUntilControl(service, windows::kControlPreshutdown), windows::kNoError);
  EXPECT_EQ(service.last_stop_reason(), StopReason::kPreshutdown);
  EXPECT_EQ(scm_.states().back(), ServiceState::kStopped);
}

TEST_F(RunLoopServiceTest, BadConfigStopsTheServiceWithAnErrorInTheEventLog) {
  std::ofstream(config_) << "sinks: [\n";  // not YAML
  RunLoopService service({"--config", config_});
  ScmServiceHost host(scm_, service, &events_);
  EXPECT_EQ(host.RunServiceMain(), windows::kErrorServiceSpecificError);
  EXPECT_EQ(scm_.states(),
            (std::vector<ServiceState>{ServiceState::kStartPending, ServiceState::kStopped}));
  EXPECT_EQ(scm_.reports().back().service_exit_code, 1u);
  ASSERT_EQ(events_.events.size(), 1u);
  EXPECT_EQ(events_.events[0].first, windows::EventKind::kError);
  EXPECT_NE(events_.events[0].second.find("exit status 1"), std::string::npos)
      << events_.events[0].second;
}

TEST_F(RunLoopServiceTest, StopRequestedBeforeTheAgentStartsIsNotLost) {
  RunLoopService service({"--config", config_});
  service.RequestStop(StopReason::kShutdown);  // e.g. the machine shuts down during start-up
  NullServiceHost host;
  EXPECT_TRUE(service.Run(host).ok());
  EXPECT_EQ(service.last_stop_reason(), StopReason::kShutdown);
  // The stop was used up by that run; the next one runs until asked again.
  FakeScm scm;
  ScmServiceHost scm_host(scm, service, nullptr);
  std::thread service_main([&] { scm_host.RunServiceMain(); });
  scm.WaitFor(ServiceState::kRunning);
  scm_host.HandleControl(windows::kControlStop);
  service_main.join();
  EXPECT_EQ(scm.states().back(), ServiceState::kStopped);
}

}  // namespace
}  // namespace kedge::agent
