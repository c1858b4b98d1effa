// A client of etcd's v3 API through its gRPC gateway (JSON over HTTP,
// libcurl): leases, puts, ranges, transactions and watches, which is all a
// fleet needs. Blocking: call from a worker thread, never from an event loop.
// Keys and values travel base64-encoded; int64 fields as strings (the
// gateway's JSON mapping). Several endpoints: a call that cannot reach one
// tries the next, and the one that answered is used first from then on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/probe.h"
#include "common/status.h"

namespace redundancy {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // http://host:port or https://host:port
  std::string username, password;      // etcd's own auth, when enabled
  TlsFiles tls;
  Millis timeout{2'000};  // per request
};

struct EtcdKv {
  std::string key, value;
  int64_t create_revision = 0, mod_revision = 0, lease = 0;
};

struct EtcdEvent {
  bool deleted = false;  // else a put
  EtcdKv kv;
};

// One operation of a transaction.
struct EtcdOp {
  enum class Kind { kPut, kDelete, kDeletePrefix };
  Kind kind = Kind::kPut;
  std::string key, value;
  int64_t lease = 0;
};

// One condition of a transaction: the key's mod (or create) revision equals
// `revision` (0: the key does not exist), or its value equals `value`.
struct EtcdCompare {
  enum class Target { kMod, kCreate, kValue };
  std::string key;
  Target target = Target::kMod;
  int64_t revision = 0;
  std::string value;
};

class EtcdClient {
 public:
  explicit EtcdClient(EtcdOptions options);

  // A lease of `ttl_s` seconds: its id.
  Result<int64_t> Grant(int64_t ttl_s);
  // Renews it: the TTL left, or an error once it has expired.
  Result<int64_t> KeepAlive(int64_t lease);
  Status Revoke(int64_t lease);
  // {TTL left, TTL granted} of a lease, in seconds; an error once it has expired.
  Result<std::pair<int64_t, int64_t>> TimeToLive(int64_t lease);

  // The store's revision after the put.
  Result<int64_t> Put(const std::string& key, const std::string& value, int64_t lease = 0);
  struct Range {
    int64_t revision = 0;  // the store's, when read
    std::vector<EtcdKv> kvs;
  };
  // `key` alone, or every key under it when `prefix`.
  Result<Range> Get(const std::string& key, bool prefix = false, int64_t revision = 0);
  Result<int64_t> Delete(const std::string& key, bool prefix = false);  // how many went
  // All of `when` hold: `then` runs (true), else `otherwise` (false).
  Result<bool> Txn(const std::vector<EtcdCompare>& when, const std::vector<EtcdOp>& then,
                   const std::vector<EtcdOp>& otherwise = {});

  // Watches every key under `prefix` from `start_revision` (0: from now) and
  // hands each batch of events to `on_events` (with the store's revision)
  // until `cancel` is cancelled, the stream ends or fails (the error).
  // Returns Ok when cancelled.
  Status Watch(const std::string& prefix, int64_t start_revision,
               const std::function<void(const std::vector<EtcdEvent>&, int64_t revision)>& on_events,
               StreamCancel* cancel);

  // The endpoint that answered last.
  const std::string& endpoint() const { return options_.endpoints[current_]; }

 private:
  // POST `body` to `path` on an endpoint that answers: the JSON reply's text.
  Result<std::string> Call(const std::string& path, const std::string& body);
  Status Authenticate(const std::string& base);
  std::vector<std::string> Headers() const;

  EtcdOptions options_;
  size_t current_ = 0;
  std::string token_;  // from auth/authenticate
};

// etcd's key range end for a prefix ("/a/" -> "/a0").
std::string EtcdPrefixEnd(const std::string& prefix);
std::string Base64Encode(const std::string& in);
std::string Base64Decode(const std::string& in);

}  // namespace redundancy
