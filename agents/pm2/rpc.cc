#include "agents/pm2/rpc.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>

#include "common/json_text.h"

namespace redundancy::pm2 {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

}  // namespace

RpcClient::~RpcClient() { Close(); }

void RpcClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  decoder_ = AmpDecoder();
}

Status RpcClient::Connect(Millis timeout) {
  Close();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("connect: socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    close(fd);
    return Status::Error("connect: path too long: " + path_);
  }
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    return Status::Error("connect: " + path_ + ": " + std::strerror(e));
  }
  fd_ = fd;
  return Status::Ok();
}

namespace {

Result<nlohmann::json> ParseReply(const std::string& raw) {
  auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded()) return Result<nlohmann::json>::Error("pm2: reply does not parse");
  if (j.contains("error")) {
    return Result<nlohmann::json>::Error(
        "pm2: " + (j["error"].is_string() ? j["error"].get<std::string>() : JsonText(j["error"])));
  }
  if (!j.contains("args") || !j["args"].is_array()) return Result<nlohmann::json>::Error("pm2: reply without args");
  return std::move(j["args"]);
}

}  // namespace

Result<nlohmann::json> RpcClient::Call(const std::string& method, const nlohmann::json& args, Millis timeout) {
  auto raw = CallRaw(method, args, timeout);
  if (!raw.ok()) return raw.status();
  return ParseReply(*raw);
}

bool RpcClient::SendFrame(const std::string& frame) {
  size_t off = 0;
  while (off < frame.size()) {
    ssize_t n = send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Close();
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

std::vector<Result<std::string>> RpcClient::Exchange(const std::string& method,
                                                     const std::vector<nlohmann::json>& calls, Millis timeout,
                                                     SteadyClock::time_point deadline, bool* stale) {
  *stale = false;
  std::vector<Result<std::string>> out(calls.size(), Result<std::string>::Error("pm2: no answer"));
  if (calls.empty()) return out;
  if (fd_ < 0) {
    if (Status s = Connect(timeout); !s.ok()) return std::vector<Result<std::string>>(calls.size(), s);
  }
  std::map<std::string, size_t> waiting;  // call id -> index
  std::string failure;                    // why the rest went unanswered
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string id = std::to_string(getpid()) + ":" + std::to_string(next_id_++);
    nlohmann::json msg = {{"type", "call"}, {"method", method}, {"args", calls[i]}};
    if (!SendFrame(EncodeAmp({"j:" + JsonText(msg), "s:" + id}))) {
      for (size_t k = i; k < calls.size(); ++k) waiting["unsent:" + std::to_string(k)] = k;
      *stale = true;
      break;
    }
    waiting[id] = i;
  }
  while (!waiting.empty() && fd_ >= 0) {
    while (auto reply = decoder_.Next()) {
      if (reply->size() < 2) continue;
      auto it = waiting.find((*reply)[1].substr(std::min<size_t>(2, (*reply)[1].size())));
      if (it == waiting.end()) continue;  // a late answer to an older call
      std::string& body = (*reply)[0];
      if (body.rfind("j:", 0) == 0) {
        body.erase(0, 2);  // in place: the decoder's spare capacity stays for the parser
        out[it->second] = Result<std::string>(std::move(body));
      } else {
        out[it->second] = Result<std::string>::Error("pm2: reply is not JSON");
      }
      waiting.erase(it);
    }
    if (waiting.empty()) break;
    if (decoder_.broken()) {
      Close();
      failure = "pm2: unexpected bytes on " + path_;
      break;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, RemainingMs(deadline));
    if (rc == 0) {
      Close();  // answers may still come: never reuse this connection
      failure = "pm2: " + method + " timed out after " + FormatDuration(timeout);
      break;
    }
    if (rc < 0 && errno == EINTR) continue;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      Close();
      *stale |= n == 0 && waiting.size() == calls.size();  // closed under us before any answer
      break;
    }
    decoder_.Feed(buf, static_cast<size_t>(n));
  }
  if (failure.empty()) failure = "connect: " + path_ + ": connection closed";
  for (auto& [id, i] : waiting) out[i] = Result<std::string>::Error(failure);
  return out;
}

std::vector<Result<nlohmann::json>> RpcClient::CallMany(const std::string& method,
                                                        const std::vector<nlohmann::json>& calls, Millis timeout) {
  bool stale = false;
  std::vector<Result<nlohmann::json>> out;
  for (auto& raw : Exchange(method, calls, timeout, SteadyClock::now() + timeout, &stale))
    out.push_back(raw.ok() ? ParseReply(*raw) : Result<nlohmann::json>(raw.status()));
  return out;
}

Result<std::string> RpcClient::CallRaw(const std::string& method, const nlohmann::json& args, Millis timeout) {
  auto deadline = SteadyClock::now() + timeout;  // both attempts together
  for (int attempt = 0;; ++attempt) {
    bool stale = false;
    auto replies = Exchange(method, {args}, timeout, deadline, &stale);
    if (stale && attempt == 0) continue;  // a stale connection: reconnect once
    return std::move(replies[0]);
  }
}

}  // namespace redundancy::pm2
