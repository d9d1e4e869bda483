// ingest_bench: load figures for kedge-ingest, run against the real binary in its own process.
//   ingest_bench PATH/TO/kedge-ingest [--streams 50] [--bitrate 2000000] [--seconds 20]
//                [--records-seconds 10] [--tail-seconds 10]
// 1. N concurrent PutMedia sessions, each pacing 1-second fragments at the bit rate; reports
//    PERSISTED ACKs, ACK latency (fragment fully sent -> PERSISTED) and the server's CPU.
// 2. PutRecords (500 records per call; 1 and 4 kept-alive clients; 100 B and 1 KiB records) and
//    GetRecords (one reader, or one per shard; Limit 10,000 and 1,000) rates, with call
//    latencies and the server's CPU.
// 3. GetMedia as a live tail: PERSISTED ACK -> fragment on a NOW reader's stream.
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

#include <curl/curl.h>
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
  std::vector<Steady::time_point> persisted_at;
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
  result->persisted_at = persisted_at;
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

// One kept-alive connection (libcurl easy handle), as SDK clients use: no setup per call.
class KeptAlive {
 public:
  KeptAlive() : curl_(curl_easy_init()) {}
  ~KeptAlive() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  // POSTs a Kinesis JSON 1.1 call; returns the HTTP status (0 on a transfer error).
  long Call(const std::string& url, const std::string& target, const std::string& body,
            std::string* answer) {
    curl_slist_free_all(headers_);
    headers_ = curl_slist_append(nullptr, "Content-Type: application/x-amz-json-1.1");
    headers_ = curl_slist_append(headers_, ("X-Amz-Target: Kinesis_20131202." + target).c_str());
    answer->clear();
    curl_easy_setopt(curl_, CURLOPT_URL, (url + "/").c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &KeptAlive::Append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, answer);
    long status = 0;
    if (curl_easy_perform(curl_) == CURLE_OK) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  static size_t Append(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  CURL* curl_;
  curl_slist* headers_ = nullptr;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

// PutRecords of 500 records of `record_bytes` from `clients` threads for `seconds`.
void PutRecordsRun(const Server& server, const std::string& stream, int clients, size_t record_bytes,
                   int seconds) {
  json records = json::array();
  for (int i = 0; i < 500; ++i) {
    records.push_back({{"Data", Base64Encode(std::string(record_bytes, 'x'))},
                       {"PartitionKey", "k" + std::to_string(i)}});
  }
  std::string body = json{{"StreamName", stream}, {"Records", records}}.dump();
  std::atomic<long> put{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  double cpu_before = CpuSeconds(server.pid);
  auto start = Steady::now();
  auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      KeptAlive client;
      std::string answer;
      while (Steady::now() < deadline) {
        auto sent = Steady::now();
        if (client.Call(server.url, "PutRecords", body, &answer) == 200 &&
            answer.find("\"FailedRecordCount\":0") != std::string::npos) {
          put += 500;
        }
        latencies[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Steady::now() - sent).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Steady::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf("putrecords: %6.0f records/s, %5.1f MB/s (500 x %zu B per call, %d kept-alive "
              "clients), call p50 %.1f ms p99 %.1f ms, server CPU %.0f%%\n",
              put / wall, put * static_cast<double>(record_bytes) / wall / 1e6, record_bytes, clients,
              Percentile(all, 0.5), Percentile(all, 0.99),
              100.0 * (CpuSeconds(server.pid) - cpu_before) / wall);
}

// Reads every shard from TRIM_HORIZON, one reader thread per shard (or one for all).
void GetRecordsRun(const Server& server, const std::string& stream, int shards, bool parallel,
                   int limit) {
  std::atomic<long> got{0}, bytes{0};
  auto read_shard = [&](int shard) {
    KeptAlive client;
    std::string answer;
    char id[32];
    std::snprintf(id, sizeof(id), "shardId-%012d", shard);
    client.Call(server.url, "GetShardIterator",
                json{{"StreamName", stream}, {"ShardId", id}, {"ShardIteratorType", "TRIM_HORIZON"}}.dump(),
                &answer);
    std::string it = json::parse(answer)["ShardIterator"];
    while (true) {
      client.Call(server.url, "GetRecords", json{{"ShardIterator", it}, {"Limit", limit}}.dump(), &answer);
      bytes += static_cast<long>(answer.size());
      json reply = json::parse(answer, nullptr, false);
      if (!reply.is_object() || !reply.contains("Records")) break;
      size_t n = reply["Records"].size();
      got += static_cast<long>(n);
      if (n == 0) break;
      it = reply["NextShardIterator"];
    }
  };
  double cpu_before = CpuSeconds(server.pid);
  auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int shard = 0; shard < shards; ++shard) {
    if (parallel) {
      threads.emplace_back(read_shard, shard);
    } else {
      read_shard(shard);
    }
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Steady::now() - start).count();
  std::printf("getrecords: %6.0f records/s, %5.1f MB/s of JSON (%ld records, %s, Limit %d), "
              "server CPU %.0f%%\n",
              got / wall, bytes / wall / 1e6, got.load(),
              parallel ? "one reader per shard" : "one reader", limit,
              100.0 * (CpuSeconds(server.pid) - cpu_before) / wall);
}

void RecordsBench(const Server& server, int seconds) {
  testing::CallJson(server.url, "Kinesis_20131202.CreateStream", {{"StreamName", "rec"}, {"ShardCount", 4}});
  testing::CallJson(server.url, "Kinesis_20131202.CreateStream", {{"StreamName", "big"}, {"ShardCount", 4}});
  PutRecordsRun(server, "rec", 1, 100, seconds);
  PutRecordsRun(server, "rec", 4, 100, seconds);
  PutRecordsRun(server, "big", 4, 1024, seconds);
  GetRecordsRun(server, "rec", 4, false, 10000);
  GetRecordsRun(server, "rec", 4, true, 10000);
  GetRecordsRun(server, "rec", 4, true, 1000);
  GetRecordsRun(server, "big", 4, true, 10000);
}

// GetMedia as a live tail: one reader (StartSelector NOW) while one PutMedia session uploads
// 1-second fragments in real time; how long after its PERSISTED ACK each fragment reaches the
// reader (new fragments are polled every 200 ms).
void TailBench(const Server& server, int seconds) {
  FakeClock clock;
  testing::MkvStream mkv = testing::MakeMkvStream(clock, seconds, 25, 2000000 / 8 / 25);
  testing::Post(server.url + "/createStream", json{{"StreamName", "tail"}, {"DataRetentionInHours", 1}}.dump(), {});
  testing::RawConnection reader(server.port);
  std::string body = json{{"StreamName", "tail"}, {"StartSelector", {{"StartSelectorType", "NOW"}}}}.dump();
  reader.Send("POST /getMedia HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n" + body);
  reader.ReadUntil("\r\n\r\n");
  std::vector<Steady::time_point> arrived_at;
  std::thread tail([&] {
    int seen = 0;
    while (seen < seconds && reader.ReadMore()) {
      int now = Count(reader.received(), "AWS_KINESISVIDEO_FRAGMENT_NUMBER");
      for (; seen < now; ++seen) arrived_at.push_back(Steady::now());
    }
  });
  SessionResult upload;
  RunSession(server.port, "tail", mkv, &upload);
  tail.join();
  std::vector<double> delays;
  for (size_t i = 0; i < arrived_at.size() && i < upload.persisted_at.size(); ++i) {
    delays.push_back(std::chrono::duration<double, std::milli>(arrived_at[i] - upload.persisted_at[i]).count());
  }
  std::printf("getmedia tail: %zu/%d fragments of 2 Mbit/s arrived, PERSISTED -> on the reader's "
              "stream p50 %.0f ms, max %.0f ms\n",
              arrived_at.size(), seconds, Percentile(delays, 0.5), Percentile(delays, 1.0));
}

}  // namespace
}  // namespace kedge::ingest

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ingest_bench PATH/TO/kedge-ingest [--streams N] [--bitrate B] "
                         "[--seconds S] [--records-seconds S] [--tail-seconds S]\n");
    return 2;
  }
  int streams = 50, bitrate = 2000000, seconds = 20, records_seconds = 10, tail_seconds = 10;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--streams") streams = value;
    if (flag == "--bitrate") bitrate = value;
    if (flag == "--seconds") seconds = value;
    if (flag == "--records-seconds") records_seconds = value;
    if (flag == "--tail-seconds") tail_seconds = value;
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
  if (tail_seconds > 0) kedge::ingest::TailBench(server, tail_seconds);
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  std::string cleanup = std::string("rm -rf '") + dir + "'";
  return std::system(cleanup.c_str()) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
