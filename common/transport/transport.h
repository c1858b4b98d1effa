// The only ZeroMQ user. Sockets here never block the caller: receives are
// non-blocking (call them when the Poller says so), sends drop rather than
// wait, and linger is zero so closing is immediate.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "redundancy.pb.h"

namespace redundancy::transport {

// Who is on the other end of an ipc:// connection, from SO_PEERCRED (libzmq
// appends ":uid:gid:pid" to the Peer-Address of Unix-socket peers).
struct PeerCred {
  uid_t uid = static_cast<uid_t>(-1);
  pid_t pid = 0;
  bool known = false;
  bool in_process = false;  // an inproc:// peer: a thread of this very process
};

// Parses a Peer-Address property value such as ":1000:1000:4242".
PeerCred ParsePeerAddress(const std::string& value);

// One message received on a ROUTER socket.
struct Incoming {
  std::string identity;         // routing id of the sender
  bool with_delimiter = false;  // REQ peers put an empty frame before the body
  std::string body;             // the last frame
  size_t frames = 0;
  PeerCred peer;
};

// Encode/decode, apart from any socket. Decode fails on bytes that are not an Envelope.
std::string Encode(const v1::Envelope& env);
bool Decode(const std::string& bytes, v1::Envelope* env);

class Context;

// A bound ROUTER socket (the orchestrator's side of agents.sock and control.sock).
class Router {
 public:
  Router(Context& ctx, const std::string& endpoint);  // see Bind()
  ~Router();
  // Binds; fails when the endpoint is in use or its directory is missing.
  Status Bind(int socket_file_mode = 0600);
  // The next pending message, or nullopt when none is waiting.
  std::optional<Incoming> Receive();
  // Sends to a peer; false when the peer is gone or its queue is full.
  bool Send(const std::string& identity, bool with_delimiter, const v1::Envelope& env);
  void* handle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A DEALER socket (an agent's side of agents.sock).
class Dealer {
 public:
  Dealer(Context& ctx, const std::string& endpoint, const std::string& identity);
  ~Dealer();
  Status Connect();
  // One message's bytes, or nullopt when none is waiting.
  std::optional<std::string> Receive();
  bool Send(const v1::Envelope& env);
  // Sends raw bytes (tests use it to send garbage).
  bool SendRaw(const std::string& bytes);
  void* handle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Context {
 public:
  Context();
  ~Context();
  void* raw();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Waits on sockets and plain file descriptors together.
class Poller {
 public:
  // Returns an index for Ready().
  size_t AddSocket(void* socket_handle);
  size_t AddFd(int fd);
  // Waits up to `timeout` (negative: forever). Returns an error only on a
  // broken descriptor; EINTR counts as a normal wake-up.
  Status Wait(std::chrono::milliseconds timeout);
  bool Ready(size_t index) const;

 private:
  struct Item {
    void* socket;
    int fd;
    bool ready;
  };
  std::vector<Item> items_;
};

// One request/response over control.sock. Fails with "unreachable: ..." when
// no daemon answers within `timeout`.
Result<v1::ControlResponse> Call(const std::string& endpoint, const v1::ControlRequest& request,
                                 std::chrono::milliseconds timeout);
// The same on a given context (an inproc:// endpoint of a daemon in this process).
Result<v1::ControlResponse> Call(Context& context, const std::string& endpoint, const v1::ControlRequest& request,
                                 std::chrono::milliseconds timeout);

}  // namespace redundancy::transport
