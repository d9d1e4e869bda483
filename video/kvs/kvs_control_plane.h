#pragma once
// KvsControlPlane: the Kinesis Video Streams control-plane calls a producer needs —
// DescribeStream, CreateStream and GetDataEndpoint — as REST JSON (POST /describeStream, ...)
// signed with SigV4 for service "kinesisvideo". Also builds the PutMedia request (headers and
// signature as the KVS producer SDK sends them), so all signing for a stream lives here.
//
// Threading: every method runs on the owner thread of the HttpClient; callbacks run from its
// Poll(). Errors: transport failures as the HttpClient reports them; AWS errors through
// aws::ToStatus ("DescribeStream of stream cam1: ResourceNotFoundException: ..."), so
// ResourceNotFoundException is NotFound. A 2xx answer that is not the expected JSON is Internal.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "platform/aws/clock_skew.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"

namespace kedge::video::kvs {

struct StreamDescription {
  std::string name;
  std::string arn;
  std::string status;  // CREATING | ACTIVE | UPDATING | DELETING
  std::string media_type;
  int retention_hours = 0;  // 0: nothing is persisted (no PERSISTED ACKs)
};

struct CreateStreamRequest {
  std::string stream_name;
  std::string media_type = "video/h264";
  std::string device_name = "kedge";
  int retention_hours = 24;
};

class KvsControlPlane {
 public:
  struct Options {
    std::string endpoint;  // "https://kinesisvideo.us-east-1.amazonaws.com" or an override
    std::string region;
    Millis timeout{10000};
  };

  KvsControlPlane(net::HttpClient& http, aws::CredentialsProvider& credentials, Clock& clock,
                  Options options);
  // Pending calls are abandoned: their callbacks are never run.
  ~KvsControlPlane() { *alive_ = false; }
  KvsControlPlane(const KvsControlPlane&) = delete;
  KvsControlPlane& operator=(const KvsControlPlane&) = delete;

  void DescribeStream(const std::string& stream_name,
                      std::function<void(StatusOr<StreamDescription>)> done);
  // Returns the new stream's ARN.
  void CreateStream(const CreateStreamRequest& request,
                    std::function<void(StatusOr<std::string>)> done);
  // The data endpoint for `api_name` ("PUT_MEDIA"): a base URL without path.
  void GetDataEndpoint(const std::string& stream_name, const std::string& api_name,
                       std::function<void(StatusOr<std::string>)> done);

  // A signed PutMedia request to `data_endpoint` + "/putMedia": headers x-amzn-stream-name,
  // x-amzn-fragment-timecode-type ABSOLUTE, x-amzn-producer-start-timestamp (`start_ms` as
  // seconds with three decimals), x-amzn-fragment-acknowledgment-required 1, chunked transfer;
  // the payload hash is that of the empty body, as the SDK signs a streamed body. The caller
  // sets body_reader and on_body. Errors: from the credentials provider or the signer.
  StatusOr<net::HttpRequest> PutMediaRequest(const std::string& data_endpoint,
                                             const std::string& stream_name, int64_t start_ms);

  // Learns the service's time from the Date header of a clock-skew answer that came outside
  // the control plane (a PutMedia refused with "Signature expired").
  void ObserveClockSkew(std::string_view date_header) {
    (void)skew_.Observe(date_header, clock_.WallNow());
  }
  // The time to sign with (the wall clock corrected by what AWS's Date headers taught).
  WallTime SigningTime() const { return skew_.Correct(clock_.WallNow()); }
  const Options& options() const { return options_; }

 private:
  void Call(const std::string& path, const std::string& body, const std::string& what,
            std::function<void(StatusOr<std::string>)> done);

  net::HttpClient& http_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  Options options_;
  aws::ClockSkew skew_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "1615717079.036": epoch milliseconds as seconds with three decimals.
std::string FormatProducerStartTimestamp(int64_t ms);

}  // namespace kedge::video::kvs
