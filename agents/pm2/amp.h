// axon's "amp" framing, as PM2 speaks it on rpc.sock and pub.sock: byte 0 is
// (version 1 << 4) | argc, then per argument a big-endian uint32 length and
// the bytes. Arguments starting "s:" are strings, "j:" JSON. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace redundancy::pm2 {

// Encodes one message; at most 15 arguments.
std::string EncodeAmp(const std::vector<std::string>& args);

// Spare capacity past the end of every decoded argument.
inline constexpr size_t kArgPadding = 64;

// Splits a byte stream into messages.
class AmpDecoder {
 public:
  void Feed(const char* data, size_t n) { buffer_.append(data, n); }
  // The next complete message, or nullopt when more bytes are needed.
  std::optional<std::vector<std::string>> Next();
  // True once the stream stopped making sense (bad version, absurd length).
  bool broken() const { return broken_; }

 private:
  std::string buffer_;
  size_t pos_ = 0;
  bool broken_ = false;
};

}  // namespace redundancy::pm2
