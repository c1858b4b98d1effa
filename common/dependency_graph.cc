#include "common/dependency_graph.h"

#include <algorithm>
#include <functional>
#include <set>

namespace redundancy {

void DependencyGraph::AddNode(const std::string& name, const std::vector<std::string>& depends_on) {
  if (!edges_.count(name)) order_.push_back(name);
  edges_[name] = depends_on;
}

const std::vector<std::string>& DependencyGraph::DependsOn(const std::string& name) const {
  static const std::vector<std::string> kNone;
  auto it = edges_.find(name);
  return it == edges_.end() ? kNone : it->second;
}

std::vector<std::string> DependencyGraph::FindCycle() const {
  enum Mark { kWhite, kGrey, kBlack };
  std::map<std::string, Mark> mark;
  std::vector<std::string> stack;
  std::vector<std::string> cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& n) {
    mark[n] = kGrey;
    stack.push_back(n);
    for (const auto& d : DependsOn(n)) {
      if (mark[d] == kGrey) {
        auto start = std::find(stack.begin(), stack.end(), d);
        cycle.assign(start, stack.end());
        cycle.push_back(d);
        return true;
      }
      if (mark[d] == kWhite && visit(d)) return true;
    }
    stack.pop_back();
    mark[n] = kBlack;
    return false;
  };
  for (const auto& n : order_) {
    if (mark[n] == kWhite && visit(n)) return cycle;
  }
  return {};
}

std::vector<std::string> DependencyGraph::TopologicalOrder() const {
  std::vector<std::string> out;
  std::set<std::string> done;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    if (!done.insert(n).second) return;
    for (const auto& d : DependsOn(n)) visit(d);
    if (edges_.count(n)) out.push_back(n);
  };
  for (const auto& n : order_) visit(n);
  return out;
}

std::vector<std::string> DependencyGraph::Upstream(const std::string& name) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    for (const auto& d : DependsOn(n)) {
      if (seen.insert(d).second) {
        out.push_back(d);
        visit(d);
      }
    }
  };
  visit(name);
  return out;
}

}  // namespace redundancy
