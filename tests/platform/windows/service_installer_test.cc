#include "platform/windows/service_installer.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace kedge::windows {
namespace {

// An in-memory SCM database and Event Log registry.
class FakeServiceManager : public ServiceManager {
 public:
  Status Create(const ServiceInstallConfig& config) override {
    if (!create_error.ok()) return create_error;
    if (services.count(config.name)) {
      return Status(StatusCode::kAlreadyExists, "The specified service already exists.");
    }
    services[config.name] = config;
    return Status::Ok();
  }
  Status Delete(const std::string& name, uint32_t stop_timeout_ms) override {
    last_stop_timeout_ms = stop_timeout_ms;
    if (services.erase(name) == 0) {
      return Status(StatusCode::kNotFound, "The specified service does not exist.");
    }
    return Status::Ok();
  }
  Status AddEventSource(const std::string& name, const std::string& message_file) override {
    event_sources[name] = message_file;
    return Status::Ok();
  }
  Status RemoveEventSource(const std::string& name) override {
    return event_sources.erase(name) ? Status::Ok() : Status(StatusCode::kNotFound, name);
  }

  Status create_error;
  std::map<std::string, ServiceInstallConfig> services;
  std::map<std::string, std::string> event_sources;
  uint32_t last_stop_timeout_ms = 0;
};

class ServiceCommandTest : public ::testing::Test {
 protected:
  ServiceCommandTest() {
    FakeEnv env;
    env.SetVar("ProgramData", "C:\\ProgramData");
    paths_ = WindowsPaths(env);
  }
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunServiceCommand(args, manager_, kExe, paths_, out_, err_);
  }

  const std::string kExe = "C:\\Program Files\\kedge\\bin\\kedge.exe";
  Paths paths_;
  FakeServiceManager manager_;
  std::ostringstream out_, err_;
};

TEST_F(ServiceCommandTest, InstallCreatesAQuotedDelayedStartServiceThatRestartsOnFailure) {
  ASSERT_EQ(Run({"install"}), 0) << err_.str();
  ASSERT_EQ(manager_.services.count("kedge"), 1u);
  const ServiceInstallConfig& config = manager_.services["kedge"];
  EXPECT_EQ(config.command_line,
            "\"C:\\Program Files\\kedge\\bin\\kedge.exe\" service run --config "
            "C:\\ProgramData\\kedge\\kedge.yaml");
  EXPECT_TRUE(config.delayed_auto_start);
  EXPECT_EQ(config.account, "NT AUTHORITY\\LocalService");
  ASSERT_EQ(config.failure_actions.size(), 3u);
  for (const FailureAction& action : config.failure_actions) {
    EXPECT_EQ(action.type, FailureAction::Type::kRestart);
  }
  EXPECT_EQ(config.failure_actions[0].delay_ms, 5000u);
  EXPECT_EQ(config.failure_actions[2].delay_ms, 60000u);
  EXPECT_EQ(config.failure_reset_period_s, 86400u);
  EXPECT_TRUE(config.failure_actions_on_non_crash);
  EXPECT_GE(config.preshutdown_timeout_ms, 10000u);
  EXPECT_EQ(manager_.event_sources["kedge"], kExe);
  EXPECT_NE(out_.str().find("sc.exe start kedge"), std::string::npos);
}

TEST_F(ServiceCommandTest, InstallHonoursNameAndConfigOptions) {
  ASSERT_EQ(Run({"install", "--name", "kedge-lab", "--config", "D:\\my conf\\k.yaml"}), 0);
  ASSERT_EQ(manager_.services.count("kedge-lab"), 1u);
  EXPECT_NE(manager_.services["kedge-lab"].command_line.find(
                " service run --name kedge-lab --config \"D:\\my conf\\k.yaml\""),
            std::string::npos)
      << manager_.services["kedge-lab"].command_line;
}

TEST_F(ServiceCommandTest, InstallTwiceSaysTheServiceExists) {
  ASSERT_EQ(Run({"install"}), 0);
  EXPECT_EQ(Run({"install"}), 1);
  EXPECT_NE(err_.str().find("already exists"), std::string::npos);
}

TEST_F(ServiceCommandTest, AccessDeniedTellsTheUserToElevate) {
  manager_.create_error = Status(StatusCode::kPermissionDenied, "OpenSCManager: Access is denied.");
  EXPECT_EQ(Run({"install"}), 1);
  EXPECT_NE(err_.str().find("Run as administrator"), std::string::npos);
}

TEST_F(ServiceCommandTest, UninstallDeletesServiceAndEventSourceButKeepsData) {
  ASSERT_EQ(Run({"install"}), 0);
  ASSERT_EQ(Run({"uninstall"}), 0) << err_.str();
  EXPECT_TRUE(manager_.services.empty());
  EXPECT_TRUE(manager_.event_sources.empty());
  EXPECT_GT(manager_.last_stop_timeout_ms, 0u);
  EXPECT_NE(out_.str().find("C:\\ProgramData\\kedge is kept"), std::string::npos);
}

TEST_F(ServiceCommandTest, UninstallOfMissingServiceFails) {
  EXPECT_EQ(Run({"uninstall"}), 1);
  EXPECT_NE(err_.str().find("does not exist"), std::string::npos);
}

TEST_F(ServiceCommandTest, UsageErrorsExitTwoAndPrintUsage) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_NE(err_.str().find("usage: kedge service install"), std::string::npos);
  EXPECT_EQ(Run({"start"}), 2);
  EXPECT_NE(err_.str().find("unknown command 'start'"), std::string::npos);
  EXPECT_EQ(Run({"install", "--name"}), 2);
  EXPECT_NE(err_.str().find("--name needs a value"), std::string::npos);
  EXPECT_EQ(Run({"uninstall", "--config", "x"}), 2);
  EXPECT_TRUE(manager_.services.empty());
}

TEST(QuoteWindowsArgTest, FollowsCommandLineToArgvRules) {
  EXPECT_EQ(QuoteWindowsArg("C:\\kedge\\kedge.exe"), "C:\\kedge\\kedge.exe");
  EXPECT_EQ(QuoteWindowsArg("C:\\Program Files\\k.exe"), "\"C:\\Program Files\\k.exe\"");
  EXPECT_EQ(QuoteWindowsArg(""), "\"\"");
  EXPECT_EQ(QuoteWindowsArg("a \"b\""), "\"a \\\"b\\\"\"");
  EXPECT_EQ(QuoteWindowsArg("C:\\dir with space\\"), "\"C:\\dir with space\\\\\"");
  EXPECT_EQ(QuoteWindowsArg("x\\\" y"), "\"x\\\\\\\" y\"");
}

}  // namespace
}  // namespace kedge::windows
