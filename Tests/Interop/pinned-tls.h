// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.
//
// capnp-rpc's TLS scheme for the C++ RPC peer, on OpenSSL over a kj::AsyncIoStream (kj's own TLS
// checks certificate chains and host names, which this scheme has none of):
// - both sides present a self-signed RSA-2048 certificate (CN=capnp);
// - the client pins the server by the SHA-256 of its SubjectPublicKeyInfo (the digest in a
//   sturdy ref, base64url without padding) and checks nothing else;
// - the server requires a client certificate and accepts any;
// - TLS 1.2 or 1.3, AEAD suites with forward secrecy only (the Swift vat network's settings).
//
// The RPC system reads and writes the wrapped stream; records go through memory BIOs, so OpenSSL
// never touches the socket and everything stays on kj's event loop.

#pragma once

#include <kj/async-io.h>
#include <kj/debug.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace pinned_tls {

inline std::string base64url(const unsigned char* bytes, size_t count) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < count; i += 3) {
    uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8) | bytes[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (count - i == 1) {
    uint32_t v = uint32_t(bytes[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (count - i == 2) {
    uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

inline std::string opensslError() {
  char text[256] = "unknown error";
  unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// base64url(SHA-256(DER SubjectPublicKeyInfo)) of a certificate's key.
inline std::string keyDigest(X509* certificate) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(X509_get0_pubkey(certificate), &der);
  KJ_REQUIRE(length > 0, "cannot encode a public key", opensslError());
  unsigned char digest[32];
  unsigned int digestLength = 0;
  EVP_Digest(der, size_t(length), digest, &digestLength, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return base64url(digest, digestLength);
}

// A fresh RSA-2048 key and its self-signed CN=capnp certificate, as capnp-rpc makes them.
struct Identity {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;

  Identity() {
    key = EVP_RSA_gen(2048);
    KJ_REQUIRE(key != nullptr, "cannot generate an RSA key", opensslError());
    certificate = X509_new();
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 86400L * 365);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("capnp"), -1, -1, 0);
    X509_set_issuer_name(certificate, name);
    X509_set_pubkey(certificate, key);
    KJ_REQUIRE(X509_sign(certificate, key, EVP_sha256()) > 0, "cannot sign the certificate", opensslError());
  }
  ~Identity() {
    X509_free(certificate);
    EVP_PKEY_free(key);
  }
  KJ_DISALLOW_COPY(Identity);

  std::string digest() const { return keyDigest(certificate); }
};

inline int acceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// An SSL_CTX for one side, presenting `identity`.
inline SSL_CTX* makeContext(const Identity& identity, bool server) {
  SSL_CTX* context = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  KJ_REQUIRE(context != nullptr, "SSL_CTX_new", opensslError());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
  SSL_CTX_set_cipher_list(context,
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  // BoringSSL's (swift-nio-ssl's) order of preference for TLS 1.3.
  SSL_CTX_set_ciphersuites(context,
      "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  KJ_REQUIRE(SSL_CTX_use_certificate(context, identity.certificate) == 1, opensslError());
  KJ_REQUIRE(SSL_CTX_use_PrivateKey(context, identity.key) == 1, opensslError());
  // No chain or name checks on either side: the server takes any client certificate, and the
  // client checks the server's key digest itself once the handshake is done.
  SSL_CTX_set_verify(context,
      server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
      acceptAnyCertificate);
  return context;
}

class Stream final: public kj::AsyncIoStream {
public:
  Stream(kj::Own<kj::AsyncIoStream> inner, SSL_CTX* context, bool server): inner(kj::mv(inner)) {
    ssl = SSL_new(context);
    KJ_REQUIRE(ssl != nullptr, "SSL_new", opensslError());
    readBio = BIO_new(BIO_s_mem());
    writeBio = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, readBio, writeBio);
    if (server) {
      SSL_set_accept_state(ssl);
    } else {
      SSL_set_connect_state(ssl);
    }
  }
  ~Stream() noexcept(false) { SSL_free(ssl); }

  // Runs the handshake; a client with `expectedDigest` then checks the server's key.
  kj::Promise<void> handshake(std::string expectedDigest) {
    return handshakeStep().then([this, expectedDigest]() {
      if (expectedDigest.empty()) return;
      X509* peer = SSL_get1_peer_certificate(ssl);
      KJ_REQUIRE(peer != nullptr, "the server sent no certificate");
      std::string actual = keyDigest(peer);
      X509_free(peer);
      KJ_REQUIRE(actual == expectedDigest, "the server's key digest does not match",
                 actual.c_str(), expectedDigest.c_str());
    });
  }

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return readStep(reinterpret_cast<kj::byte*>(buffer), minBytes, maxBytes, 0);
  }

  kj::Promise<void> write(const void* buffer, size_t size) override {
    const kj::byte* bytes = reinterpret_cast<const kj::byte*>(buffer);
    while (size > 0) {
      int written = SSL_write(ssl, bytes, int(kj::min(size, size_t(1) << 30)));
      KJ_REQUIRE(written > 0, "SSL_write", opensslError());
      bytes += written;
      size -= size_t(written);
    }
    return flush();
  }

  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    // One record for a whole message where it fits, as a buffered writer would send it.
    size_t total = 0;
    for (auto& piece: pieces) total += piece.size();
    auto joined = kj::heapArray<kj::byte>(total);
    size_t at = 0;
    for (auto& piece: pieces) {
      memcpy(joined.begin() + at, piece.begin(), piece.size());
      at += piece.size();
    }
    return write(joined.begin(), joined.size());
  }

  kj::Promise<void> whenWriteDisconnected() override { return inner->whenWriteDisconnected(); }

  void shutdownWrite() override {
    SSL_shutdown(ssl);
    // The close_notify goes with the last queued write, if the socket still takes it.
    auto pending = flush();
    tasks.add(kj::mv(pending));
    inner->shutdownWrite();
  }

  void abortRead() override { inner->abortRead(); }

  void getsockopt(int level, int option, void* value, uint* length) override {
    inner->getsockopt(level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, uint length) override {
    inner->setsockopt(level, option, value, length);
  }
  void getsockname(struct sockaddr* addr, uint* length) override { inner->getsockname(addr, length); }
  void getpeername(struct sockaddr* addr, uint* length) override { inner->getpeername(addr, length); }

private:
  struct Ignore final: public kj::TaskSet::ErrorHandler {
    void taskFailed(kj::Exception&&) override {}
  };

  kj::Own<kj::AsyncIoStream> inner;
  SSL* ssl;
  BIO* readBio;
  BIO* writeBio;
  kj::byte incoming[16384];
  // Writes to the socket go one after the other, in the order their records were made.
  kj::Promise<void> lastWrite = kj::READY_NOW;
  Ignore ignore;
  kj::TaskSet tasks{ignore};

  // Moves the records OpenSSL made into the socket, after those before them.
  kj::Promise<void> flush() {
    size_t pending = BIO_ctrl_pending(writeBio);
    if (pending == 0) {
      auto forked = kj::mv(lastWrite).fork();
      lastWrite = forked.addBranch();
      return forked.addBranch();
    }
    auto data = kj::heapArray<kj::byte>(pending);
    BIO_read(writeBio, data.begin(), int(pending));
    auto forked = kj::mv(lastWrite).then([this, data = kj::mv(data)]() mutable {
      auto bytes = data.asPtr();
      return inner->write(bytes.begin(), bytes.size()).attach(kj::mv(data));
    }).fork();
    lastWrite = forked.addBranch();
    return forked.addBranch();
  }

  // Reads more records from the socket into OpenSSL; false at the end of the stream.
  kj::Promise<bool> fill() {
    return inner->tryRead(incoming, 1, sizeof(incoming)).then([this](size_t count) {
      if (count == 0) return false;
      BIO_write(readBio, incoming, int(count));
      return true;
    });
  }

  kj::Promise<void> handshakeStep() {
    int result = SSL_do_handshake(ssl);
    if (result == 1) return flush();
    int error = SSL_get_error(ssl, result);
    KJ_REQUIRE(error == SSL_ERROR_WANT_READ, "TLS handshake failed", opensslError());
    return flush().then([this]() { return fill(); }).then([this](bool more) {
      KJ_REQUIRE(more, "the connection closed during the TLS handshake");
      return handshakeStep();
    });
  }

  kj::Promise<size_t> readStep(kj::byte* buffer, size_t minBytes, size_t maxBytes, size_t done) {
    size_t wanted = kj::max(minBytes, size_t(1));
    while (done < wanted && done < maxBytes) {
      int count = SSL_read(ssl, buffer + done, int(maxBytes - done));
      if (count > 0) {
        done += size_t(count);
        continue;
      }
      int error = SSL_get_error(ssl, count);
      if (error == SSL_ERROR_ZERO_RETURN) return done;
      KJ_REQUIRE(error == SSL_ERROR_WANT_READ, "SSL_read", opensslError());
      if (done >= minBytes) return done;
      // Anything OpenSSL wrote while reading (a TLS 1.3 key update) goes out first.
      auto written = BIO_ctrl_pending(writeBio) > 0 ? flush() : kj::Promise<void>(kj::READY_NOW);
      return written.then([this]() { return fill(); })
          .then([this, buffer, minBytes, maxBytes, done](bool more) -> kj::Promise<size_t> {
            if (!more) return done;
            return readStep(buffer, minBytes, maxBytes, done);
          });
    }
    return done;
  }
};

}  // namespace pinned_tls
