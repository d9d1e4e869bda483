#include "agent/aws_credentials.h"

#include <unistd.h>

#include "platform/aws/credential_providers.h"
#include "platform/aws/iot_credentials_provider.h"

namespace kedge::agent {

std::unique_ptr<aws::CredentialsProvider> NewAgentCredentials(const AwsConfig& aws,
                                                              const std::string& device_id,
                                                              Env& env, Clock& clock) {
  if (!aws.iot.enabled()) return aws::NewDefaultCredentialsChain(env, aws.profile, clock);
  aws::IotCredentialsOptions options;
  options.endpoint = aws.iot.endpoint;
  options.role_alias = aws.iot.role_alias;
  options.thing_name = aws.iot.thing_name.empty() ? device_id : aws.iot.thing_name;
  options.cert_file = aws.iot.cert_file;
  options.key_file = aws.iot.key_file;
  options.ca_file = aws.iot.ca_file;
  return std::make_unique<aws::IotCredentialsProvider>(std::move(options), clock);
}

std::string DefaultDeviceId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "kedge";
  return host;
}

}  // namespace kedge::agent
