// redundancy-agent-workflows: started by redundancyd only.
#include "agents/workflows/workflows_agent.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::workflows::WorkflowsAgent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
