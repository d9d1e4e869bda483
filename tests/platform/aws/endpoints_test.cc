#include "platform/aws/endpoints.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/test_util.h"

namespace kedge::aws {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A FakeEnv with a HOME of its own, so the real ~/.aws never leaks into a test.
class EndpointsTest : public ::testing::Test {
 protected:
  EndpointsTest() : home_(testing::MakeTempDir("kedge-endpoints")) { env_.SetVar("HOME", home_); }
  ~EndpointsTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
  }
  void WriteConfig(const std::string& text) {
    ASSERT_TRUE(env_.CreateDirs(home_ + "/.aws").ok());
    ASSERT_TRUE(env_.WriteFileAtomic(home_ + "/.aws/config", text).ok());
  }

  std::string home_;
  FakeEnv env_;
};

TEST_F(EndpointsTest, RegionComesFromTheFirstSourceThatHasOne) {
  WriteConfig("[default]\nregion = eu-central-1\n[profile edge]\nregion = ap-south-1\n");
  EXPECT_EQ(*ResolveRegion("", env_), "eu-central-1");
  env_.SetVar("AWS_PROFILE", "edge");
  EXPECT_EQ(*ResolveRegion("", env_), "ap-south-1");
  env_.SetVar("AWS_DEFAULT_REGION", "us-west-1");
  EXPECT_EQ(*ResolveRegion("", env_), "us-west-1");
  env_.SetVar("AWS_REGION", "us-west-2");
  EXPECT_EQ(*ResolveRegion("", env_), "us-west-2");
  EXPECT_EQ(*ResolveRegion("eu-west-3", env_), "eu-west-3");
}

TEST_F(EndpointsTest, RegionOfANamedProfile) {
  WriteConfig("[default]\nregion = eu-central-1\n[profile edge]\nregion = ap-south-1\n");
  EXPECT_EQ(*ResolveRegion("", "edge", env_), "ap-south-1");
}

TEST_F(EndpointsTest, EmptyVariablesCountAsUnset) {
  env_.SetVar("AWS_REGION", "");
  env_.SetVar("AWS_DEFAULT_REGION", "eu-north-1");
  EXPECT_EQ(*ResolveRegion("", env_), "eu-north-1");
}

TEST_F(EndpointsTest, MissingRegionSaysHowToSetOne) {
  StatusOr<std::string> region = ResolveRegion("", env_);
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(region.status().message(), "AWS_REGION")) << region.status().message();
}

TEST_F(EndpointsTest, MalformedRegionIsInvalid) {
  env_.SetVar("AWS_REGION", "us east 1");
  EXPECT_EQ(ResolveRegion("", env_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EndpointsTest, DefaultEndpointsFollowTheAwsPattern) {
  EXPECT_EQ(*ResolveEndpoint("kinesis", "us-east-1", "", env_),
            "https://kinesis.us-east-1.amazonaws.com");
  EXPECT_EQ(*ResolveEndpoint("firehose", "eu-west-1", "", env_),
            "https://firehose.eu-west-1.amazonaws.com");
  EXPECT_EQ(*ResolveEndpoint("kinesisvideo", "cn-north-1", "", env_),
            "https://kinesisvideo.cn-north-1.amazonaws.com.cn");
}

TEST_F(EndpointsTest, ServiceVariableBeatsTheGeneralOne) {
  env_.SetVar("AWS_ENDPOINT_URL", "http://127.0.0.1:4000");
  env_.SetVar("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567");
  env_.SetVar("AWS_ENDPOINT_URL_FIREHOSE", "http://127.0.0.1:4573");
  env_.SetVar("AWS_ENDPOINT_URL_KINESIS_VIDEO", "http://127.0.0.1:8080");
  EXPECT_EQ(*ResolveEndpoint("kinesis", "us-east-1", "", env_), "http://127.0.0.1:4567");
  EXPECT_EQ(*ResolveEndpoint("firehose", "us-east-1", "", env_), "http://127.0.0.1:4573");
  EXPECT_EQ(*ResolveEndpoint("kinesisvideo", "us-east-1", "", env_), "http://127.0.0.1:8080");
  env_.UnsetVar("AWS_ENDPOINT_URL_KINESIS");
  EXPECT_EQ(*ResolveEndpoint("kinesis", "us-east-1", "", env_), "http://127.0.0.1:4000");
}

TEST_F(EndpointsTest, ExplicitEndpointBeatsTheEnvironment) {
  env_.SetVar("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567");
  EXPECT_EQ(*ResolveEndpoint("kinesis", "us-east-1", "https://[::1]:8443/", env_),
            "https://[::1]:8443");
}

TEST_F(EndpointsTest, IgnoreConfiguredEndpointUrlsSkipsTheVariables) {
  env_.SetVar("AWS_ENDPOINT_URL", "http://127.0.0.1:4000");
  env_.SetVar("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(*ResolveEndpoint("kinesis", "us-east-1", "", env_),
            "https://kinesis.us-east-1.amazonaws.com");
}

TEST_F(EndpointsTest, OverrideThatIsNotAnHttpUrlIsInvalidAndNamesItsSource) {
  env_.SetVar("AWS_ENDPOINT_URL_KINESIS", "127.0.0.1:4567");
  StatusOr<std::string> endpoint = ResolveEndpoint("kinesis", "us-east-1", "", env_);
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(endpoint.status().message(), "AWS_ENDPOINT_URL_KINESIS"))
      << endpoint.status().message();
  EXPECT_EQ(ResolveEndpoint("kinesis", "us-east-1", "ftp://host", env_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kedge::aws
