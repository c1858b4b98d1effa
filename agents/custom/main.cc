// redundancy-agent-custom: started by redundancyd only, one per `kind: custom` system.
#include "agents/custom/custom_agent.h"
#include "common/clock.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::custom::CustomAgent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
