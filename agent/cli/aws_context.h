#pragma once
// What every command that talks to AWS needs: region, endpoint, credentials and an HTTP client,
// resolved by the AWS conventions from flags and the environment. Used on one thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/aws/credentials.h"
#include "platform/env.h"
#include "platform/net/http_client.h"

namespace kedge::agent {

struct AwsFlags {
  std::string endpoint;
  std::string region;
  std::string profile;
  std::string ca_file;
  bool insecure_skip_tls_verify = false;

  // Consumes the flag at args[*i] (and its value) when it is one of ours; returns false when
  // it is not. InvalidArgument when a value is missing.
  StatusOr<bool> Consume(const std::vector<std::string>& args, size_t* i);
  static constexpr const char* kUsage =
      "[--endpoint URL] [--region R] [--profile P] [--ca-file PEM] [--insecure-skip-tls-verify]";
};

struct AwsContext {
  std::string region;
  std::string endpoint;
  std::unique_ptr<aws::CredentialsProvider> credentials;
  std::unique_ptr<net::HttpClient> http;
};

// `service`: "kinesis", "firehose", "kinesisvideo".
StatusOr<AwsContext> MakeAwsContext(const AwsFlags& flags, const std::string& service, Env& env);

// Runs one asynchronous API call to completion by polling `http`.
template <typename T, typename Fn>
StatusOr<T> Await(net::HttpClient& http, Fn&& call) {
  std::optional<StatusOr<T>> result;
  call([&result](StatusOr<T> r) { result.emplace(std::move(r)); });
  while (!result) http.Poll(std::chrono::milliseconds(100));
  return std::move(*result);
}

// Prints "kedge <command>: <first line of the error>" (plus a hint when one applies) on stderr,
// scrubbed of secrets. Returns 1.
int ReportFailure(const std::string& command, const Status& status);

}  // namespace kedge::agent
