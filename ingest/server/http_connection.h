#pragma once
// Internal to ingest/server: one client connection (plain TCP or TLS). See http_server.h.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>

#include "ingest/server/http_server.h"

namespace kedge::ingest::server_internal {

// What every connection of one server shares. Lives as long as the server.
struct ServerShared {
  const Router& router;
  HttpServerOptions options;
  std::atomic<size_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<bool> stopping{false};
};

// Serves `socket` until the peer closes, an error, or the server stops. `tls` is null for plain
// HTTP. Takes ownership of the socket; the connection keeps itself alive.
void ServeConnection(boost::asio::ip::tcp::socket socket, ServerShared& shared,
                     boost::asio::ssl::context* tls);

}  // namespace kedge::ingest::server_internal
