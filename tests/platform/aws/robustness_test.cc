// Seeded random inputs for the parsers that read what others wrote (AWS error bodies, the
// user's AWS files, URLs, request paths): they must never crash and must keep their contracts.
// Deterministic: the same seed every run.

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>

#include "platform/aws/errors.h"
#include "platform/aws/profile_file.h"
#include "platform/aws/sigv4.h"
#include "platform/aws/url.h"

namespace kedge::aws {
namespace {

constexpr int kRounds = 3000;

// Random text built from pieces that matter to these parsers, plus random bytes.
class RandomText {
 public:
  explicit RandomText(uint32_t seed) : rng_(seed) {}
  std::string Next() {
    static const char* kPieces[] = {
        "{", "}", "[", "]", "\"", ":", ",", "__type", "message", "#", ";", "=", "\n", "\r\n",
        " ", "\t", "[default]", "[profile x]", "aws_access_key_id", "%", "%2", "%zz", "%41", "/",
        "/..", "/.", "?", "&", "http://", "https://", "[::1]", ":", "@", "65536", "\\u0000",
        "\xff", "\xe1\x88\xb4", "null", "true", "1e999"};
    std::string out;
    int pieces = std::uniform_int_distribution<int>(0, 24)(rng_);
    for (int i = 0; i < pieces; ++i) {
      if (std::uniform_int_distribution<int>(0, 3)(rng_) == 0) {
        out.push_back(static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng_)));
      } else {
        out += kPieces[std::uniform_int_distribution<size_t>(0, std::size(kPieces) - 1)(rng_)];
      }
    }
    return out;
  }

 private:
  std::mt19937 rng_;
};

TEST(RobustnessTest, ErrorParsingKeepsItsContractOnRandomBodies) {
  RandomText text(1);
  for (int i = 0; i < kRounds; ++i) {
    std::string body = text.Next();
    ApiError error = ParseJsonError(400 + i % 200, body, text.Next());
    EXPECT_FALSE(error.code.empty()) << body;
    EXPECT_FALSE(error.message.empty()) << body;
    EXPECT_LE(error.message.size(), 515u) << body;
    Classify(error);
    EXPECT_FALSE(ToStatus(error, "op").ok());
  }
}

TEST(RobustnessTest, IniParsingKeepsItsContractOnRandomFiles) {
  RandomText text(2);
  for (int i = 0; i < kRounds; ++i) {
    std::string file_text = text.Next() + text.Next();
    for (const auto& [section, keys] : ParseIni(file_text)) {
      for (const auto& [key, value] : keys) {
        EXPECT_FALSE(key.empty()) << file_text;
        for (char c : key) EXPECT_FALSE(c >= 'A' && c <= 'Z') << file_text;
      }
    }
  }
}

TEST(RobustnessTest, UrlParsingAndSigningKeepTheirContractsOnRandomUrls) {
  RandomText text(3);
  Credentials credentials{"AKID", "secret", "", std::nullopt};
  SigningParams params;
  params.service = "kinesis";
  params.region = "us-east-1";
  for (int i = 0; i < kRounds; ++i) {
    std::string url_text = (i % 2 ? "https://h" : "") + text.Next();
    StatusOr<Url> url = ParseUrl(url_text);
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << url_text;
      continue;
    }
    EXPECT_EQ(url->path.front(), '/') << url_text;
    SignatureParts parts =
        ComputeSignature("GET", url->path, url->query, {{"Host", url->HostHeader()}},
                         kEmptyPayloadSha256, credentials, params);
    std::string canonical_uri =
        parts.canonical_request.substr(4, parts.canonical_request.find('\n', 4) - 4);
    ASSERT_FALSE(canonical_uri.empty()) << url_text;
    EXPECT_EQ(canonical_uri.front(), '/') << url_text;
    EXPECT_EQ(canonical_uri.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/"),
              std::string::npos)
        << url_text;
    EXPECT_EQ(parts.signature.size(), 64u);
  }
}

}  // namespace
}  // namespace kedge::aws
