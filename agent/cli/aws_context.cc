#include "agent/cli/aws_context.h"

#include <cstdio>

#include "platform/aws/credential_providers.h"
#include "platform/aws/endpoints.h"
#include "platform/aws/errors.h"
#include "platform/logging.h"

namespace kedge::agent {

StatusOr<bool> AwsFlags::Consume(const std::vector<std::string>& args, size_t* i) {
  const std::string& a = args[*i];
  std::string* target = nullptr;
  if (a == "--endpoint") target = &endpoint;
  else if (a == "--region") target = &region;
  else if (a == "--profile") target = &profile;
  else if (a == "--ca-file") target = &ca_file;
  else if (a == "--insecure-skip-tls-verify") {
    insecure_skip_tls_verify = true;
    return true;
  } else {
    return false;
  }
  if (*i + 1 >= args.size()) return InvalidArgumentError(a + " needs a value");
  *target = args[++*i];
  return true;
}

StatusOr<AwsContext> MakeAwsContext(const AwsFlags& flags, const std::string& service, Env& env) {
  AwsContext ctx;
  auto region = aws::ResolveRegion(flags.region, env);
  if (region.ok()) {
    ctx.region = *region;
  } else if (!flags.endpoint.empty()) {
    ctx.region = "us-east-1";  // a local endpoint (kedge-ingest, kinesalite) needs no real one
  } else {
    return region.status();
  }
  KEDGE_ASSIGN_OR_RETURN(ctx.endpoint,
                         aws::ResolveEndpoint(service, ctx.region, flags.endpoint, env));
  ctx.credentials = aws::NewDefaultCredentialsChain(env, flags.profile);
  net::HttpClientOptions http_options;
  http_options.tls.ca_file = flags.ca_file;
  http_options.tls.verify_peer = !flags.insecure_skip_tls_verify;
  if (flags.insecure_skip_tls_verify) {
    KEDGE_LOG(kWarn) << "TLS certificate verification is off (--insecure-skip-tls-verify)";
  }
  ctx.http = net::NewCurlHttpClient(http_options);
  return ctx;
}

int ReportFailure(const std::string& command, const Status& status) {
  const std::string& message = status.message();
  std::string line = "kedge " + command + ": " + message.substr(0, message.find('\n'));
  std::string_view hint = aws::HintFor(status);
  if (!hint.empty()) line += " (" + std::string(hint) + ")";
  std::fprintf(stderr, "%s\n", Logger::Get().Redact(line).c_str());
  return 1;
}

}  // namespace kedge::agent
