#include "agents/workflows/settings.h"

#include "common/settings_reader.h"

namespace redundancy::workflows {

const SystemSpec& Spec() {
  using T = FieldType;
  static const SystemSpec spec{
      "workflows",
      {
          {"dir", T::kString},
          {"restore", T::kBool},
          {"secrets", T::kStringList},
          {"secrets_file", T::kString},
          {"github", T::kMap, {}, {{"repo", T::kString}, {"token", T::kString}, {"api_url", T::kString}}},
          {"runner_labels", T::kStringList},
          {"vars", T::kStringList},
          {"local_fallback", T::kStringList},
      },
      Millis(300'000),
      {}};
  return spec;
}

WorkflowsSettings ParseSettings(const YAML::Node& node, const std::string& workspace) {
  SettingsReader r(node);
  WorkflowsSettings s;
  s.dir = r.Path("dir", ".github/workflows", workspace);
  s.restore = r.Bool("restore", false);
  auto set_of = [&](const char* key) -> std::optional<std::set<std::string>> {
    YAML::Node n = r.Node(key);
    if (!n || !n.IsSequence()) return std::nullopt;
    auto list = r.List(key);
    return std::set<std::string>(list.begin(), list.end());
  };
  s.secrets = set_of("secrets");
  if (r.Has("secrets_file")) s.secrets_file = r.Path("secrets_file", "", workspace);
  s.vars = set_of("vars");
  if (auto labels = set_of("runner_labels")) s.runner_labels = *labels;
  SettingsReader gh = r.Sub("github");
  s.repo = gh.Str("repo", "");
  s.token = gh.Str("token", "");
  s.api_url = gh.Str("api_url", "https://api.github.com");
  while (!s.api_url.empty() && s.api_url.back() == '/') s.api_url.pop_back();
  if (r.Node("local_fallback").IsSequence()) s.local_fallback = r.List("local_fallback");
  return s;
}

}  // namespace redundancy::workflows
