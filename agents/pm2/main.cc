// redundancy-agent-pm2: started by redundancyd only.
#include "agents/runtime/placeholder_agent.h"

int main(int argc, char** argv) {
  redundancy::PlaceholderAgent agent("pm2");
  return redundancy::RunAgent(&agent, argc, argv);
}
