#include "ingest/server/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "ingest/server/http_connection.h"
#include "platform/logging.h"

namespace kedge::ingest {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Impl(HttpServerOptions options, const Router& router)
      : shared{router, std::move(options)}, acceptor(io) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](boost::system::error_code ec,
                                                        tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || shared.stopping) return;
        KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10)) << "ingest: accept: " << ec.message();
      } else if (shared.connections.load() >= shared.options.max_connections) {
        KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
            << "ingest: connection limit (" << shared.options.max_connections
            << ") reached; refusing a connection";
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        server_internal::ServeConnection(std::move(socket), shared, tls ? &*tls : nullptr);
      }
      Accept();
    });
  }

  server_internal::ServerShared shared;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  std::vector<std::thread> threads;
  uint16_t port = 0;
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { Stop(); }

namespace {

Status LoadTls(asio::ssl::context& ctx, const HttpServerOptions& options) {
  boost::system::error_code ec;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  ctx.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return InvalidArgumentError("--tls-cert " + options.tls_cert_file +
                                ": cannot load the certificate chain (PEM): " + ec.message());
  }
  ctx.use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return InvalidArgumentError("--tls-key " + options.tls_key_file +
                                ": cannot load the private key (PEM, matching the certificate): " +
                                ec.message());
  }
  return Status::Ok();
}

}  // namespace

Status HttpServer::Listen() {
  const HttpServerOptions& options = impl_->shared.options;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
    }
    impl_->tls.emplace(asio::ssl::context::tls_server);
    KEDGE_RETURN_IF_ERROR(LoadTls(*impl_->tls, options));
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("listen address '" + options.address + "' is not an IP address");
  tcp::endpoint endpoint(address, options.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + options.address + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Run() {
  impl_->Accept();
  int threads = impl_->shared.options.threads > 0 ? impl_->shared.options.threads : 1;
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
}

void HttpServer::Stop() {
  if (impl_->shared.stopping.exchange(true)) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // The connections still open are owned by their pending operations and go away with the
  // io_context, when the server is destroyed.
}

uint16_t HttpServer::port() const { return impl_->port; }
bool HttpServer::tls() const { return impl_->tls.has_value(); }
size_t HttpServer::active_connections() const { return impl_->shared.connections.load(); }

}  // namespace kedge::ingest
