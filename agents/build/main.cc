// redundancy-agent-build: started by redundancyd only.
#include "agents/runtime/placeholder_agent.h"

int main(int argc, char** argv) {
  redundancy::PlaceholderAgent agent("build");
  return redundancy::RunAgent(&agent, argc, argv);
}
