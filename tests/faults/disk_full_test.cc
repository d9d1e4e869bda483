// A full disk under the spool (`kedge run`) and under the video fragment store: a small tmpfs
// (mounted by the test; we run as root) nearly filled by a filler file. The agent keeps running,
// applies its policy (the spool pauses its sources, losing nothing; the fragment store drops its
// oldest fragments, counted), logs an error naming the path and the free space, and recovers
// when the filler is deleted.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>

#include "ingest/ingest_server.h"
#include "platform/aws/credential_providers.h"
#include "platform/logging.h"
#include "tests/faults/fault_proxy.h"
#include "tests/faults/fault_test_util.h"
#include "tests/faults/kinesis_reader.h"
#include "tests/video/kvs/test_camera.h"
#include "tests/integration/kinesis_test_proxy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "video/kvs/video_stream.h"

namespace kedge {
namespace {

using ::testing::HasSubstr;
using testing::Fault;
using testing::FaultKind;

// A tmpfs of `bytes` at `dir`, unmounted by the destructor.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, uint64_t bytes) : dir_(dir) {
    std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  // Fills the disk until only about `leave` bytes are free.
  void Fill(uint64_t leave) {
    uint64_t free = Env::Default().FreeBytes(dir_).value_or(0);
    std::ofstream f(dir_ + "/filler", std::ios::binary);
    std::string block(4096, 'f');
    for (uint64_t n = 0; n + leave < free; n += block.size()) f.write(block.data(), block.size());
  }
  void Unfill() { std::remove((dir_ + "/filler").c_str()); }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

#define REQUIRE_SMALL_DISK(disk)                                                           \
  if (!(disk).mounted()) {                                                                 \
    GTEST_SKIP() << "cannot mount a tmpfs here (" << (disk).error()                        \
                 << "): the full-disk paths are covered by the injected ENOSPC of the unit " \
                    "tests only";                                                          \
  }

std::vector<std::string> Lines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    out.push_back("line " + std::to_string(i) + " " + std::string(120, 'd'));
  }
  return out;
}

// Either policy: on a full disk the spool cannot delete either (a delete needs disk too), so
// drop_oldest pauses the sources like block; nothing read is lost.
class SpoolDiskFullTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SpoolDiskFullTest, PausesOnAFullDiskSaysWhereAndHowMuchIsFreeAndRecovers) {
  std::string upstream = testing::RequireEnv("KEDGE_TEST_KINESIS_ENDPOINT");
  ASSERT_FALSE(upstream.empty());
  std::string dir = testing::MakeTempDir("kedge-disk-full");
  ASSERT_EQ(::mkdir((dir + "/state").c_str(), 0700), 0);
  SmallDisk disk(dir + "/state", 16 << 20);  // room for the WAL and the database after
  REQUIRE_SMALL_DISK(disk);
  testing::FaultProxy proxy(upstream);
  ASSERT_TRUE(proxy.Start().ok());
  proxy.SetPlan({Fault{FaultKind::kStatus503}});  // the stream is away: the spool must hold all
  testing::KinesisReader reader(upstream);
  std::string stream = testing::UniqueStreamName("disk-full");
  ASSERT_TRUE(reader.CreateStream(stream, 1));
  int http_port = testing::FreeLoopbackPort();
  std::ofstream(dir + "/kedge.yaml")
      << "state_dir: " << dir << "/state\nspool:\n  when_full: " << GetParam()
      << "\nhttp:\n  listen: 127.0.0.1:" << http_port << "\n"
      << "sinks:\n  - name: logs\n    type: kinesis\n    stream: " << stream
      << "\n    endpoint: " << proxy.Url() << "\n    protocol: json\n"
      << "sources:\n  - name: app\n    type: file\n    path: " << dir << "/app.log\n    sink: logs\n";
  {
    std::ofstream f(dir + "/app.log");
    for (const auto& l : Lines(0, 100)) f << l << "\n";
  }
  testing::BackgroundProcess agent(
      {testing::BinaryPath("agent/kedge"), "run", "--config", dir + "/kedge.yaml"},
      {{"AWS_ACCESS_KEY_ID", testing::kTestAccessKeyId},
       {"AWS_SECRET_ACCESS_KEY", testing::kTestSecretKey},
       {"AWS_REGION", "us-east-1"},
       {"HOME", dir}},
      dir + "/agent.log");
  ASSERT_TRUE(testing::PollFor([&] { return proxy.injected(FaultKind::kStatus503) > 0; },
                               std::chrono::seconds(20)))
      << testing::ReadFileText(dir + "/agent.log");
  disk.Fill(300 << 10);
  {
    std::ofstream f(dir + "/app.log", std::ios::app);
    for (const auto& l : Lines(100, 20000)) f << l << "\n";  // ~2.6 MB: more than is free
  }
  bool logged = testing::PollFor(
      [&] {
        std::string log = testing::ReadFileText(dir + "/agent.log");
        return log.find("disk full") != std::string::npos &&
               log.find("bytes free in " + dir + "/state") != std::string::npos;
      },
      std::chrono::seconds(60));
  std::string log = testing::ReadFileText(dir + "/agent.log");
  EXPECT_TRUE(logged) << log;
  EXPECT_THAT(log, HasSubstr(dir + "/state/spool.db"));
  EXPECT_TRUE(agent.Running()) << "a full disk must not stop the agent";

  disk.Unfill();
  proxy.SetPlan({});
  std::vector<std::string> got = reader.WaitForDistinct(stream, 20000, std::chrono::seconds(120));
  EXPECT_TRUE(agent.Running());
  std::string metrics = testing::HttpGetBody(http_port, "/metrics");
  EXPECT_EQ(agent.Stop(SIGTERM), 0);
  std::vector<std::string> want = Lines(0, 20000);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()),
            std::set<std::string>(want.begin(), want.end()))
      << "nothing read is lost; " << testing::ReadFileText(dir + "/agent.log")
      << metrics;
}

INSTANTIATE_TEST_SUITE_P(Policies, SpoolDiskFullTest, ::testing::Values("block", "drop_oldest"));

TEST(DiskFullTest, TheFragmentStoreDropsTheOldestOnAFullDiskCountsItSaysWhereAndRecovers) {
  std::string store_dir = testing::MakeTempDir("kedge-disk-full-store");
  SmallDisk disk(store_dir, 2 << 20);
  REQUIRE_SMALL_DISK(disk);
  std::mutex mu;
  std::vector<std::string> errors;
  Logger::Get().SetSink([&](LogLevel level, std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    if (level >= LogLevel::kError) errors.emplace_back(line);
  });
  const aws::Credentials credentials{"AKIDDISKFULL", "disk-full-secret", "", {}};
  ingest::IngestOptions options;
  options.data_dir = testing::MakeTempDir("kedge-disk-full-ingest");
  options.credentials = {credentials};
  options.maintenance_period = std::chrono::seconds(0);
  auto server = ingest::IngestServer::Start(options, Clock::Real(), Env::Default());
  ASSERT_TRUE(server.ok()) << server.status().message();
  uint16_t port = (*server)->port();
  std::string url = (*server)->url();

  video::kvs::VideoStreamOptions o =
      testing::TestCameraOptions("disk-cam", url, store_dir, 16 * 30, /*live=*/true);
  o.camera.bitrate_kbps = 800;
  o.drain_timeout = Millis(30000);
  aws::StaticCredentialsProvider provider(credentials);
  auto stream = video::kvs::VideoStream::Create(std::move(o), provider, Clock::Real(),
                                                Env::Default(), nullptr);
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  ASSERT_TRUE((*stream)->Start().ok());
  ASSERT_TRUE(testing::PollFor(
      [&] { return (*stream)->stats().upload.fragments_persisted >= 1; }, std::chrono::seconds(20)));
  (*server)->Stop();  // an outage: fragments pile up on the small disk
  server->reset();
  disk.Fill(160 << 10);
  EXPECT_TRUE(testing::PollFor([&] { return (*stream)->stats().store.dropped_full >= 2; },
                               std::chrono::seconds(30)))
      << "dropped " << (*stream)->stats().store.dropped_full;
  {
    std::lock_guard<std::mutex> lock(mu);
    bool named = false;
    for (const auto& e : errors) {
      named = named || (e.find("disk full") != std::string::npos &&
                        e.find("bytes free in " + store_dir) != std::string::npos);
    }
    EXPECT_TRUE(named) << (errors.empty() ? "no error logged" : errors.back());
  }
  disk.Unfill();
  options.listen_port = port;
  auto again = ingest::IngestServer::Start(options, Clock::Real(), Env::Default());
  ASSERT_TRUE(again.ok()) << again.status().message();
  Status finished = (*stream)->Wait();
  Logger::Get().ResetSink();
  EXPECT_TRUE(finished.ok()) << finished.message();
  video::kvs::VideoStreamStats stats = (*stream)->stats();
  EXPECT_EQ(stats.store.fragments, 0u) << "everything kept was sent after the disk recovered";
  EXPECT_GE(stats.store.dropped_full, 2u);
  EXPECT_EQ(stats.store_errors, 0u) << "the capture went on";
  EXPECT_EQ(stats.upload.fragments_persisted + stats.store.dropped_full, stats.fragments_stored)
      << "every fragment was either delivered or dropped as counted";
}

}  // namespace
}  // namespace kedge
