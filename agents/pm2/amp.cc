#include "agents/pm2/amp.h"

namespace redundancy::pm2 {
namespace {
constexpr uint32_t kMaxArg = 256u << 20;  // 256 MiB: a jlist of thousands of apps fits
// Room the buffer is given at once for an argument still arriving, so a big
// listing (9 MB for 1,000 apps) is not copied again at every doubling. Only
// what arrives is ever touched; a hostile length costs no memory.
constexpr size_t kMaxReserve = 64u << 20;
}  // namespace

std::string EncodeAmp(const std::vector<std::string>& args) {
  std::string out;
  out.push_back(static_cast<char>((1 << 4) | (args.size() & 0x0f)));
  for (const auto& a : args) {
    uint32_t n = static_cast<uint32_t>(a.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
    out += a;
  }
  return out;
}

std::optional<std::vector<std::string>> AmpDecoder::Next() {
  if (broken_ || pos_ >= buffer_.size()) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer_[i]); };
  size_t p = pos_;
  if ((byte(p) >> 4) != 1) {
    broken_ = true;
    return std::nullopt;
  }
  size_t argc = byte(p) & 0x0f;
  ++p;
  std::vector<std::string> args;
  for (size_t i = 0; i < argc; ++i) {
    if (buffer_.size() < p + 4) return std::nullopt;
    uint32_t n = (uint32_t{byte(p)} << 24) | (uint32_t{byte(p + 1)} << 16) | (uint32_t{byte(p + 2)} << 8) | byte(p + 3);
    if (n > kMaxArg) {
      broken_ = true;
      return std::nullopt;
    }
    p += 4;
    if (buffer_.size() < p + n) {
      size_t want = p + n - pos_;
      if (want <= kMaxReserve && buffer_.capacity() < p + n) {
        buffer_.erase(0, pos_);  // what was read goes first
        pos_ = 0;
        buffer_.reserve(want);
      }
      return std::nullopt;
    }
    // Each argument with kArgPadding spare bytes: a JSON parser may read past
    // the end (simdjson) without another copy.
    std::string& arg = args.emplace_back();
    arg.reserve(n + kArgPadding);
    arg.append(buffer_, p, n);
    p += n;
  }
  pos_ = p;
  if (pos_ == buffer_.size() && buffer_.capacity() > (1u << 20)) {
    buffer_ = std::string();  // a big listing read: its memory goes back between checks
    pos_ = 0;
  } else if (pos_ > (1u << 20) && pos_ * 2 > buffer_.size()) {  // compact now and then
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  return args;
}

}  // namespace redundancy::pm2
