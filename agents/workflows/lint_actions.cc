// `uses:` of a step: the reference's format, local actions, and popular
// actions against their action.yml at that version (popular_actions.json):
// inputs that do not exist, are required and missing, deprecated, or only
// for Docker actions; versions that run on a Node runtime GitHub retired.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"

namespace redundancy::workflows {

extern const char kPopularActionsJson[];

namespace {

using Table = std::map<std::string, std::map<std::string, ActionVersion>>;

const Table& Popular() {
  static const Table* table = [] {
    auto* t = new Table;
    auto j = nlohmann::json::parse(kPopularActionsJson, nullptr, false);
    if (!j.is_object()) return t;
    for (const auto& [name, versions] : j.items()) {
      if (!versions.is_object()) continue;
      for (const auto& [ref, v] : versions.items()) {
        if (!v.is_object()) continue;
        ActionVersion a;
        if (v.contains("runs") && v["runs"].is_string()) a.runs = v["runs"].get<std::string>();
        if (v.contains("inputs") && v["inputs"].is_object()) {
          for (const auto& [input, spec] : v["inputs"].items()) {
            ActionInput& i = a.inputs[internal::Lower(input)];
            i.name = input;
            if (!spec.is_object()) continue;
            i.required = spec.contains("required") && spec["required"].is_boolean() && spec["required"].get<bool>();
            if (spec.contains("deprecated") && spec["deprecated"].is_string()) i.deprecated = spec["deprecated"];
          }
        }
        if (v.contains("outputs") && v["outputs"].is_array()) {
          a.outputs_known = true;
          for (const auto& o : v["outputs"]) {
            if (o.is_string()) a.outputs.insert(internal::Lower(o.get<std::string>()));
          }
        }
        (*t)[internal::Lower(name)][ref] = std::move(a);
      }
    }
    return t;
  }();
  return *table;
}

}  // namespace

const ActionVersion* FindPopularAction(const std::string& name, const std::string& ref) {
  auto it = Popular().find(name);
  if (it == Popular().end()) return nullptr;
  if (auto v = it->second.find(ref); v != it->second.end()) return &v->second;
  // v4.1.2 and v4.1 are releases of v4.
  static const std::regex kSemver(R"(^(v\d+)\.\d+(\.\d+)?$)");
  std::smatch m;
  if (internal::Match(ref, m, kSemver)) {
    if (auto v = it->second.find(m[1].str()); v != it->second.end()) return &v->second;
  }
  return nullptr;
}

bool ParseActionRef(const std::string& uses, std::string* name, std::string* ref) {
  static const std::regex kRemote(R"(^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)((/[^@\s]+)?)@([^@\s]+)$)");
  std::smatch m;
  if (!internal::Match(uses, m, kRemote)) return false;
  *name = internal::Lower(m[1].str() + "/" + m[2].str() + m[3].str());
  *ref = m[5].str();
  return true;
}

const ActionVersion* PopularActionOf(const std::string& uses) {
  std::string name, ref;
  return ParseActionRef(uses, &name, &ref) ? FindPopularAction(name, ref) : nullptr;
}

namespace internal {

void Linter::Uses(const YAML::Node& uses, const YAML::Node& with) {
  if (!uses.IsScalar()) return Add(uses.Mark(), "uses must be a string", "syntax-check");
  const std::string& u = uses.Scalar();
  if (u.rfind("docker://", 0) == 0) {
    if (u.size() == 9) {
      Add(uses.Mark(), "docker:// needs an image", "action");
    } else if (u.back() == ':' || u.back() == '@') {
      Add(uses.Mark(), "the tag of Docker image \"" + u + "\" is empty", "action");
    }
    return;
  }
  if (u.rfind("./", 0) == 0) {
    if (!options_.repo_root.empty()) {
      std::string dir = options_.repo_root + "/" + u.substr(2);
      if (!std::filesystem::exists(dir + "/action.yml") && !std::filesystem::exists(dir + "/action.yaml") &&
          !std::filesystem::exists(dir + "/Dockerfile")) {
        Add(uses.Mark(), "local action " + u + " has no action.yml", "action");
      }
    }
    return;
  }
  std::string name, ref;
  if (!ParseActionRef(u, &name, &ref)) {
    std::string why = u.find('@') == std::string::npos ? " (a version is required: @v4, a tag, branch or commit)" : "";
    return Add(uses.Mark(),
               "invalid action reference \"" + u + "\": expected OWNER/REPO[/PATH]@REF, ./PATH or docker://IMAGE" + why,
               "action");
  }
  const ActionVersion* action = FindPopularAction(name, ref);
  if (!action) return;
  if (action->runs == "node12" || action->runs == "node16") {
    Add(uses.Mark(),
        "the runner of \"" + u + "\" is too old to run on GitHub Actions (" + action->runs +
            ", retired by GitHub: it runs on a newer Node with a deprecation warning); update the action's version",
        "action", "warning");
  }
  std::set<std::string> given;
  if (with && with.IsMap()) {
    for (auto w = with.begin(); w != with.end(); ++w) {
      if (!w->first.IsScalar()) continue;
      std::string input = Lower(w->first.Scalar());
      given.insert(input);
      auto spec = action->inputs.find(input);
      if (spec != action->inputs.end()) {
        if (!spec->second.deprecated.empty()) {
          Add(w->first.Mark(),
              "input \"" + w->first.Scalar() + "\" of \"" + u + "\" is deprecated: " + spec->second.deprecated,
              "action", "warning");
        }
      } else if ((input == "entrypoint" || input == "args") && action->runs != "docker") {
        Add(w->first.Mark(),
            "input \"" + w->first.Scalar() + "\" is only for Docker container actions, and \"" + u + "\" runs on " +
                action->runs,
            "action", "warning");
      } else {
        std::string known;
        for (const auto& [_, i] : action->inputs) known += (known.empty() ? "\"" : ", \"") + i.name + "\"";
        Add(w->first.Mark(),
            "input \"" + w->first.Scalar() + "\" is not defined in action \"" + u + "\"" +
                (known.empty() ? " (it has no inputs)" : "; available inputs are " + known),
            "action", "warning");  // the runner warns "Unexpected input" and runs the step
      }
    }
  }
  std::string missing;
  for (const auto& [key, i] : action->inputs) {
    if (i.required && !given.count(key)) {
      Add(uses.Mark(), "missing input \"" + i.name + "\" which is required by action \"" + u + "\"", "action");
    }
  }
}

}  // namespace internal
}  // namespace redundancy::workflows
