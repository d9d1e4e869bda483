// ingest_bench: load figures for kedge-ingest, run against the real binary in its own process.
//   ingest_bench PATH/TO/kedge-ingest [--streams 50] [--bitrate 2000000] [--seconds 20]
//                [--records-seconds 10]
// 1. N concurrent PutMedia sessions, each pacing 1-second fragments at the bit rate; reports
//    PERSISTED ACKs, ACK latency (fragment fully sent -> PERSISTED) and the server's CPU.
// 2. PutRecords (500 x 100-byte records per call, 4 client threads) and GetRecords rates.
// A benchmark, not a test: it paces with sleeps and prints figures.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"

namespace kedge::ingest {
namespace {

using Steady = std::chrono::steady_clock;
using nlohmann::json;

struct Server {
  pid_t pid = -1;
  std::string url;
  int port = 0;
};

Server Spawn(const std::string& binary, const std::string& dir) {
  int out[2];
  if (pipe(out) != 0) return {};
  Server server;
  server.pid = fork();
  if (server.pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--data-dir", dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  size_t at = line.find("http://");
  if (at == std::string::npos) return {};
  server.url = line.substr(at);
  server.port = std::stoi(server.url.substr(server.url.rfind(':') + 1));
  return server;
}

double CpuSeconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct SessionResult {
  int persisted = 0;
  std::vector<double> latencies_ms;
};

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

void RunSession(int port, const std::string& stream, const testing::MkvStream& mkv,
                SessionResult* result) {
  testing::RawConnection conn(port);
  conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "x-amzn-stream-name: " + stream + "\r\n\r\n");
  conn.SendChunk(mkv.header);
  // The reader timestamps PERSISTED ACKs as they arrive; the writer paces the upload.
  std::vector<Steady::time_point> persisted_at;
  std::thread reader([&] {
    int seen = 0;
    while (conn.ReadMore()) {
      int now = Count(conn.received(), "PERSISTED");
      for (; seen < now; ++seen) persisted_at.push_back(Steady::now());
    }
  });
  constexpr int kSlices = 10;  // each 1-second fragment goes out in 100 ms slices
  Steady::time_point next = Steady::now();
  // Fragment i is complete when fragment i+1 starts (or the body ends).
  std::vector<Steady::time_point> complete_at;
  for (const std::string& fragment : mkv.fragments) {
    if (&fragment != &mkv.fragments.front()) complete_at.push_back(Steady::now());
    size_t slice = fragment.size() / kSlices + 1;
    for (size_t off = 0; off < fragment.size(); off += slice) {
      conn.SendChunk(fragment.substr(off, slice));
      next += std::chrono::milliseconds(100);
      std::this_thread::sleep_until(next);
    }
  }
  complete_at.push_back(Steady::now());
  conn.SendChunk("");
  reader.join();
  result->persisted = static_cast<int>(persisted_at.size());
  for (size_t i = 0; i < persisted_at.size() && i < complete_at.size(); ++i) {
    result->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(persisted_at[i] - complete_at[i]).count());
  }
}

void PutMediaBench(const Server& server, int streams, int bitrate, int seconds) {
  FakeClock clock;
  size_t frame_bytes = static_cast<size_t>(bitrate / 8 / 25);
  testing::MkvStream mkv = testing::MakeMkvStream(clock, seconds, 25, frame_bytes);
  for (int i = 0; i < streams; ++i) {
    testing::Post(server.url + "/createStream",
                  json{{"StreamName", "bench-" + std::to_string(i)}, {"DataRetentionInHours", 1}}.dump(), {});
  }
  std::vector<SessionResult> results(static_cast<size_t>(streams));
  double cpu_before = CpuSeconds(server.pid);
  auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back(RunSession, server.port, "bench-" + std::to_string(i), std::cref(mkv),
                         &results[static_cast<size_t>(i)]);
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Steady::now() - start).count();
  double cpu = CpuSeconds(server.pid) - cpu_before;
  int persisted = 0;
  std::vector<double> latencies;
  for (const auto& r : results) {
    persisted += r.persisted;
    latencies.insert(latencies.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };
  std::printf("putmedia: %d streams x %.1f Mbit/s for %d s: %d/%d fragments PERSISTED, "
              "server CPU %.1f%% of one core (%.2f s in %.1f s), RSS %ld MiB, "
              "PERSISTED latency from fragment complete p50 %.1f ms p99 %.1f ms\n",
              streams, bitrate / 1e6, seconds, persisted, streams * seconds, 100.0 * cpu / wall,
              cpu, wall, RssKb(server.pid) / 1024, pct(0.5), pct(0.99));
}

void RecordsBench(const Server& server, int seconds) {
  testing::CallJson(server.url, "Kinesis_20131202.CreateStream", {{"StreamName", "rec"}, {"ShardCount", 4}});
  json records = json::array();
  for (int i = 0; i < 500; ++i) {
    records.push_back({{"Data", Base64Encode(std::string(100, 'x'))}, {"PartitionKey", "k" + std::to_string(i)}});
  }
  std::string body = json{{"StreamName", "rec"}, {"Records", records}}.dump();
  net::Headers headers = {{"Content-Type", "application/x-amz-json-1.1"},
                          {"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
  std::atomic<long> put{0};
  double cpu_before = CpuSeconds(server.pid);
  auto start = Steady::now();
  auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (Steady::now() < deadline) {
        if (testing::Post(server.url + "/", body, headers).status == 200) put += 500;
      }
    });
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Steady::now() - start).count();
  std::printf("putrecords: %.0f records/s (500 x 100 B per call, 4 clients), server CPU %.0f%%\n",
              put / wall, 100.0 * (CpuSeconds(server.pid) - cpu_before) / wall);

  long got = 0;
  start = Steady::now();
  for (int shard = 0; shard < 4; ++shard) {
    char id[32];
    std::snprintf(id, sizeof(id), "shardId-%012d", shard);
    std::string it = testing::CallJson(server.url, "Kinesis_20131202.GetShardIterator",
                                       {{"StreamName", "rec"}, {"ShardId", id},
                                        {"ShardIteratorType", "TRIM_HORIZON"}}).Json()["ShardIterator"];
    while (true) {
      json reply = testing::CallJson(server.url, "Kinesis_20131202.GetRecords", {{"ShardIterator", it}}).Json();
      size_t n = reply["Records"].size();
      got += static_cast<long>(n);
      if (n == 0) break;
      it = reply["NextShardIterator"];
    }
  }
  wall = std::chrono::duration<double>(Steady::now() - start).count();
  std::printf("getrecords: %.0f records/s (%ld records, one client, Limit 10000)\n", got / wall, got);
}

}  // namespace
}  // namespace kedge::ingest

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ingest_bench PATH/TO/kedge-ingest [--streams N] [--bitrate B] "
                         "[--seconds S] [--records-seconds S]\n");
    return 2;
  }
  int streams = 50, bitrate = 2000000, seconds = 20, records_seconds = 10;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--streams") streams = value;
    if (flag == "--bitrate") bitrate = value;
    if (flag == "--seconds") seconds = value;
    if (flag == "--records-seconds") records_seconds = value;
  }
  char dir[] = "/tmp/kedge-ingest-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  kedge::ingest::Server server = kedge::ingest::Spawn(argv[1], dir);
  if (server.pid <= 0 || server.url.empty()) {
    std::fprintf(stderr, "could not start %s\n", argv[1]);
    return 1;
  }
  if (streams > 0) kedge::ingest::PutMediaBench(server, streams, bitrate, seconds);
  if (records_seconds > 0) kedge::ingest::RecordsBench(server, records_seconds);
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  std::string cleanup = std::string("rm -rf '") + dir + "'";
  return std::system(cleanup.c_str()) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
