#pragma once
// The credentials `kedge run` signs with, from the config's `aws:` section: the AWS IoT
// credentials provider when `aws.iot_credentials` is set (and then only it: a device set up for
// certificates should not quietly fall back to keys lying around), else the environment, then
// the profile in the shared credentials file.
//
// Each caller (the record pipeline, each camera) gets its own provider; each caches what it
// fetched. Thread-safety as CredentialsProvider.

#include <memory>
#include <string>

#include "agent/config/config.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::agent {

// `device_id` is the IoT thing name when `aws.iot_credentials.thing_name` is empty.
std::unique_ptr<aws::CredentialsProvider> NewAgentCredentials(const AwsConfig& aws,
                                                              const std::string& device_id,
                                                              Env& env, Clock& clock);

// The host name, the documented default of device_id ("kedge" if it cannot be had).
std::string DefaultDeviceId();

}  // namespace kedge::agent
