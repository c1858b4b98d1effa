// What reaches redundancyd's sockets: an Envelope from an agent or a
// ControlRequest from redundancyctl, decoded and turned into status as the
// daemon does (health model, status rendering).
#include "common/status_render.h"
#include "common/transport/transport.h"
#include "orchestrator/health_model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace redundancy;
  v1::Envelope env;
  if (!transport::Decode(fuzz::Text(data, size), &env)) return 0;
  if (env.has_health_report()) {
    HealthModel model;
    model.SetSystems({{"git", {}}, {"build", {"git"}}});
    (void)model.Apply(env.health_report(), 1);
  }
  if (env.has_control_request()) (void)env.control_request().SerializeAsString();
  return 0;
}
