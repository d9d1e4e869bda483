#pragma once
// A blocking TCP connection to 127.0.0.1 for tests that need byte-level control of HTTP
// (chunked uploads interleaved with reading the streamed answer). Reads time out after 10 s.

#include <string>

namespace kedge::ingest::testing {

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Sends one chunk of a chunked body ("" sends the last chunk).
  bool SendChunk(const std::string& data);
  // Reads until `needle` has been received (returns everything so far) or the peer closes / the
  // read times out (returns what arrived; the caller's expectation then fails).
  std::string ReadUntil(const std::string& needle);
  // Reads until the peer closes.
  std::string ReadAll();
  // One blocking read; false when the peer closed or the read timed out.
  bool ReadMore();
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace kedge::ingest::testing
