#include "tests/faults/fault_proxy.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "platform/aws/time_format.h"
#include "platform/crypto.h"
#include "platform/net/http_client.h"
#include "tests/integration/kinesis_test_proxy.h"

namespace kedge::testing {
namespace {

using nlohmann::json;

constexpr char kCbor[] = "application/x-amz-cbor-1.1";
constexpr char kJson[] = "application/x-amz-json-1.1";

bool IsCbor(const TestHttpRequest& request) {
  return request.Header("content-type").find("cbor") != std::string_view::npos;
}

json Decode(const std::string& body, bool cbor) {
  if (cbor) return json::from_cbor(body, true, false, json::cbor_tag_handler_t::ignore);
  return json::parse(body, nullptr, false);
}

std::string Encode(const json& value, bool cbor) {
  if (!cbor) return value.dump();
  std::vector<uint8_t> bytes = json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

bool IsSkewMessage(const std::string& message) {
  return message.find("Signature expired") != std::string::npos ||
         message.find("Signature not yet current") != std::string::npos;
}

}  // namespace

const char* FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kNone: return "none";
    case FaultKind::kDelay: return "delay";
    case FaultKind::kResetBefore: return "reset before forwarding";
    case FaultKind::kResetAfter: return "reset after forwarding";
    case FaultKind::kStatus500: return "500";
    case FaultKind::kStatus503: return "503";
    case FaultKind::kThrottle: return "throttle";
    case FaultKind::kPartialFailure: return "partial failure";
  }
  return "?";
}

FaultProxy::FaultProxy(std::string upstream, TestHttpServerOptions options)
    : upstream_(std::move(upstream)),
      verifier_(
          [](std::string_view key) -> std::optional<std::string> {
            if (key == kTestAccessKeyId) return std::string(kTestSecretKey);
            return std::nullopt;
          },
          clock_),
      skew_error_code_("InvalidSignatureException"),
      server_([this](const TestHttpRequest& r) { return Handle(r); }, std::move(options)) {}

void FaultProxy::SetPlan(std::vector<Fault> plan, std::string operation) {
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = std::move(plan);
  operation_ = std::move(operation);
  next_ = 0;
}

void FaultProxy::SetClockSkew(std::chrono::seconds skew, std::string error_code) {
  clock_.set_offset(skew);
  std::lock_guard<std::mutex> lock(mu_);
  skew_error_code_ = std::move(error_code);
}

int FaultProxy::injected(FaultKind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = injected_.find(kind);
  return it == injected_.end() ? 0 : it->second;
}

int FaultProxy::injected_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  int total = 0;
  for (const auto& [kind, n] : injected_) total += kind == FaultKind::kNone ? 0 : n;
  return total;
}

void FaultProxy::Stamp(TestHttpResponse* response) const {
  for (auto it = response->headers.begin(); it != response->headers.end();) {
    it = it->first == "Date" || it->first == "date" ? response->headers.erase(it) : it + 1;
  }
  response->headers.emplace_back("Date", aws::FormatHttpDate(clock_.WallNow()));
}

TestHttpResponse FaultProxy::ErrorAnswer(int status, const std::string& code,
                                         const std::string& message) {
  TestHttpResponse out;
  out.status = status;
  out.headers = {{"Content-Type", kJson}, {"x-amzn-ErrorType", code}};
  out.body = json{{"__type", code}, {"message", message}}.dump();
  return out;
}

bool FaultProxy::CheckSignature(const TestHttpRequest& request, TestHttpResponse* refusal) {
  aws::IncomingRequest in;
  in.method = request.method;
  in.target = request.path;
  in.headers = request.headers;
  in.body = request.body;
  aws::ApiError error;
  if (verifier_.Verify(in, &error)) return true;
  if (IsSkewMessage(error.message)) {
    ++skew_rejections_;
    std::string code;
    {
      std::lock_guard<std::mutex> lock(mu_);
      code = skew_error_code_;
    }
    if (code == "RequestExpired") {
      *refusal = ErrorAnswer(400, code, "Request has expired. " + error.message);
      return false;
    }
  } else {
    ++rejected_;
  }
  *refusal = ErrorAnswer(error.http_status, error.code, error.message);
  return false;
}

Fault FaultProxy::NextFault(const TestHttpRequest& request) {
  std::string_view target = request.Header("x-amz-target");
  std::lock_guard<std::mutex> lock(mu_);
  if (plan_.empty()) return {};
  size_t dot = target.rfind('.');
  std::string_view operation = dot == std::string_view::npos ? target : target.substr(dot + 1);
  if (operation != operation_) return {};
  Fault fault = plan_[next_++ % plan_.size()];
  ++injected_[fault.kind];
  return fault;
}

TestHttpResponse FaultProxy::Handle(const TestHttpRequest& request) {
  TestHttpResponse out;
  if (!CheckSignature(request, &out)) {
    Stamp(&out);
    return out;
  }
  Fault fault = NextFault(request);
  switch (fault.kind) {
    case FaultKind::kResetBefore:
      out.action = TestHttpAction::kReset;
      return out;
    case FaultKind::kStatus500:
      out = ErrorAnswer(500, "InternalFailure", "injected internal failure");
      break;
    case FaultKind::kStatus503:
      out = ErrorAnswer(503, "ServiceUnavailable", "injected: service unavailable");
      break;
    case FaultKind::kThrottle:
      out = ErrorAnswer(400, "ProvisionedThroughputExceededException",
                        "Rate exceeded for shard shardId-000000000000 (injected)");
      break;
    case FaultKind::kPartialFailure:
      out = PartiallyFail(request, fault.fail_every);
      break;
    case FaultKind::kDelay:
      std::this_thread::sleep_for(fault.delay);  // the injected latency itself
      out = Forward(request, request.body);
      break;
    case FaultKind::kResetAfter:
      if (Forward(request, request.body).status == 200) RememberLostAnswer(request);
      out.action = TestHttpAction::kReset;
      return out;
    case FaultKind::kNone:
      out = Forward(request, request.body);
      break;
  }
  Stamp(&out);
  return out;
}

std::vector<FaultProxy::SentRecord> FaultProxy::lost_answer_records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_answer_records_;
}

void FaultProxy::RememberLostAnswer(const TestHttpRequest& request) {
  json body = Decode(request.body, IsCbor(request));
  if (!body.is_object() || !body["Records"].is_array()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const json& record : body["Records"]) {
    SentRecord sent;
    sent.partition_key = record.value("PartitionKey", "");
    const json& data = record["Data"];
    if (data.is_binary()) {
      sent.data.assign(data.get_binary().begin(), data.get_binary().end());
    } else if (data.is_string()) {
      sent.data = Base64Decode(data.get<std::string>()).value_or("");
    }
    lost_answer_records_.push_back(std::move(sent));
  }
}

TestHttpResponse FaultProxy::Forward(const TestHttpRequest& request, const std::string& body) {
  // Each connection thread forwards with its own client: HttpClient is single-threaded.
  thread_local std::unique_ptr<net::HttpClient> client =
      net::NewCurlHttpClient(net::HttpClientOptions{});
  net::HttpRequest forward;
  forward.method = "POST";
  forward.url = upstream_;
  forward.body = body;
  for (const char* name : {"content-type", "x-amz-target", "authorization", "x-amz-date"}) {
    forward.headers.emplace_back(name, std::string(request.Header(name)));
  }
  TestHttpResponse out;
  auto response = client->Send(std::move(forward));
  if (!response.ok()) {
    out.status = 502;
    out.body = response.status().ToString();
    return out;
  }
  ++forwarded_;
  out.status = response->status;
  out.headers = {{"Content-Type", std::string(response->Header("content-type"))}};
  out.body = std::move(response->body);
  return out;
}

TestHttpResponse FaultProxy::PartiallyFail(const TestHttpRequest& request, int fail_every) {
  bool cbor = IsCbor(request);
  json body = Decode(request.body, cbor);
  if (!body.is_object() || !body.contains("Records") || !body["Records"].is_array()) {
    return Forward(request, request.body);
  }
  const json& records = body["Records"];
  std::vector<bool> fail(records.size(), false);
  json kept = json::array();
  for (size_t i = 0; i < records.size(); ++i) {
    fail[i] = fail_every > 0 && i % fail_every == static_cast<size_t>(fail_every - 1);
    if (!fail[i]) kept.push_back(records[i]);
  }
  json upstream_records = json::array();
  int failed = 0;
  if (!kept.empty()) {
    json forwarded = body;
    forwarded["Records"] = kept;
    TestHttpResponse answer = Forward(request, Encode(forwarded, cbor));
    if (answer.status != 200) return answer;
    json decoded = Decode(answer.body, cbor);
    if (!decoded.is_object() || !decoded["Records"].is_array()) return answer;
    upstream_records = decoded["Records"];
    failed = decoded.value("FailedRecordCount", 0);
  }
  json merged = json::array();
  size_t next_upstream = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!fail[i]) {
      merged.push_back(upstream_records.at(next_upstream++));
      continue;
    }
    bool throttle;
    {
      std::lock_guard<std::mutex> lock(mu_);
      throttle = partial_sequence_++ % 2 == 0;
    }
    merged.push_back(throttle ? json{{"ErrorCode", "ProvisionedThroughputExceededException"},
                                     {"ErrorMessage", "Rate exceeded for shard (injected)"}}
                              : json{{"ErrorCode", "InternalFailure"},
                                     {"ErrorMessage", "Internal service failure (injected)"}});
    ++failed;
    ++records_failed_;
  }
  TestHttpResponse out;
  out.headers = {{"Content-Type", cbor ? kCbor : kJson}};
  out.body = Encode(json{{"FailedRecordCount", failed}, {"Records", merged}}, cbor);
  return out;
}

}  // namespace kedge::testing
