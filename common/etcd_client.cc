#include "common/etcd_client.h"

#include <cstdlib>

#include "common/json_text.h"

namespace redundancy {
namespace {

using nlohmann::json;

EtcdKv ParseKv(const json& j) {
  EtcdKv kv;
  kv.key = Base64Decode(JsonStr(j, "key"));
  kv.value = Base64Decode(JsonStr(j, "value"));
  kv.create_revision = JsonInt(j, "create_revision");
  kv.mod_revision = JsonInt(j, "mod_revision");
  kv.lease = JsonInt(j, "lease");
  return kv;
}

json OpJson(const EtcdOp& op) {
  if (op.kind == EtcdOp::Kind::kPut) {
    json put = {{"key", Base64Encode(op.key)}, {"value", Base64Encode(op.value)}};
    if (op.lease) put["lease"] = std::to_string(op.lease);
    return {{"request_put", put}};
  }
  json del = {{"key", Base64Encode(op.key)}};
  if (op.kind == EtcdOp::Kind::kDeletePrefix) del["range_end"] = Base64Encode(EtcdPrefixEnd(op.key));
  return {{"request_delete_range", del}};
}

// The gateway's error reply ({"error": ..., "message": ..., "code": N}) in one line.
std::string ErrorOf(const std::string& body, int status) {
  json j = json::parse(body, nullptr, false);
  std::string m = j.is_object() ? JsonStr(j, "message") : "";
  if (m.empty() && j.is_object()) m = JsonStr(j, "error");
  return m.empty() ? "HTTP " + std::to_string(status) : m;
}

}  // namespace

std::string Base64Encode(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out += kChars[(n >> 18) & 63];
    out += kChars[(n >> 12) & 63];
    out += i + 1 < in.size() ? kChars[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kChars[n & 63] : '=';
  }
  return out;
}

std::string Base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int have = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;  // padding, whitespace
    bits = (bits << 6) | static_cast<uint32_t>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out += static_cast<char>((bits >> have) & 0xff);
    }
  }
  return out;
}

std::string EtcdPrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(EtcdOptions options) : options_(std::move(options)) {
  if (options_.endpoints.empty()) options_.endpoints.push_back("http://127.0.0.1:2379");
  for (auto& e : options_.endpoints) {
    while (!e.empty() && e.back() == '/') e.pop_back();
  }
}

std::vector<std::string> EtcdClient::Headers() const {
  std::vector<std::string> h = {"Content-Type: application/json"};
  if (!token_.empty()) h.push_back("Authorization: " + token_);
  return h;
}

Status EtcdClient::Authenticate(const std::string& base) {
  json body = {{"name", options_.username}, {"password", options_.password}};
  HttpResponse r = HttpPost(base + "/v3/auth/authenticate", {"Content-Type: application/json"}, JsonText(body),
                            options_.timeout, options_.tls);
  if (!r.error.empty()) return Status::Error(r.error);
  if (r.status != 200) return Status::Error("etcd authentication: " + ErrorOf(r.body, r.status));
  json j = json::parse(r.body, nullptr, false);
  token_ = j.is_object() ? JsonStr(j, "token") : "";
  if (token_.empty()) return Status::Error("etcd authentication: no token in the reply");
  return Status::Ok();
}

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  std::string last;
  for (size_t tried = 0; tried < options_.endpoints.size(); ++tried) {
    size_t i = (current_ + tried) % options_.endpoints.size();
    const std::string& base = options_.endpoints[i];
    if (!options_.username.empty() && token_.empty()) {
      if (Status s = Authenticate(base); !s.ok()) {
        last = base + ": " + s.message();
        continue;
      }
    }
    HttpResponse r = HttpPost(base + path, Headers(), body, options_.timeout, options_.tls);
    if (r.error.empty() && r.status == 401 && !options_.username.empty()) {
      token_.clear();  // expired token: once more with a new one
      if (Authenticate(base).ok()) r = HttpPost(base + path, Headers(), body, options_.timeout, options_.tls);
    }
    if (!r.error.empty()) {
      last = base + ": " + r.error;
      continue;
    }
    current_ = i;
    if (r.status != 200) return Result<std::string>::Error("etcd " + path + ": " + ErrorOf(r.body, r.status));
    return r.body;
  }
  return Result<std::string>::Error("etcd unreachable: " + last);
}

Result<int64_t> EtcdClient::Grant(int64_t ttl_s) {
  auto r = Call("/v3/lease/grant", JsonText({{"TTL", std::to_string(ttl_s)}}));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  int64_t id = j.is_object() ? JsonInt(j, "ID") : 0;
  if (!id) return Result<int64_t>::Error("etcd lease grant: " + (j.is_object() ? JsonStr(j, "error") : "bad reply"));
  return id;
}

Result<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  auto r = Call("/v3/lease/keepalive", JsonText({{"ID", std::to_string(lease)}}));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  // The gateway wraps a stream's single reply in {"result": ...}.
  const json& res = j.is_object() && j.contains("result") ? j["result"] : j;
  int64_t ttl = res.is_object() ? JsonInt(res, "TTL") : 0;
  if (ttl <= 0) return Result<int64_t>::Error("lease " + std::to_string(lease) + " has expired");
  return ttl;
}

Status EtcdClient::Revoke(int64_t lease) {
  auto r = Call("/v3/lease/revoke", JsonText({{"ID", std::to_string(lease)}}));
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::pair<int64_t, int64_t>> EtcdClient::TimeToLive(int64_t lease) {
  auto r = Call("/v3/lease/timetolive", JsonText({{"ID", std::to_string(lease)}}));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  int64_t ttl = j.is_object() ? JsonInt(j, "TTL") : -1;
  if (ttl <= 0) return Result<std::pair<int64_t, int64_t>>::Error("lease " + std::to_string(lease) + " has expired");
  return std::pair{ttl, JsonInt(j, "grantedTTL")};
}

Result<int64_t> EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  json body = {{"key", Base64Encode(key)}, {"value", Base64Encode(value)}};
  if (lease) body["lease"] = std::to_string(lease);
  auto r = Call("/v3/kv/put", JsonText(body));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  return j.is_object() && j.contains("header") ? JsonInt(j["header"], "revision") : 0;
}

Result<EtcdClient::Range> EtcdClient::Get(const std::string& key, bool prefix, int64_t revision) {
  json body = {{"key", Base64Encode(key)}};
  if (prefix) body["range_end"] = Base64Encode(EtcdPrefixEnd(key));
  if (revision) body["revision"] = std::to_string(revision);
  auto r = Call("/v3/kv/range", JsonText(body));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  if (!j.is_object()) return Result<Range>::Error("etcd range: bad reply");
  Range out;
  if (j.contains("header")) out.revision = JsonInt(j["header"], "revision");
  if (auto it = j.find("kvs"); it != j.end() && it->is_array()) {
    for (const auto& kv : *it) out.kvs.push_back(ParseKv(kv));
  }
  return out;
}

Result<int64_t> EtcdClient::Delete(const std::string& key, bool prefix) {
  json body = {{"key", Base64Encode(key)}};
  if (prefix) body["range_end"] = Base64Encode(EtcdPrefixEnd(key));
  auto r = Call("/v3/kv/deleterange", JsonText(body));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  return j.is_object() ? JsonInt(j, "deleted") : 0;
}

Result<bool> EtcdClient::Txn(const std::vector<EtcdCompare>& when, const std::vector<EtcdOp>& then,
                             const std::vector<EtcdOp>& otherwise) {
  json compare = json::array(), success = json::array(), failure = json::array();
  for (const auto& c : when) {
    json one = {{"key", Base64Encode(c.key)}, {"result", "EQUAL"}};
    if (c.target == EtcdCompare::Target::kValue) {
      one["target"] = "VALUE";
      one["value"] = Base64Encode(c.value);
    } else if (c.target == EtcdCompare::Target::kCreate) {
      one["target"] = "CREATE";
      one["create_revision"] = std::to_string(c.revision);
    } else {
      one["target"] = "MOD";
      one["mod_revision"] = std::to_string(c.revision);
    }
    compare.push_back(one);
  }
  for (const auto& op : then) success.push_back(OpJson(op));
  for (const auto& op : otherwise) failure.push_back(OpJson(op));
  auto r = Call("/v3/kv/txn", JsonText({{"compare", compare}, {"success", success}, {"failure", failure}}));
  if (!r.ok()) return r.status();
  json j = json::parse(*r, nullptr, false);
  return JsonBool(j, "succeeded");
}

Status EtcdClient::Watch(const std::string& prefix, int64_t start_revision,
                         const std::function<void(const std::vector<EtcdEvent>&, int64_t)>& on_events,
                         StreamCancel* cancel) {
  json create = {{"key", Base64Encode(prefix)}, {"range_end", Base64Encode(EtcdPrefixEnd(prefix))}};
  if (start_revision) create["start_revision"] = std::to_string(start_revision);
  std::string body = JsonText({{"create_request", create}});
  if (!options_.username.empty() && token_.empty()) {
    if (Status s = Authenticate(endpoint()); !s.ok()) return s;
  }
  std::string pending, problem;
  auto on_data = [&](std::string_view data) {
    pending.append(data);
    if (pending.size() > (64u << 20)) {
      problem = "etcd watch: a message over 64 MB";
      return false;
    }
    // One JSON object per message; the gateway ends each with a newline.
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      json j = json::parse(pending.substr(0, nl), nullptr, false);
      pending.erase(0, nl + 1);
      if (!j.is_object()) continue;
      if (j.contains("error")) {
        problem = "etcd watch: " + ErrorOf(JsonText(j["error"]), 0);
        return false;
      }
      const json& res = j.contains("result") ? j["result"] : j;
      if (!res.is_object()) continue;
      if (JsonBool(res, "canceled")) {
        problem = "etcd watch canceled: " + JsonStr(res, "cancel_reason");
        return false;
      }
      std::vector<EtcdEvent> events;
      if (auto it = res.find("events"); it != res.end() && it->is_array()) {
        for (const auto& e : *it) {
          EtcdEvent ev;
          ev.deleted = JsonStr(e, "type") == "DELETE";
          if (e.contains("kv")) ev.kv = ParseKv(e["kv"]);
          events.push_back(std::move(ev));
        }
      }
      int64_t revision = res.contains("header") ? JsonInt(res["header"], "revision") : 0;
      try {
        on_events(events, revision);       // the first message (created) has none: the watch is in place
      } catch (const std::exception& e) {  // never through libcurl's C frames
        problem = std::string("etcd watch: ") + e.what();
        return false;
      }
    }
    return true;
  };
  HttpResponse r =
      HttpPostStream(endpoint() + "/v3/watch", Headers(), body, options_.timeout, options_.tls, on_data, cancel);
  if (cancel && cancel->cancelled()) return Status::Ok();
  if (!problem.empty()) return Status::Error(problem);
  if (!r.error.empty()) {
    current_ = (current_ + 1) % options_.endpoints.size();  // the next one, next time
    return Status::Error("etcd watch: " + r.error);
  }
  if (r.status != 200) return Status::Error("etcd watch: HTTP " + std::to_string(r.status));
  return Status::Error("etcd watch: the stream ended");
}

}  // namespace redundancy
