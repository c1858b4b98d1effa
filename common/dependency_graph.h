// A directed graph of systems by depends_on: cycle detection for the config,
// and the upstream-first order the orchestrator recovers in.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace redundancy {

class DependencyGraph {
 public:
  // Adds `name` with edges to the systems it depends on (which may be added later).
  void AddNode(const std::string& name, const std::vector<std::string>& depends_on);

  // A cycle as a path whose first and last elements are equal ("a","b","a"),
  // or empty when the graph is acyclic.
  std::vector<std::string> FindCycle() const;

  // Nodes with every dependency before its dependents; ties keep insertion order.
  // Precondition: acyclic.
  std::vector<std::string> TopologicalOrder() const;

  // Every node that `name` depends on, directly or not.
  std::vector<std::string> Upstream(const std::string& name) const;

  const std::vector<std::string>& DependsOn(const std::string& name) const;

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<std::string>> edges_;
};

}  // namespace redundancy
