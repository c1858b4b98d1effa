// redundancy-agent-pm2: started by redundancyd only.
#include "agents/pm2/pm2_agent.h"
#include "common/clock.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::pm2::Pm2Agent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
