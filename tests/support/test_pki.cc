#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "tests/support/test_util.h"

namespace kedge::testing {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

constexpr long kDay = 24 * 3600;
constexpr const char* kLocalNames = "IP:127.0.0.1,IP:::1,DNS:localhost";

std::string OpenSslError(const std::string& what) {
  char buf[256] = "unknown error";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return "TestPki: " + what + ": " + buf;
}

KeyPtr NewKey() {
  KeyPtr key(nullptr, &EVP_PKEY_free);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  EVP_PKEY* raw = nullptr;
  if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) > 0 &&
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) > 0 &&
      EVP_PKEY_keygen(ctx, &raw) > 0) {
    key.reset(raw);
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

// What goes into one certificate.
struct CertSpec {
  std::string common_name;
  std::string alt_names;  // subjectAltName value, "" = none
  std::string key_usage;  // extendedKeyUsage, "" = none (CA)
  bool is_ca = false;
  long not_before_s = -3600;  // relative to now
  long not_after_s = 365 * kDay;
};

bool AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool AddExtensions(X509* cert, X509* issuer, const CertSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  bool ok = AddExtension(cert, &ctx, NID_basic_constraints,
                         spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
            AddExtension(cert, &ctx, NID_key_usage,
                         spec.is_ca ? "critical,keyCertSign,cRLSign"
                                    : "critical,digitalSignature,keyEncipherment") &&
            AddExtension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (ok && issuer != nullptr) {
    ok = AddExtension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (ok && !spec.key_usage.empty()) {
    ok = AddExtension(cert, &ctx, NID_ext_key_usage, spec.key_usage);
  }
  if (ok && !spec.alt_names.empty()) {
    ok = AddExtension(cert, &ctx, NID_subject_alt_name, spec.alt_names);
  }
  return ok;
}

// Issues a certificate for `key`; self-signed when `issuer` is null.
CertPtr Issue(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new(), &X509_free);
  uint64_t serial = 0;
  if (!cert || RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) {
    return CertPtr(nullptr, &X509_free);
  }
  X509* x = cert.get();
  X509_NAME* name = X509_get_subject_name(x);
  bool ok =
      X509_set_version(x, 2) == 1 &&
      ASN1_INTEGER_set_int64(X509_get_serialNumber(x), static_cast<int64_t>(serial >> 1)) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before_s) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after_s) != nullptr &&
      X509_set_pubkey(x, key) == 1 &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("kedge tests"), -1, -1,
                                 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                 -1, -1, 0) == 1 &&
      X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1 &&
      AddExtensions(x, issuer, spec) &&
      X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0;
  return ok ? std::move(cert) : CertPtr(nullptr, &X509_free);
}

bool WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (bio == nullptr) return false;
  bool ok = cert != nullptr
                ? PEM_write_bio_X509(bio, cert) == 1
                : PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  BIO_free(bio);
  return ok;
}

// A CA: its key and self-signed certificate.
struct Authority {
  KeyPtr key{nullptr, &EVP_PKEY_free};
  CertPtr cert{nullptr, &X509_free};
};

bool MakeAuthority(const std::string& name, const std::string& path, Authority* ca) {
  ca->key = NewKey();
  if (!ca->key) return false;
  CertSpec spec{name, "", "", true, -3600, 3650 * kDay};
  ca->cert = Issue(spec, ca->key.get(), nullptr, nullptr);
  return ca->cert && WritePem(path, ca->cert.get(), nullptr);
}

bool MakeLeaf(const CertSpec& spec, const Authority& ca, const std::string& dir,
              const std::string& stem, PemFiles* out) {
  KeyPtr key = NewKey();
  if (!key) return false;
  CertPtr cert = Issue(spec, key.get(), ca.cert.get(), ca.key.get());
  out->cert_file = dir + "/" + stem + ".crt";
  out->key_file = dir + "/" + stem + ".key";
  return cert && WritePem(out->cert_file, cert.get(), nullptr) &&
         WritePem(out->key_file, nullptr, key.get());
}

}  // namespace

TestPki::TestPki() : dir_(MakeTempDir("kedge-pki")) {
  ok_ = Generate();
  if (!ok_) ADD_FAILURE() << OpenSslError("generating test certificates in " + dir_);
}

const TestPki& TestPki::Shared() {
  static const TestPki pki;
  return pki;
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool TestPki::Generate() {
  Authority ca;
  Authority other;
  ca_file_ = dir_ + "/ca.crt";
  other_ca_file_ = dir_ + "/other-ca.crt";
  const CertSpec server{"127.0.0.1", kLocalNames, "serverAuth"};
  const CertSpec client{"kedge-test-client", "", "clientAuth"};
  CertSpec expired = server;
  expired.not_before_s = -30 * kDay;
  expired.not_after_s = -kDay;
  const CertSpec wrong_host{"wrong-host.invalid", "DNS:wrong-host.invalid", "serverAuth"};
  return MakeAuthority("kedge test CA", ca_file_, &ca) &&
         MakeAuthority("kedge other CA", other_ca_file_, &other) &&
         MakeLeaf(server, ca, dir_, "server", &server_) &&
         MakeLeaf(client, ca, dir_, "client", &client_) &&
         MakeLeaf(expired, ca, dir_, "expired-server", &expired_server_) &&
         MakeLeaf(wrong_host, ca, dir_, "wrong-host-server", &wrong_host_server_) &&
         MakeLeaf(server, other, dir_, "untrusted-server", &untrusted_server_) &&
         MakeLeaf(client, other, dir_, "untrusted-client", &untrusted_client_);
}

}  // namespace kedge::testing
