#include "common/transport/transport.h"

#include <sys/stat.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <zmq.hpp>

namespace redundancy::transport {

PeerCred ParsePeerAddress(const std::string& value) {
  PeerCred cred;
  // The credentials are the last three ':'-separated fields.
  size_t p3 = value.rfind(':');
  if (p3 == std::string::npos || p3 == 0) return cred;
  size_t p2 = value.rfind(':', p3 - 1);
  if (p2 == std::string::npos || p2 == 0) return cred;
  size_t p1 = value.rfind(':', p2 - 1);
  if (p1 == std::string::npos) return cred;
  try {
    size_t used = 0;
    std::string uid = value.substr(p1 + 1, p2 - p1 - 1);
    std::string pid = value.substr(p3 + 1);
    unsigned long u = std::stoul(uid, &used);
    if (used != uid.size()) return cred;
    long p = std::stol(pid, &used);
    if (used != pid.size()) return cred;
    cred.uid = static_cast<uid_t>(u);
    cred.pid = static_cast<pid_t>(p);
    cred.known = true;
  } catch (const std::exception&) {
  }
  return cred;
}

std::string Encode(const v1::Envelope& env) { return env.SerializeAsString(); }

bool Decode(const std::string& bytes, v1::Envelope* env) {
  return env->ParseFromString(bytes) && env->body_case() != v1::Envelope::BODY_NOT_SET;
}

struct Context::Impl {
  zmq::context_t ctx{1};
};
Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;
void* Context::raw() { return &impl_->ctx; }

namespace {

zmq::context_t& Ctx(Context& c) { return *static_cast<zmq::context_t*>(c.raw()); }

// Reads all frames of one message without blocking. False when none waits.
bool RecvMultipart(zmq::socket_t& s, std::vector<zmq::message_t>* frames) {
  frames->clear();
  for (int i = 0; i < 64; ++i) {  // bounded: a peer cannot make us loop forever
    zmq::message_t m;
    auto got = s.recv(m, i == 0 ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got) return false;
    bool more = m.more();
    frames->push_back(std::move(m));
    if (!more) return true;
  }
  // Drain the rest of an absurdly long message.
  while (true) {
    zmq::message_t m;
    if (!s.recv(m, zmq::recv_flags::dontwait) || !m.more()) break;
  }
  return true;
}

}  // namespace

struct Router::Impl {
  zmq::socket_t socket;
  std::string endpoint;
};

Router::Router(Context& ctx, const std::string& endpoint) : impl_(std::make_unique<Impl>()) {
  impl_->socket = zmq::socket_t(Ctx(ctx), zmq::socket_type::router);
  impl_->socket.set(zmq::sockopt::linger, 0);
  impl_->socket.set(zmq::sockopt::router_mandatory, 1);
  impl_->socket.set(zmq::sockopt::sndtimeo, 0);
  impl_->socket.set(zmq::sockopt::maxmsgsize, int64_t{16} << 20);
  impl_->endpoint = endpoint;
}
Router::~Router() = default;
void* Router::handle() { return impl_->socket.handle(); }

Status Router::Bind(int socket_file_mode) {
  const std::string prefix = "ipc://";
  if (impl_->endpoint.rfind(prefix, 0) == 0) {
    std::string path = impl_->endpoint.substr(prefix.size());
    unlink(path.c_str());  // a stale socket of a dead daemon; the pid-file lock guarantees it is not live
  }
  try {
    impl_->socket.bind(impl_->endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Error("cannot bind " + impl_->endpoint + ": " + e.what());
  }
  if (impl_->endpoint.rfind(prefix, 0) == 0) {
    chmod(impl_->endpoint.substr(prefix.size()).c_str(), static_cast<mode_t>(socket_file_mode));
  }
  return Status::Ok();
}

std::optional<Incoming> Router::Receive() {
  std::vector<zmq::message_t> frames;
  try {
    if (!RecvMultipart(impl_->socket, &frames)) return std::nullopt;
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  Incoming in;
  in.frames = frames.size();
  if (frames.empty()) return in;
  in.identity = frames[0].to_string();
  if (frames.size() >= 2) in.body = frames.back().to_string();
  in.with_delimiter = frames.size() >= 3 && frames[1].size() == 0;
  if (impl_->endpoint.rfind("inproc://", 0) == 0) {
    in.peer.in_process = true;  // no Peer-Address on inproc (libzmq throws EINVAL)
    return in;
  }
  const char* addr = frames.back().gets("Peer-Address");
  if (addr) in.peer = ParsePeerAddress(addr);
  return in;
}

bool Router::Send(const std::string& identity, bool with_delimiter, const v1::Envelope& env) {
  try {
    std::string bytes = Encode(env);
    if (!impl_->socket.send(zmq::buffer(identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
    if (with_delimiter) impl_->socket.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    return impl_->socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;  // EHOSTUNREACH: the peer is gone
  }
}

struct Dealer::Impl {
  zmq::socket_t socket;
  std::string endpoint;
};

Dealer::Dealer(Context& ctx, const std::string& endpoint, const std::string& identity)
    : impl_(std::make_unique<Impl>()) {
  impl_->socket = zmq::socket_t(Ctx(ctx), zmq::socket_type::dealer);
  impl_->socket.set(zmq::sockopt::linger, 0);
  impl_->socket.set(zmq::sockopt::routing_id, identity);
  impl_->socket.set(zmq::sockopt::maxmsgsize, int64_t{16} << 20);
  impl_->endpoint = endpoint;
}
Dealer::~Dealer() = default;
void* Dealer::handle() { return impl_->socket.handle(); }

Status Dealer::Connect() {
  try {
    impl_->socket.connect(impl_->endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Error("cannot connect " + impl_->endpoint + ": " + e.what());
  }
  return Status::Ok();
}

std::optional<std::string> Dealer::Receive() {
  std::vector<zmq::message_t> frames;
  try {
    if (!RecvMultipart(impl_->socket, &frames) || frames.empty()) return std::nullopt;
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  return frames.back().to_string();
}

bool Dealer::Send(const v1::Envelope& env) { return SendRaw(Encode(env)); }

bool Dealer::SendRaw(const std::string& bytes) {
  try {
    return impl_->socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

size_t Poller::AddSocket(void* socket_handle) {
  items_.push_back({socket_handle, -1, false});
  return items_.size() - 1;
}
size_t Poller::AddFd(int fd) {
  items_.push_back({nullptr, fd, false});
  return items_.size() - 1;
}
bool Poller::Ready(size_t index) const { return index < items_.size() && items_[index].ready; }

Status Poller::Wait(std::chrono::milliseconds timeout) {
  std::vector<zmq_pollitem_t> raw(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    raw[i].socket = items_[i].socket;
    raw[i].fd = items_[i].fd;
    raw[i].events = ZMQ_POLLIN;
    raw[i].revents = 0;
    items_[i].ready = false;
  }
  int rc =
      zmq_poll(raw.data(), static_cast<int>(raw.size()), timeout.count() < 0 ? -1 : static_cast<long>(timeout.count()));
  if (rc < 0) {
    if (errno == EINTR) return Status::Ok();
    return Status::Error(std::string("zmq_poll: ") + zmq_strerror(errno));
  }
  for (size_t i = 0; i < items_.size(); ++i) items_[i].ready = (raw[i].revents & ZMQ_POLLIN) != 0;
  return Status::Ok();
}

Result<v1::ControlResponse> Call(const std::string& endpoint, const v1::ControlRequest& request,
                                 std::chrono::milliseconds timeout) {
  const std::string prefix = "ipc://";
  if (endpoint.rfind(prefix, 0) == 0) {
    std::string path = endpoint.substr(prefix.size());
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      return Result<v1::ControlResponse>::Error("unreachable: " + path + ": " + std::strerror(errno) +
                                                " (is redundancyd running?)");
    }
  }
  Context ctx;
  return Call(ctx, endpoint, request, timeout);
}

Result<v1::ControlResponse> Call(Context& context, const std::string& endpoint, const v1::ControlRequest& request,
                                 std::chrono::milliseconds timeout) {
  try {
    zmq::socket_t req(Ctx(context), zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect(endpoint);
    v1::Envelope env;
    *env.mutable_control_request() = request;
    req.send(zmq::buffer(Encode(env)), zmq::send_flags::dontwait);
    zmq::pollitem_t item{req.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout);
    if (!(item.revents & ZMQ_POLLIN)) {
      return Result<v1::ControlResponse>::Error("unreachable: no answer on " + endpoint + " within " +
                                                std::to_string(timeout.count()) + " ms (is redundancyd running?)");
    }
    zmq::message_t reply;
    if (!req.recv(reply, zmq::recv_flags::dontwait))
      return Result<v1::ControlResponse>::Error("unreachable: empty answer");
    v1::Envelope out;
    if (!Decode(reply.to_string(), &out) || !out.has_control_response()) {
      return Result<v1::ControlResponse>::Error("the daemon sent an answer that is not a ControlResponse");
    }
    return out.control_response();
  } catch (const zmq::error_t& e) {
    return Result<v1::ControlResponse>::Error(std::string("unreachable: ") + e.what());
  }
}

}  // namespace redundancy::transport
