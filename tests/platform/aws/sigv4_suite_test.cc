// Runs every case of the AWS Signature Version 4 test suite (tests/data/sigv4, a copy of
// ../shared/testdata/sigv4, or $KEDGE_SIGV4_SUITE) through ComputeSignature and SignRequest, and checks the
// canonical request (.creq), string to sign (.sts) and Authorization value (.authz) exactly.
// A missing suite is a failure, never a skip.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "platform/text.h"
#include "platform/aws/sigv4.h"
#include "platform/crypto.h"
#include "tests/support/test_util.h"

namespace kedge::aws {
namespace {

namespace fs = std::filesystem;

// The suite has 31 cases (24 top-level, 7 under normalize-path/, 2 under post-sts-token/,
// counting each folder holding a .req once). Fewer means the walk or the data is broken.
constexpr size_t kMinimumCases = 31;

// The suite's signing inputs (AWS "Signature Version 4 test suite" documentation).
constexpr char kAccessKeyId[] = "AKIDEXAMPLE";
constexpr char kSecretAccessKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kRegion[] = "us-east-1";
constexpr char kService[] = "service";

// Known defects of the published suite. Each is checked to still be present (so a fixed suite
// makes the test say so) and to be the only difference (the corrected text must hash to the
// value in the case's own .sts).
struct Erratum {
  const char* case_name;
  const char* wrong_line;
  const char* right_line;
  const char* why;
};
constexpr Erratum kErrata[] = {
    {"post-x-www-form-urlencoded", "host;x-amz-date", "content-type;host;x-amz-date",
     "the .creq lists content-type among the canonical headers but leaves it out of the signed "
     "headers line; its .sts and .authz were computed with it in"},
};

// $KEDGE_SIGV4_SUITE, else the copy in the repository (tests/data/sigv4, with the suite's
// LICENSE and NOTICE), else ../shared/testdata/sigv4 beside the source tree.
fs::path SuiteDir() {
  if (const char* dir = std::getenv("KEDGE_SIGV4_SUITE"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* dir = std::getenv("KEDGE_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    fs::path vendored = fs::path(dir) / "tests" / "data" / "sigv4";
    if (fs::is_directory(vendored)) return vendored;
    return fs::path(dir) / ".." / "shared" / "testdata" / "sigv4";
  }
#ifdef KEDGE_SIGV4_SUITE_DEFAULT
  return KEDGE_SIGV4_SUITE_DEFAULT;
#else
  return fs::path(testing::SourceDir()) / ".." / "shared" / "testdata" / "sigv4";
#endif
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

struct SuiteRequest {
  std::string method;
  std::string target;  // as on the request line, query included
  net::Headers headers;
  std::string body;

  std::string Header(const std::string& lower_name) const {
    for (const auto& [name, value] : headers) {
      if (AsciiLower(name) == lower_name) return value;
    }
    return "";
  }
};

// Parses the suite's raw HTTP text: "METHOD target HTTP/1.1" (the target may hold spaces), then
// "Name:value" lines with folded continuation lines, then an optional blank line and body.
SuiteRequest ParseRequest(const std::string& text) {
  SuiteRequest request;
  std::vector<std::string> lines = SplitLines(text);
  if (lines.empty()) return request;
  const std::string& first = lines[0];
  size_t method_end = first.find(' ');
  size_t version_start = first.rfind(' ');
  request.method = first.substr(0, method_end);
  request.target = first.substr(method_end + 1, version_start - method_end - 1);
  size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (++i; i < lines.size(); ++i) {
    if (!request.body.empty()) request.body += "\n";
    request.body += lines[i];
  }
  return request;
}

struct SuiteCase {
  std::string name;  // path below the suite root, e.g. "normalize-path/get-slash"
  fs::path base;     // folder/name, without extension
};

std::vector<SuiteCase> FindCases() {
  std::vector<SuiteCase> cases;
  fs::path root = SuiteDir();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return cases;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".req" || path.stem() != path.parent_path().filename()) continue;
    cases.push_back({fs::relative(path.parent_path(), root).generic_string(),
                     path.parent_path() / path.stem()});
  }
  std::sort(cases.begin(), cases.end(),
            [](const SuiteCase& a, const SuiteCase& b) { return a.name < b.name; });
  return cases;
}

std::string TestName(const ::testing::TestParamInfo<SuiteCase>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!keep) c = '_';
  }
  return name;
}

// Applies the errata for `name` to an expected canonical request, checking each still applies.
std::string CorrectedCanonicalRequest(const std::string& name, std::string creq) {
  for (const Erratum& erratum : kErrata) {
    if (fs::path(name).filename() != erratum.case_name) continue;
    std::vector<std::string> lines = SplitLines(creq);
    auto it = std::find(lines.begin(), lines.end(), erratum.wrong_line);
    EXPECT_NE(it, lines.end()) << "erratum for " << name << " no longer applies (the suite "
                               << "was fixed?): remove it from kErrata";
    if (it == lines.end()) continue;
    *it = erratum.right_line;
    creq.clear();
    for (size_t i = 0; i < lines.size(); ++i) creq += (i ? "\n" : "") + lines[i];
  }
  return creq;
}

TEST(SigV4SuiteTest, SuiteIsPresentAndHasEveryCase) {
  fs::path root = SuiteDir();
  ASSERT_TRUE(fs::is_directory(root))
      << "the AWS SigV4 test suite is missing at " << root.string()
      << ": it belongs in tests/data/sigv4 (or ../shared/testdata/sigv4; or set "
      << "KEDGE_SIGV4_SUITE to its folder)";
  std::vector<SuiteCase> cases = FindCases();
  EXPECT_GE(cases.size(), kMinimumCases) << "found only " << cases.size() << " cases in "
                                         << root.string();
  size_t nested = std::count_if(cases.begin(), cases.end(), [](const SuiteCase& c) {
    return c.name.find('/') != std::string::npos;
  });
  EXPECT_GE(nested, 9u) << "the nested normalize-path/ and post-sts-token/ cases were not found";
}

class SigV4SuiteCaseTest : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4SuiteCaseTest, MatchesCanonicalRequestStringToSignAndAuthorization) {
  const SuiteCase& c = GetParam();
  auto file = [&](const char* ext) {
    fs::path path = c.base;
    path += ext;
    EXPECT_TRUE(fs::exists(path)) << path.string() << " is missing";
    return ReadAll(path);
  };
  SuiteRequest request = ParseRequest(file(".req"));
  std::string expected_creq = CorrectedCanonicalRequest(c.name, file(".creq"));
  std::string expected_sts = file(".sts");
  std::string expected_authz = file(".authz");
  ASSERT_FALSE(request.method.empty()) << "cannot parse " << c.base.string() << ".req";

  std::string path = request.target.substr(0, request.target.find('?'));
  std::string query = request.target.find('?') == std::string::npos
                          ? ""
                          : request.target.substr(request.target.find('?') + 1);
  std::string payload_hash = HexEncode(Sha256(request.body));
  // The suite was generated by a signer that signs an x-www-form-urlencoded body as query
  // parameters over an empty payload. kedge never sends form bodies; map them the same way.
  if (request.Header("content-type").find("application/x-www-form-urlencoded") !=
          std::string::npos &&
      !request.body.empty()) {
    query = request.body;
    payload_hash = std::string(kEmptyPayloadSha256);
  }

  StatusOr<WallTime> time = ParseAmzDate(request.Header("x-amz-date"));
  ASSERT_TRUE(time.ok()) << time.status().ToString();
  Credentials credentials{kAccessKeyId, kSecretAccessKey, "", std::nullopt};
  SigningParams params;
  params.service = kService;
  params.region = kRegion;
  params.time = *time;

  SignatureParts parts = ComputeSignature(request.method, path, query, request.headers,
                                          payload_hash, credentials, params);
  EXPECT_EQ(parts.canonical_request, expected_creq);
  EXPECT_EQ(parts.string_to_sign, expected_sts);
  EXPECT_EQ(parts.authorization, expected_authz);
  EXPECT_EQ(HexEncode(Sha256(expected_creq)), SplitLines(expected_sts).back())
      << "the expected canonical request does not hash to the .sts value";

  // The same request through SignRequest. A URL cannot hold a raw space, so get-space is left to
  // ComputeSignature above.
  if (request.target.find(' ') != std::string::npos) return;
  net::HttpRequest http;
  http.method = request.method;
  http.url = "https://" + request.Header("host") + path + (query.empty() ? "" : "?" + query);
  http.headers = request.headers;
  http.body = request.body;
  credentials.session_token = request.Header("x-amz-security-token");
  ASSERT_TRUE(SignRequest(&http, credentials, params, payload_hash).ok());
  EXPECT_EQ(http.headers.back().first, "Authorization");
  EXPECT_EQ(http.headers.back().second, expected_authz);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4SuiteCaseTest);
INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteCaseTest, ::testing::ValuesIn(FindCases()),
                         TestName);

}  // namespace
}  // namespace kedge::aws
