// redundancy-agent-build: started by redundancyd only.
#include "agents/build/build_agent.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::build::BuildAgent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
