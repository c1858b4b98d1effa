// A client of PM2's RPC socket ($PM2_HOME/rpc.sock): one persistent
// connection, one call at a time, each bounded by a timeout. PM2 calls the
// method with exactly the arguments given plus its callback, so callers must
// pass the method's full arity: getVersion({}) works, getVersion() crashes
// the PM2 daemon.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/pm2/amp.h"
#include "common/duration.h"
#include "common/status.h"

namespace redundancy::pm2 {

class RpcClient {
 public:
  explicit RpcClient(std::string socket_path) : path_(std::move(socket_path)) {}
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Calls `method` with `args` (a JSON array). Returns the callback's
  // arguments after `err` (a JSON array), or an error: "connect: ..." when the
  // socket cannot be reached, "pm2: ..." when PM2 answered with an error.
  Result<nlohmann::json> Call(const std::string& method, const nlohmann::json& args, Millis timeout);
  // The same, returning the reply's JSON text ({"args": [...]}) unparsed.
  Result<std::string> CallRaw(const std::string& method, const nlohmann::json& args, Millis timeout);
  // Calls `method` once per element of `calls` (each a JSON array of
  // arguments), all sent before any answer is awaited, so that PM2 works on
  // them at once; the results in the same order (as Call's).
  std::vector<Result<nlohmann::json>> CallMany(const std::string& method, const std::vector<nlohmann::json>& calls,
                                               Millis timeout);
  void Close();
  const std::string& path() const { return path_; }

 private:
  Status Connect(Millis timeout);
  // Sends one call per element of `calls` and collects the answers by id
  // until `deadline`: each the reply's JSON text, or why there is none
  // (`timeout` is what a timeout says). `stale`: the connection broke before
  // anything was answered (worth one reconnect).
  std::vector<Result<std::string>> Exchange(const std::string& method, const std::vector<nlohmann::json>& calls,
                                            Millis timeout, std::chrono::steady_clock::time_point deadline,
                                            bool* stale);
  // Writes one whole frame; false (and closed) when the connection broke.
  bool SendFrame(const std::string& frame);
  std::string path_;
  int fd_ = -1;
  uint64_t next_id_ = 1;
  AmpDecoder decoder_;
};

}  // namespace redundancy::pm2
