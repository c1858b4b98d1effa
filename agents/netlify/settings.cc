#include "agents/netlify/settings.h"

#include "common/paths.h"
#include "common/settings_reader.h"

namespace redundancy::netlify {

const SystemSpec& Spec() {
  using T = FieldType;
  static const SystemSpec spec{"netlify",
                               {
                                   {"dir", T::kString},
                                   {"functions_dir", T::kString},
                                   {"regenerate_manifest", T::kBool},
                                   {"manifest", T::kString},
                                   {"base_url", T::kString},
                                   {"probes",
                                    T::kMapList,
                                    {},
                                    {{"function", T::kString, {}, {}, 0, true},
                                     {"path", T::kString},
                                     {"expect_status", T::kInt, {}, {}, 100},
                                     {"timeout", T::kDuration, {}, {}, 1}}},
                               },
                               Millis(600'000),
                               {"pm2"}};
  return spec;
}

NetlifySettings ParseSettings(const YAML::Node& node, const std::string& workspace) {
  SettingsReader r(node);
  NetlifySettings s;
  s.dir = r.Path("dir", ".", workspace);
  s.manifest = r.Has("manifest") ? r.Path("manifest", "", s.dir) : "";
  s.functions_dir = r.Str("functions_dir", "");
  s.regenerate = r.Bool("regenerate_manifest", false);
  s.base_url = r.Str("base_url", "");
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  YAML::Node probes = r.Node("probes");
  if (probes && probes.IsSequence()) {
    for (const auto& p : probes) {
      SettingsReader pr(p);
      ProbeTarget t;
      t.function = pr.Str("function", "");
      t.path = pr.Str("path", "/.netlify/functions/" + t.function);
      t.expect_status = pr.Int("expect_status", t.expect_status);
      t.timeout = pr.Dur("timeout", t.timeout);
      s.probes.push_back(t);
    }
  }
  return s;
}

}  // namespace redundancy::netlify
