#include "platform/windows/winhttp_text.h"

#include <gtest/gtest.h>

namespace kedge::windows {
namespace {

TEST(WinHttpErrorStatusTest, MapsTransportFailuresAsTheHttpClientContractSays) {
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpTimeout, 0, "ctx", "").code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpNameNotResolved, 0, "ctx", "").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpCannotConnect, 0, "ctx", "").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpConnectionError, 0, "ctx", "").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpInvalidUrl, 0, "ctx", "").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpUnrecognizedScheme, 0, "ctx", "").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpOperationCancelled, 0, "ctx", "").code(),
            StatusCode::kCancelled);
  // Anything else is worth a retry rather than a crash.
  EXPECT_EQ(WinHttpErrorStatus(kWinHttpInvalidServerResponse, 0, "ctx", "").code(),
            StatusCode::kUnavailable);
}

TEST(WinHttpErrorStatusTest, TlsFailuresAreFailedPreconditionNamingTheCause) {
  struct Case {
    uint32_t error;
    uint32_t flags;
    const char* cause;
  };
  const Case cases[] = {
      {kWinHttpSecureFailure, kSecureFlagInvalidCa, "untrusted"},
      {kWinHttpSecureFailure, kSecureFlagCertDateInvalid, "expired"},
      {kWinHttpSecureFailure, kSecureFlagCertCnInvalid, "another host name"},
      {kWinHttpSecureFailure, kSecureFlagCertRevoked, "revoked"},
      {kWinHttpSecureInvalidCa, 0, "untrusted"},
      {kWinHttpSecureCertDateInvalid, 0, "expired"},
      {kWinHttpSecureCertCnInvalid, 0, "another host name"},
  };
  for (const Case& c : cases) {
    Status status = WinHttpErrorStatus(c.error, c.flags, "sending to https://h/", "text");
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
    EXPECT_NE(status.message().find(c.cause), std::string::npos) << status.ToString();
    EXPECT_EQ(status.message().rfind("sending to https://h/: TLS verification failed", 0), 0u)
        << status.ToString();
  }
}

TEST(WinHttpErrorStatusTest, UnknownErrorsKeepTheSystemText) {
  Status status = WinHttpErrorStatus(12345, 0, "reading from http://h/", "Something odd.");
  EXPECT_EQ(status.message(), "reading from http://h/: Something odd.");
  EXPECT_NE(WinHttpErrorStatus(12345, 0, "c", "").message().find("WinHTTP error 12345"),
            std::string::npos);
}

TEST(ParseRawHeadersTest, ReadsStatusAndLowerCasedHeadersInOrder) {
  net::HttpResponse response;
  ASSERT_TRUE(ParseRawHeaders("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                              "X-Amzn-RequestId:  abc \r\nx-amz-id-2: 1\r\n\r\n",
                              &response)
                  .ok());
  EXPECT_EQ(response.status, 400);
  ASSERT_EQ(response.headers.size(), 3u);
  EXPECT_EQ(response.headers[0],
            std::make_pair(std::string("content-type"), std::string("application/json")));
  EXPECT_EQ(response.Header("x-amzn-requestid"), "abc");
  EXPECT_EQ(response.headers[2].first, "x-amz-id-2");
}

TEST(ParseRawHeadersTest, AcceptsHttp2StatusLinesAndRefusesOthers) {
  net::HttpResponse response;
  ASSERT_TRUE(ParseRawHeaders("HTTP/2 200\r\n\r\n", &response).ok());
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.headers.empty());
  EXPECT_EQ(ParseRawHeaders("garbage\r\n", &response).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRawHeaders("HTTP/1.1 abc\r\n", &response).code(), StatusCode::kInvalidArgument);
}

TEST(ChunkFrameTest, FramesPiecesInHexAndEndsWithTheZeroChunk) {
  EXPECT_EQ(ChunkFrame("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(ChunkFrame(std::string(26, 'x')), "1a\r\n" + std::string(26, 'x') + "\r\n");
  EXPECT_EQ(ChunkFrame(std::string(65536, 'y')).substr(0, 7), "10000\r\n");
  EXPECT_EQ(ChunkFrame(""), "0\r\n\r\n");
}

}  // namespace
}  // namespace kedge::windows
