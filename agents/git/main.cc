// redundancy-agent-git: started by redundancyd only.
#include "agents/runtime/placeholder_agent.h"

int main(int argc, char** argv) {
  redundancy::PlaceholderAgent agent("git");
  return redundancy::RunAgent(&agent, argc, argv);
}
