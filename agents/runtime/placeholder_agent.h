// An agent whose system has no checks yet: it takes part in the protocol and
// reports one `unknown` check, "<system>:agent", saying so.
#pragma once

#include "agents/runtime/agent.h"

namespace redundancy {

class PlaceholderAgent : public Agent {
 public:
  explicit PlaceholderAgent(std::string kind) : kind_(std::move(kind)) {}
  std::string Kind() const override { return kind_; }
  Status Configure(const AgentContext& ctx) override {
    system_ = ctx.system;
    return Status::Ok();
  }
  std::vector<v1::CheckResult> Check() override {
    return {MakeCheck(system_ + ":agent", v1::HEALTH_UNKNOWN, "no checks yet: the " + kind_ + " agent is a placeholder")};
  }
  Status Recover(const std::string& target, bool forced) override { return Status::Error("no recoveries yet for " + kind_); }

 private:
  std::string kind_;
  std::string system_;
};

}  // namespace redundancy
