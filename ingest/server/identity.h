#pragma once
// Who this kedge-ingest says it is: the region and account in ARNs, and the URL clients reach it
// at (returned by GetDataEndpoint and HLS session URLs).

#include <string>

namespace kedge::ingest {

struct ServiceIdentity {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string public_url;  // "http://127.0.0.1:4567", no trailing slash
};

}  // namespace kedge::ingest
