#include "agents/build/settings.h"

#include "common/settings_reader.h"

namespace redundancy::build {

const SystemSpec& Spec() {
  using T = FieldType;
  static const SystemSpec spec{"build",
                               {
                                   {"dir", T::kString},
                                   {"validate", T::kString},
                                   {"validate_timeout", T::kDuration, {}, {}, 1},
                                   {"validate_interval", T::kDuration, {}, {}, 1},
                                   {"install_timeout", T::kDuration, {}, {}, 1},
                                   {"artifacts", T::kStringList},
                                   {"sources", T::kStringList},
                                   {"npm_bin", T::kString},
                                   {"node_bin", T::kString},
                               },
                               Millis(600'000),
                               {"git"}};
  return spec;
}

BuildSettings ParseSettings(const YAML::Node& node, const std::string& workspace) {
  SettingsReader r(node);
  BuildSettings s;
  s.dir = r.Path("dir", ".", workspace);
  s.validate = r.Str("validate", "");
  s.validate_timeout = r.Dur("validate_timeout", s.validate_timeout);
  s.install_timeout = r.Dur("install_timeout", s.install_timeout);
  if (r.Has("validate_interval")) s.validate_interval = r.Dur("validate_interval", Millis(600'000));
  s.artifacts = r.List("artifacts");
  s.sources = r.List("sources");
  s.npm_bin = r.Str("npm_bin", s.npm_bin);
  s.node_bin = r.Str("node_bin", s.node_bin);
  return s;
}

}  // namespace redundancy::build
