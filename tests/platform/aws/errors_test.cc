#include "platform/aws/errors.h"

#include <gtest/gtest.h>

#include <string>

namespace kedge::aws {
namespace {

TEST(ParseJsonErrorTest, ReadsTypeAndMessageAndDropsTheTypePrefix) {
  ApiError error = ParseJsonError(
      400,
      R"({"__type":"com.amazon.coral.service#ExpiredTokenException","message":"The security token included in the request is expired"})",
      "");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.code, "ExpiredTokenException");
  EXPECT_EQ(error.message, "The security token included in the request is expired");
}

TEST(ParseJsonErrorTest, ReadsCapitalisedMessageKey) {
  ApiError error = ParseJsonError(
      403, R"({"__type":"AccessDeniedException","Message":"User: arn:aws:iam::1:user/x is not authorized"})",
      "");
  EXPECT_EQ(error.code, "AccessDeniedException");
  EXPECT_EQ(error.message, "User: arn:aws:iam::1:user/x is not authorized");
}

TEST(ParseJsonErrorTest, FallsBackToTheErrorTypeHeader) {
  ApiError error = ParseJsonError(
      403, "", "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/");
  EXPECT_EQ(error.code, "UnrecognizedClientException");
  EXPECT_FALSE(error.message.empty());
}

TEST(ParseJsonErrorTest, FallsBackToTheHttpStatusWithoutBodyOrHeader) {
  ApiError error = ParseJsonError(503, "", "");
  EXPECT_EQ(error.code, "HTTP 503");
  EXPECT_EQ(error.message, "no error details in the response");
}

TEST(ParseJsonErrorTest, KeepsAShortPrintableExcerptOfANonJsonBody) {
  std::string html = "<html>\r\n<body>" + std::string(2000, 'x') + "</body></html>";
  ApiError error = ParseJsonError(502, html, "");
  EXPECT_EQ(error.code, "HTTP 502");
  EXPECT_LT(error.message.size(), 600u);
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
  EXPECT_EQ(error.message.rfind("<html>", 0), 0u);
}

TEST(ParseJsonErrorTest, NeverThrowsOnMalformedBodies) {
  const std::string bodies[] = {
      "{",  "[1,2]", "42", "null", "{\"__type\": 7, \"message\": []}", std::string("\xff\xfe", 2),
      "{\"__type\":\"ValidationException\"", std::string(1, '\0'), "{\"message\":\"only\"}"};
  for (const std::string& body : bodies) {
    ApiError error = ParseJsonError(400, body, "");
    EXPECT_FALSE(error.code.empty()) << body;
    EXPECT_FALSE(error.message.empty()) << body;
  }
}

struct Case {
  int http_status;
  const char* code;
  const char* message;
  ErrorClass error_class;
  StatusCode status;
};

// What each answer a Kinesis, Firehose or KVS producer meets must lead to.
const Case kCases[] = {
    {400, "ResourceNotFoundException", "Stream x not found", ErrorClass::kFatal,
     StatusCode::kNotFound},
    {400, "ResourceInUseException", "Stream x is CREATING", ErrorClass::kRetryable,
     StatusCode::kFailedPrecondition},
    {400, "InvalidArgumentException", "Record too large", ErrorClass::kFatal,
     StatusCode::kInvalidArgument},
    {400, "ValidationException", "1 validation error", ErrorClass::kFatal,
     StatusCode::kInvalidArgument},
    {400, "AccessDeniedException", "not authorized", ErrorClass::kFatal,
     StatusCode::kPermissionDenied},
    {400, "UnrecognizedClientException", "The security token is invalid", ErrorClass::kFatal,
     StatusCode::kUnauthenticated},
    {400, "InvalidSignatureException", "The request signature we calculated does not match",
     ErrorClass::kFatal, StatusCode::kUnauthenticated},
    {400, "InvalidSignatureException",
     "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z",
     ErrorClass::kExpired, StatusCode::kUnauthenticated},
    {400, "IncompleteSignatureException", "Authorization header requires 'Signature'",
     ErrorClass::kFatal, StatusCode::kUnauthenticated},
    {403, "MissingAuthenticationTokenException", "Missing Authentication Token",
     ErrorClass::kFatal, StatusCode::kUnauthenticated},
    {400, "ExpiredTokenException", "The security token included in the request is expired",
     ErrorClass::kExpired, StatusCode::kUnauthenticated},
    {400, "RequestExpired", "Request has expired", ErrorClass::kExpired,
     StatusCode::kUnauthenticated},
    {400, "ProvisionedThroughputExceededException", "Rate exceeded for shard",
     ErrorClass::kThrottled, StatusCode::kResourceExhausted},
    {400, "LimitExceededException", "Rate exceeded", ErrorClass::kThrottled,
     StatusCode::kResourceExhausted},
    {400, "ThrottlingException", "Rate exceeded", ErrorClass::kThrottled,
     StatusCode::kResourceExhausted},
    {400, "ClientLimitExceededException", "too many calls", ErrorClass::kThrottled,
     StatusCode::kResourceExhausted},
    {400, "KMSThrottlingException", "KMS throttled", ErrorClass::kThrottled,
     StatusCode::kResourceExhausted},
    {400, "KMSDisabledException", "key disabled", ErrorClass::kFatal,
     StatusCode::kFailedPrecondition},
    {400, "KMSInvalidStateException", "key pending deletion", ErrorClass::kFatal,
     StatusCode::kFailedPrecondition},
    {400, "KMSAccessDeniedException", "no access", ErrorClass::kFatal,
     StatusCode::kPermissionDenied},
    {400, "KMSNotFoundException", "no key", ErrorClass::kFatal, StatusCode::kNotFound},
    {400, "KMSOptInRequired", "opt in", ErrorClass::kFatal, StatusCode::kFailedPrecondition},
    {500, "InternalFailure", "Internal Service Failure", ErrorClass::kRetryable,
     StatusCode::kUnavailable},
    {503, "ServiceUnavailable", "try again", ErrorClass::kRetryable, StatusCode::kUnavailable},
    {503, "ServiceUnavailableException", "try again", ErrorClass::kRetryable,
     StatusCode::kUnavailable},
    {401, "NotAuthorizedException", "not authorized", ErrorClass::kFatal,
     StatusCode::kUnauthenticated},
};

ApiError ErrorOf(const Case& c) { return ApiError{c.http_status, c.code, c.message}; }

TEST(ClassifyTest, ClassifiesEveryKnownServiceError) {
  for (const Case& c : kCases) {
    EXPECT_EQ(Classify(ErrorOf(c)), c.error_class) << c.code << ": " << c.message;
    EXPECT_EQ(ToStatus(ErrorOf(c), "").code(), c.status) << c.code << ": " << c.message;
  }
}

TEST(ClassifyTest, ClassifiesBodilessAnswersByHttpStatus) {
  struct Bodiless {
    int http_status;
    ErrorClass error_class;
    StatusCode status;
  };
  const Bodiless cases[] = {
      {500, ErrorClass::kRetryable, StatusCode::kUnavailable},
      {502, ErrorClass::kRetryable, StatusCode::kUnavailable},
      {504, ErrorClass::kRetryable, StatusCode::kUnavailable},
      {429, ErrorClass::kThrottled, StatusCode::kResourceExhausted},
      {403, ErrorClass::kFatal, StatusCode::kPermissionDenied},
      {400, ErrorClass::kFatal, StatusCode::kInvalidArgument},
      {404, ErrorClass::kFatal, StatusCode::kNotFound},
      {301, ErrorClass::kFatal, StatusCode::kFailedPrecondition},
  };
  for (const Bodiless& c : cases) {
    ApiError error = ParseJsonError(c.http_status, "", "");
    EXPECT_EQ(Classify(error), c.error_class) << c.http_status;
    EXPECT_EQ(ToStatus(error, "").code(), c.status) << c.http_status;
  }
}

TEST(ClassifyTest, StatusFromToStatusClassifiesLikeTheApiError) {
  for (const Case& c : kCases) {
    EXPECT_EQ(Classify(ToStatus(ErrorOf(c), "PutRecords to stream s")), c.error_class)
        << c.code << ": " << c.message;
  }
}

TEST(ClassifyTest, ClassifiesTransportErrors) {
  EXPECT_EQ(Classify(UnavailableError("connect to 127.0.0.1:1: refused")),
            ErrorClass::kRetryable);
  EXPECT_EQ(Classify(DeadlineExceededError("timed out after 30000 ms")), ErrorClass::kRetryable);
  EXPECT_EQ(Classify(FailedPreconditionError("TLS: certificate expired")), ErrorClass::kFatal);
  EXPECT_EQ(Classify(InvalidArgumentError("bad URL")), ErrorClass::kFatal);
}

TEST(ToStatusTest, PutsWhatInFrontOfCodeAndMessage) {
  Status status = ToStatus(
      ParseJsonError(400, R"({"__type":"ResourceNotFoundException","message":"Stream edge-logs under account 1 not found."})",
                     ""),
      "PutRecords to stream edge-logs");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "PutRecords to stream edge-logs: ResourceNotFoundException: Stream edge-logs under "
            "account 1 not found.");
}

TEST(HintForTest, GivesActionableHintsForUserCausedErrors) {
  auto hint = [](int http, const char* code, const char* message = "m") {
    return std::string(HintFor(ApiError{http, code, message}));
  };
  EXPECT_NE(hint(403, "InvalidSignatureException").find("secret access key is wrong"),
            std::string::npos);
  EXPECT_NE(hint(400, "UnrecognizedClientException").find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(hint(400, "ResourceNotFoundException").find("stream not found"), std::string::npos);
  EXPECT_NE(hint(400, "RequestExpired").find("clock"), std::string::npos);
  EXPECT_NE(hint(400, "InvalidSignatureException", "Signature expired: 20150830T123600Z is now "
                                                   "earlier than 20150830T124600Z")
                .find("NTP"),
            std::string::npos);
  EXPECT_NE(hint(400, "ExpiredTokenException").find("session token"), std::string::npos);
  EXPECT_NE(hint(400, "KMSDisabledException").find("KMS"), std::string::npos);
  EXPECT_NE(HintFor(ParseJsonError(403, "", "")).find("credentials"), std::string::npos);
  EXPECT_EQ(hint(500, "InternalFailure"), "");
  EXPECT_EQ(hint(418, "SomethingNew"), "");
}

}  // namespace
}  // namespace kedge::aws
