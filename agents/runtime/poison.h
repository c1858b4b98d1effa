// Poison-input isolation. An agent that dies while it handles one input (a
// workflow file, an ecosystem file, a functions tree) would die again on the
// same input after every restart, until it is given up and nothing of its
// system is checked. Before each such step the agent leaves a breadcrumb
// (Enter: the target and a fingerprint of its input, e.g. size and mtime);
// after it, Leave. A breadcrumb found at the next start names the input that
// killed the process: that target is reported failed ("crashes the checker")
// and skipped while its fingerprint stays the same, and the rest of the
// system is checked as usual. `recover TARGET` (forced) tries it again.
#pragma once

#include <map>
#include <string>

#include "redundancy.pb.h"

namespace redundancy {

class PoisonRegistry {
 public:
  // `dir`: the agent's own state directory (state_dir/<system>). Reads what
  // a previous process left there; keeps poison.json up to date.
  void Open(const std::string& dir, int64_t now_ms);
  ~PoisonRegistry();

  // Before handling `target` with input `fingerprint`: false (and nothing
  // written) when that input is known to crash the checker; otherwise the
  // breadcrumb is left and true returned.
  bool Enter(const std::string& target, const std::string& fingerprint);
  // After the step: no breadcrumb.
  void Leave();
  // The check to report for a target Enter() refused.
  v1::CheckResult Failed(const std::string& target) const;
  // An operator's recover: try the target again.
  void Clear(const std::string& target);
  bool poisoned(const std::string& target) const { return poisoned_.count(target) > 0; }

 private:
  struct Entry {
    std::string fingerprint;
    int64_t since_ms = 0;
  };
  void Save() const;
  std::string dir_;
  int fd_ = -1;  // the breadcrumb file, kept open: a step costs two small writes
  std::map<std::string, Entry> poisoned_;
};

}  // namespace redundancy
