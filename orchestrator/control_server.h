// The control socket: who may talk to it (the daemon's own uid), what is
// accepted (bounded, printable arguments; audited), and requests that wait
// for agents' answers. What each request does is the handler's (the daemon's).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/transport/transport.h"
#include "orchestrator/journal.h"
#include "redundancy.pb.h"

namespace redundancy {

struct ControlCaller {
  std::string identity;  // routing id on the socket
  bool with_delimiter = false;
  uid_t uid = static_cast<uid_t>(-1);
  pid_t pid = 0;
};

// A control request that waits for agents' CommandResults.
struct PendingControl {
  ControlCaller caller;
  std::set<uint64_t> waiting;
  std::vector<std::string> systems;
  std::vector<std::string> failures;
  std::vector<std::string> messages;  // what the agents did (RECOVER)
  SteadyTime deadline;
  bool check_health = false;
  bool report_messages = false;
};

class ControlServer {
 public:
  // The longest argument a control request may carry.
  static constexpr size_t kMaxArg = 4096;
  // Answers an admitted request now, or returns nullopt having Defer()red it.
  using Handler = std::function<std::optional<v1::ControlResponse>(const v1::ControlRequest&, const ControlCaller&)>;
  // The answer of a deferred request once its agents answered or it timed out.
  using Finisher = std::function<v1::ControlResponse(const PendingControl&)>;
  // Something on the socket that is not a well-formed request (logged, rate-limited).
  using Garbage = std::function<void(const char* where, const std::string& what)>;

  ControlServer(Journal* journal, Garbage garbage) : journal_(journal), garbage_(std::move(garbage)) {}

  Status Bind(transport::Context& ctx, const std::string& endpoint);
  void* handle();
  // Takes up to 64 waiting requests.
  void ReceiveSome(const Handler& handler);
  void Defer(PendingControl pending) { pending_.push_back(std::move(pending)); }
  // An agent's answer, for whichever deferred request waits for it.
  void OnCommandResult(const v1::CommandResult& result);
  // Answers the deferred requests that are complete or past their deadline.
  void Tick(SteadyTime now, const Finisher& finish);
  std::optional<SteadyTime> NextDeadline() const;

 private:
  void Admit(const transport::Incoming& in, const Handler& handler);
  void Reply(const ControlCaller& to, const v1::ControlResponse& resp);

  Journal* journal_;
  Garbage garbage_;
  std::unique_ptr<transport::Router> socket_;
  std::vector<PendingControl> pending_;
};

}  // namespace redundancy
