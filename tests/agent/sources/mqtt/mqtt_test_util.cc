#include "tests/agent/sources/mqtt/mqtt_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mqtt/async_client.h>
#include <thread>

#include "tests/support/test_util.h"

extern char** environ;

namespace kedge::testing {
namespace {

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

const char* kMosquitto = "/usr/sbin/mosquitto";
constexpr size_t kWindow = 100;  // QoS 1 messages in flight per publisher

}  // namespace

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool MosquittoProcess::Available() { return ::access(kMosquitto, X_OK) == 0; }

std::unique_ptr<MosquittoProcess> MosquittoProcess::Start(int port, const MosquittoTls* tls) {
  std::unique_ptr<MosquittoProcess> p(new MosquittoProcess());
  p->port_ = port;
  p->tls_ = tls != nullptr;
  p->dir_ = MakeTempDir("kedge-mosquitto");
  std::string conf = p->dir_ + "/mosquitto.conf";
  {
    std::ofstream out(conf);
    out << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
        << "max_queued_messages 100000\n";
    // As root, mosquitto would switch to the "mosquitto" user, which cannot read the test's
    // private temp dirs (certificates).
    if (::geteuid() == 0) out << "user root\n";
    if (tls != nullptr) {
      out << "cafile " << tls->ca_file << "\ncertfile " << tls->cert_file << "\nkeyfile "
          << tls->key_file << "\nrequire_certificate "
          << (tls->require_certificate ? "true" : "false") << "\ntls_version tlsv1.2\n";
    }
  }
  std::string log = p->dir_ + "/mosquitto.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {kMosquitto, "-c", conf};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&p->pid_, kMosquitto, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << kMosquitto;
    return nullptr;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!CanConnect(port)) {
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      ADD_FAILURE() << "mosquitto exited at start: " << text;
      return nullptr;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "mosquitto did not listen on 127.0.0.1:" << port << " within 10 s";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waiting for a condition
  }
  return p;
}

MosquittoProcess::~MosquittoProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
}

std::string MosquittoProcess::url() const {
  return std::string(tls_ ? "ssl" : "tcp") + "://127.0.0.1:" + std::to_string(port_);
}

TestPublisher::TestPublisher(const std::string& url, const MosquittoTls* tls) {
  static std::atomic<int> n{0};
  std::string id = "kedge-test-pub-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
  try {
    client_ = std::make_unique<mqtt::async_client>(url, id, nullptr);
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    opts.set_max_inflight(kWindow);
    opts.set_mqtt_version(MQTTVERSION_3_1_1);
    if (tls != nullptr) {
      mqtt::ssl_options ssl;
      ssl.set_trust_store(tls->ca_file);
      ssl.set_key_store(tls->cert_file);
      ssl.set_private_key(tls->key_file);
      opts.set_ssl(ssl);
    }
    client_->connect(opts)->wait_for(std::chrono::seconds(10));
    connected_ = client_->is_connected();
  } catch (const mqtt::exception& e) {
    ADD_FAILURE() << "test publisher cannot connect to " << url << ": " << e.what();
  }
}

TestPublisher::~TestPublisher() {
  try {
    if (client_ && client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception&) {
  }
}

bool TestPublisher::PublishAll(const std::vector<std::pair<std::string, std::string>>& messages,
                               int qos) {
  if (!connected_) return false;
  try {
    std::vector<mqtt::delivery_token_ptr> window;
    for (const auto& [topic, payload] : messages) {
      window.push_back(client_->publish(topic, payload.data(), payload.size(), qos, false));
      if (window.size() == kWindow) {
        for (auto& t : window) t->wait();
        window.clear();
      }
    }
    for (auto& t : window) t->wait();
  } catch (const mqtt::exception& e) {
    ADD_FAILURE() << "publish failed: " << e.what();
    return false;
  }
  return true;
}

bool PollUntil(agent::Source& source, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    agent::PollResult r = source.Poll();
    if (r.records == 0 && !r.more) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string UniqueTopicPrefix() {
  static std::atomic<int> n{0};
  return "kedge-test/" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

}  // namespace kedge::testing
