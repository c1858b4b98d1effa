// redundancy-agent-netlify: started by redundancyd only.
#include "agents/netlify/netlify_agent.h"

int main(int argc, char** argv) {
  redundancy::RealClock clock;
  redundancy::netlify::NetlifyAgent agent(&clock);
  return redundancy::RunAgent(&agent, argc, argv);
}
