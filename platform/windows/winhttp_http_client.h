#pragma once
// WinHttpClient: net::HttpClient over WinHTTP, for the native Windows build, which then needs
// neither libcurl nor OpenSSL. TLS is Schannel's: the server certificate is verified against
// the Windows certificate store, host name included, unless tls.verify_peer is false.
//
// How it meets the HttpClient contract: each request runs WinHTTP's synchronous calls on a
// worker thread of its own; everything the caller gave (body_reader, on_body, the callback)
// still runs on the owner thread, inside Poll(): a worker that needs the next piece of a
// streaming body asks Poll for it and waits, and received pieces and results are queued for
// Poll to hand over. Cancel closes the request handle, which makes WinHTTP's pending call
// return; the callback then runs with Cancelled. WinHTTP keeps connections alive per session.
//
// Limits, each an error rather than a surprise: tls.ca_file and tls.client_cert/client_key
// (PEM files) are refused at creation with what to do instead (the certificate store); the
// response is read once the request body has been sent, so a response that streams while the
// upload is still going (KVS PutMedia ACKs) arrives only after it; WinHTTP's timeouts are per
// send and receive, so `timeout` bounds each wait rather than the whole request.
//
// Windows only.

#include <memory>

#include "platform/net/http_client.h"
#include "platform/status.h"

namespace kedge::windows {

// InvalidArgument for options WinHTTP cannot honour (see above); Unavailable when WinHTTP
// cannot open a session.
StatusOr<std::unique_ptr<net::HttpClient>> NewWinHttpClient(const net::HttpClientOptions& options);

}  // namespace kedge::windows
