#pragma once
// Error answers in the shapes AWS services use, so the official SDKs read the code and message.
//  - AWS JSON 1.1 (Kinesis, Firehose): HTTP 400, {"__type": "ResourceNotFoundException",
//    "message": "..."}, in CBOR when the request was CBOR.
//  - REST JSON (Kinesis Video Streams): the HTTP status of the error, {"Message": "..."} and the
//    code in the x-amzn-ErrorType header.

#include <string_view>

#include "ingest/server/http_types.h"

namespace kedge::ingest {

enum class ErrorStyle { kJson11, kCbor11, kRest };

// The style a request expects: JSON 1.1 / CBOR 1.1 when it has X-Amz-Target, else REST.
ErrorStyle ErrorStyleOf(const HttpRequest& request);

HttpResponse AwsError(ErrorStyle style, int http_status, std::string_view code,
                      std::string_view message);

}  // namespace kedge::ingest
