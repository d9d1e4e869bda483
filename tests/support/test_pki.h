#pragma once
// TestPki: a throw-away certificate authority and the certificates TLS tests need, generated
// at test time with OpenSSL (EC P-256 keys, SHA-256 signatures) and written as PEM files into a
// fresh temporary directory (removed again by the destructor).
//
//   const TestPki& pki = TestPki::Shared();       // or a TestPki of your own
//   TestHttpServer server(handler, TestHttpServerOptions::Tls(pki.server(), pki.ca_file()));
//   client: tls.ca_file = pki.ca_file(); tls.client_cert/client_key = pki.client().*
//
// Failures are reported with ADD_FAILURE (check ok()), never by crashing. Not thread-safe while
// constructing; the accessors are read-only afterwards.

#include <string>

namespace kedge::testing {

// A certificate and its private key, as PEM file paths.
struct PemFiles {
  std::string cert_file;
  std::string key_file;
};

class TestPki {
 public:
  // Generates everything into a new directory under $TMPDIR (or /tmp).
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // One PKI for the whole test process, made on first use and removed at exit. Tests that only
  // need some valid certificates should use this instead of generating their own.
  static const TestPki& Shared();

  // False when generation failed (the failure was already reported to GoogleTest).
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }

  // The test CA's certificate: what clients (tls.ca_file) and servers (client CA) trust.
  const std::string& ca_file() const { return ca_file_; }
  // Another self-signed CA that signed nothing the servers trust: "wrong CA" on either side.
  const std::string& other_ca_file() const { return other_ca_file_; }

  // Server certificate for 127.0.0.1, ::1 and localhost (subjectAltName IP and DNS), signed
  // by the CA, valid from an hour ago for a year.
  const PemFiles& server() const { return server_; }
  // Client certificate (extendedKeyUsage clientAuth, CN "kedge-test-client") signed by the CA.
  const PemFiles& client() const { return client_; }
  // Same names as server(), signed by the CA, but expired yesterday.
  const PemFiles& expired_server() const { return expired_server_; }
  // Signed by the CA and valid, but only for "wrong-host.invalid".
  const PemFiles& wrong_host_server() const { return wrong_host_server_; }
  // Server certificate for 127.0.0.1/localhost signed by the other CA (untrusted).
  const PemFiles& untrusted_server() const { return untrusted_server_; }
  // Client certificate signed by the other CA: a server requiring client certs rejects it.
  const PemFiles& untrusted_client() const { return untrusted_client_; }

 private:
  bool Generate();

  bool ok_ = false;
  std::string dir_;
  std::string ca_file_;
  std::string other_ca_file_;
  PemFiles server_;
  PemFiles client_;
  PemFiles expired_server_;
  PemFiles wrong_host_server_;
  PemFiles untrusted_server_;
  PemFiles untrusted_client_;
};

}  // namespace kedge::testing
