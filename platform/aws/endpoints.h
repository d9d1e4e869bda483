#pragma once
// Region and endpoint resolution, by the AWS SDK conventions.

#include <optional>
#include <string>

#include "platform/env.h"
#include "platform/status.h"

namespace kedge::aws {

// The region: `explicit_region` (command line or config) if set, else AWS_REGION, else
// AWS_DEFAULT_REGION, else the `region` of the active profile in the config file
// (AWS_CONFIG_FILE, default ~/.aws/config; profile from AWS_PROFILE, default "default").
// NotFound with a message saying how to set one when none is found.
StatusOr<std::string> ResolveRegion(const std::string& explicit_region, Env& env);
// The same, reading the config file's `region` from `profile` (when not empty) instead of
// AWS_PROFILE / "default": for a kedge config that names a profile.
// InvalidArgument when the region found is not a region name ("us-east-1").
StatusOr<std::string> ResolveRegion(const std::string& explicit_region,
                                    const std::string& profile, Env& env);

// The endpoint URL for `service` ("kinesis", "firehose", "kinesisvideo"): `explicit_endpoint`
// if set, else AWS_ENDPOINT_URL_<SERVICE> (KINESIS, FIREHOSE, KINESIS_VIDEO), else
// AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com (".com.cn" for cn-*).
// InvalidArgument when an override is not an http:// or https:// URL.
StatusOr<std::string> ResolveEndpoint(const std::string& service, const std::string& region,
                                      const std::string& explicit_endpoint, Env& env);

}  // namespace kedge::aws
