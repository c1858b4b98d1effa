// redundancy-agent-git: started by redundancyd only.
#include "agents/git/git_agent.h"
#include "common/clock.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::git::GitAgent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
