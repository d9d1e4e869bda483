#pragma once
// The command line of kedge-ingest:
//   kedge-ingest --listen ADDR:PORT --data-dir DIR
//                [--access-key AK --secret-key SK | --credentials-file F]
//                [--tls-cert C --tls-key K] [--public-url URL] [--region R] [--threads N]
//                [--video-cap-mb MB] [--no-console | --console-token TOKEN]
// Pure parsing (the credentials file is read through Env); errors are InvalidArgument with a
// message naming the option.

#include <string>
#include <vector>

#include "ingest/ingest_server.h"
#include "platform/env.h"

namespace kedge::ingest {

inline constexpr char kUsage[] =
    "usage: kedge-ingest --listen ADDR:PORT --data-dir DIR\n"
    "         [--access-key AK --secret-key SK | --credentials-file FILE]\n"
    "         [--tls-cert CERT.pem --tls-key KEY.pem] [--public-url URL]\n"
    "         [--region REGION] [--threads N] [--video-cap-mb MB]\n"
    "         [--no-console | --console-token TOKEN]\n"
    "  --listen 127.0.0.1:0 picks a free port; the address is printed once listening.\n"
    "  --credentials-file: an AWS shared credentials file (every profile's key pair is\n"
    "    accepted) or lines 'CREDENTIALS <access key id> <secret key>'.\n"
    "  The web console is at / ; with credentials it needs the token in the printed URL\n"
    "    (random unless --console-token is given).\n";

// Parses argv (without the program name). "--help" yields a Cancelled status.
StatusOr<IngestOptions> ParseCommandLine(const std::vector<std::string>& args, Env& env);

// "127.0.0.1:8080", "[::1]:0", ":8080" (all addresses: 0.0.0.0).
Status ParseListen(const std::string& text, std::string* address, uint16_t* port);

// Key pairs from an AWS shared credentials file or kvssink-style "CREDENTIALS AK SK" lines.
StatusOr<std::vector<aws::Credentials>> ParseCredentialsFile(const std::string& text);

}  // namespace kedge::ingest
