// The built-in systems, in the order of the default pipeline. Each agent owns
// its part (agents/<name>/settings.cc); config validation reads them here.
#include "agents/build/settings.h"
#include "agents/custom/settings.h"
#include "agents/git/settings.h"
#include "agents/netlify/settings.h"
#include "agents/pm2/settings.h"
#include "agents/workflows/settings.h"
#include "common/config_schema.h"

namespace redundancy {

const std::vector<SystemSpec>& BuiltinSystems() {
  static const auto* specs =
      new std::vector<SystemSpec>{git::Spec(), build::Spec(), pm2::Spec(), netlify::Spec(), workflows::Spec()};
  return *specs;
}

const SystemSpec& CustomSystemSpec() { return custom::Spec(); }

}  // namespace redundancy
