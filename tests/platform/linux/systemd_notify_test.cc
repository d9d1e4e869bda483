#include "platform/linux/systemd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <random>

#include "tests/support/test_util.h"

namespace kedge {
namespace {

using std::chrono::microseconds;

// A datagram socket standing in for systemd's notification socket. Bound to a path in a temp
// dir, or to a random abstract name.
class NotifySocket {
 public:
  static NotifySocket AtPath() {
    return NotifySocket(kedge::testing::MakeTempDir("kedge-notify") + "/notify");
  }
  static NotifySocket Abstract() {
    std::random_device random;
    return NotifySocket("@kedge-test-" + std::to_string(getpid()) + "-" +
                        std::to_string(random()));
  }
  NotifySocket(NotifySocket&& other) noexcept : name_(other.name_), fd_(other.fd_) {
    other.fd_ = -1;
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
    if (!name_.empty() && name_[0] == '/') unlink(name_.c_str());
  }

  // The NOTIFY_SOCKET value.
  const std::string& name() const { return name_; }

  // The next queued datagram, or "<none>" when none is queued. A datagram sent over AF_UNIX is
  // queued before sendto returns, so no waiting is needed.
  std::string Receive() const {
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    return n < 0 ? "<none>" : std::string(buffer, static_cast<size_t>(n));
  }

 private:
  explicit NotifySocket(std::string name) : name_(std::move(name)) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    if (name_[0] == '@') addr.sun_path[0] = '\0';
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
  }

  std::string name_;
  int fd_ = -1;
};

constexpr long kPid = 4242;

TEST(SystemdNotifierTest, SendsReadyStatusWatchdogAndStoppingAsSeparateDatagrams) {
  NotifySocket listener = NotifySocket::AtPath();
  FakeEnv env({{"NOTIFY_SOCKET", listener.name()}, {"WATCHDOG_USEC", "30000000"}});
  auto notifier = SystemdNotifier::FromEnv(env, kPid);
  ASSERT_NE(notifier, nullptr);

  notifier->NotifyReady();
  notifier->NotifyStatus("uploading to edge-logs");
  notifier->NotifyWatchdog();
  notifier->NotifyStopping();

  EXPECT_EQ(listener.Receive(), "READY=1");
  EXPECT_EQ(listener.Receive(), "STATUS=uploading to edge-logs");
  EXPECT_EQ(listener.Receive(), "WATCHDOG=1");
  EXPECT_EQ(listener.Receive(), "STOPPING=1");
  EXPECT_EQ(listener.Receive(), "<none>");
}

TEST(SystemdNotifierTest, ReachesAnAbstractSocketNamedWithAt) {
  NotifySocket listener = NotifySocket::Abstract();
  FakeEnv env;
  env.SetVar("NOTIFY_SOCKET", listener.name());
  auto notifier = SystemdNotifier::FromEnv(env, kPid);
  ASSERT_NE(notifier, nullptr);

  ASSERT_TRUE(notifier->Send("READY=1").ok());
  EXPECT_EQ(listener.Receive(), "READY=1");
}

TEST(SystemdNotifierTest, StatusNewlinesBecomeSpacesSoTheMessageStaysOneAssignment) {
  NotifySocket listener = NotifySocket::AtPath();
  SystemdNotifier notifier(listener.name(), microseconds(0));
  notifier.NotifyStatus("spool 80% full\nREADY=1\r\nstill going");
  EXPECT_EQ(listener.Receive(), "STATUS=spool 80% full READY=1  still going");
}

TEST(SystemdNotifierTest, WatchdogPingIsNotSentWhenTheWatchdogIsOff) {
  NotifySocket listener = NotifySocket::AtPath();
  SystemdNotifier notifier(listener.name(), microseconds(0));
  notifier.NotifyWatchdog();
  EXPECT_EQ(listener.Receive(), "<none>");
  EXPECT_EQ(notifier.WatchdogInterval().count(), 0);
}

TEST(SystemdNotifierTest, NoNotifySocketMeansNoNotifierAndANullHost) {
  FakeEnv env;
  env.SetVar("WATCHDOG_USEC", "30000000");
  EXPECT_EQ(SystemdNotifier::FromEnv(env, kPid), nullptr);
  env.SetVar("NOTIFY_SOCKET", "");
  EXPECT_EQ(SystemdNotifier::FromEnv(env, kPid), nullptr);

  std::unique_ptr<ServiceHost> host = CreateLinuxServiceHost(env, kPid);
  EXPECT_NE(dynamic_cast<NullServiceHost*>(host.get()), nullptr);
  host->NotifyReady();  // harmless
}

TEST(SystemdNotifierTest, LinuxHostIsTheNotifierWhenSystemdSetsTheSocket) {
  NotifySocket listener = NotifySocket::AtPath();
  FakeEnv env({{"NOTIFY_SOCKET", listener.name()}, {"WATCHDOG_USEC", "10000000"}});
  std::unique_ptr<ServiceHost> host = CreateLinuxServiceHost(env, kPid);
  host->NotifyReady();
  EXPECT_EQ(listener.Receive(), "READY=1");
  EXPECT_EQ(host->WatchdogInterval(), microseconds(5000000));
}

TEST(SystemdNotifierTest, MissingSocketIsAnErrorNamingThePath) {
  std::string path = kedge::testing::MakeTempDir("kedge-notify") + "/nobody-listens";
  SystemdNotifier notifier(path, microseconds(0));
  Status status = notifier.Send("READY=1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find(path), std::string::npos);
  notifier.NotifyReady();  // logs, does not crash
}

TEST(SystemdNotifierTest, PathTooLongForSockaddrIsInvalidArgument) {
  std::string path = "/tmp/" + std::string(200, 'x');
  SystemdNotifier notifier(path, microseconds(0));
  Status status = notifier.Send("READY=1");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("NOTIFY_SOCKET"), std::string::npos);
}

TEST(SystemdNotifierTest, RelativeOrVsockAddressIsInvalidArgument) {
  for (const char* address : {"notify.sock", "vsock:2:1234", ""}) {
    SystemdNotifier notifier(address, microseconds(0));
    EXPECT_EQ(notifier.Send("READY=1").code(), StatusCode::kInvalidArgument) << address;
  }
}

TEST(WatchdogPingIntervalTest, IsHalfOfWatchdogUsec) {
  FakeEnv env;
  env.SetVar("WATCHDOG_USEC", "60000000");
  EXPECT_EQ(WatchdogPingInterval(env, kPid), microseconds(30000000));
  env.SetVar("WATCHDOG_USEC", "3");
  EXPECT_EQ(WatchdogPingInterval(env, kPid), microseconds(1));
}

TEST(WatchdogPingIntervalTest, AppliesOnlyToTheProcessNamedByWatchdogPid) {
  FakeEnv env({{"WATCHDOG_USEC", "20000000"}, {"WATCHDOG_PID", std::to_string(kPid)}});
  EXPECT_EQ(WatchdogPingInterval(env, kPid), microseconds(10000000));
  env.SetVar("WATCHDOG_PID", std::to_string(kPid + 1));
  EXPECT_EQ(WatchdogPingInterval(env, kPid), std::nullopt);
  env.SetVar("WATCHDOG_PID", "not-a-pid");
  EXPECT_EQ(WatchdogPingInterval(env, kPid), std::nullopt);
}

TEST(WatchdogPingIntervalTest, UnsetZeroOrMalformedMeansNoWatchdog) {
  FakeEnv env;
  EXPECT_EQ(WatchdogPingInterval(env, kPid), std::nullopt);
  for (const char* bad : {"0", "", "-5", "12s", " 100", "99999999999999999999999"}) {
    env.SetVar("WATCHDOG_USEC", bad);
    EXPECT_EQ(WatchdogPingInterval(env, kPid), std::nullopt) << "WATCHDOG_USEC=" << bad;
  }
}

}  // namespace
}  // namespace kedge
