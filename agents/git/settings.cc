#include "agents/git/settings.h"

#include "common/settings_reader.h"

namespace redundancy::git {

const SystemSpec& Spec() {
  using T = FieldType;
  static const SystemSpec spec{"git",
                               {
                                   {"dir", T::kString},
                                   {"remote", T::kName},
                                   {"branch", T::kName},
                                   {"strategy", T::kEnum, {"pull", "hardreset", "rebase"}},
                                   {"submodules", T::kBool},
                                   {"sync_timeout", T::kDuration, {}, {}, 1},
                               },
                               Millis(60'000),
                               {}};
  return spec;
}

SyncOptions ParseSettings(const YAML::Node& node, const std::string& workspace, const std::string& state_dir) {
  SettingsReader r(node);
  SyncOptions o;
  o.dir = r.Path("dir", ".", workspace);
  o.remote = r.Str("remote", o.remote);
  o.branch = r.Str("branch", o.branch);
  o.strategy = r.Str("strategy", o.strategy);
  o.backup_dir = state_dir + "/git/backups";
  o.submodules = r.Bool("submodules", o.submodules);
  o.timeout = r.Dur("sync_timeout", o.timeout);
  return o;
}

}  // namespace redundancy::git
