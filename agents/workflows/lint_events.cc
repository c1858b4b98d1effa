// The workflow linter, `on`: events and their filters and activity types,
// glob filters, schedules (cron), workflow_dispatch inputs and the
// workflow_call interface (inputs, outputs, secrets).
#include <algorithm>
#include <regex>

#include "agents/workflows/lint_internal.h"
#include "agents/workflows/schema.h"
#include "common/cron.h"

namespace redundancy::workflows::internal {

void Linter::On(const YAML::Node& on, const YAML::Mark& key) {
  if (!on || on.IsNull()) {
    Add(key, "\"on\" must name at least one event", "events");
    return;
  }
  if (on.IsScalar()) return Event(on.Scalar(), on, YAML::Node());
  if (on.IsSequence()) {
    std::set<std::string> seen;
    for (const auto& e : on) {
      if (!e.IsScalar()) {
        Add(e.Mark(), "an event in the \"on\" list must be a string", "syntax-check");
        continue;
      }
      if (!seen.insert(e.Scalar()).second) Add(e.Mark(), "event \"" + e.Scalar() + "\" is listed twice", "events");
      Event(e.Scalar(), e, YAML::Node());
    }
    return;
  }
  Pairs pairs;
  if (!Mapping(on, key, "on", {}, &pairs)) return;
  for (const auto& [k, v] : pairs) Event(k.Scalar(), k, v);
}

void Linter::Event(const std::string& name, const YAML::Node& key, const YAML::Node& value) {
  const auto& events = Events();
  auto it = events.find(name);
  if (it == events.end()) {
    Add(key.Mark(), "unknown event \"" + name + "\"", "events");
    return;
  }
  const EventSpec& spec = it->second;
  if (name == "schedule") {
    if (!value || !value.IsSequence()) {
      Add(MarkOf(value, key.Mark()), "schedule must be a list of {cron: ...}", "events");
      return;
    }
    for (const auto& item : value) {
      Pairs pairs;
      if (!Mapping(item, item.Mark(), "a schedule", {"cron", "timezone"}, &pairs)) continue;
      bool has_cron = false;
      for (const auto& [k, v] : pairs) {
        if (k.Scalar() != "cron") continue;
        has_cron = true;
        std::string why;
        if (!v.IsScalar() || !ValidCron(v.Scalar(), &why, CronRules{})) {
          Add(v.Mark(), "invalid cron \"" + (v.IsScalar() ? v.Scalar() : std::string()) + "\": " + why, "events");
          continue;
        }
        result_.facts.schedules.push_back(v.Scalar());
        std::string minute = v.Scalar().substr(0, v.Scalar().find(' '));
        static const std::regex kOften(R"(^\*(/[1-4])?$)");
        if (std::regex_match(minute, kOften)) {
          Add(v.Mark(),
              "cron \"" + v.Scalar() +
                  "\" runs more often than every 5 minutes; GitHub runs schedules at most every 5 minutes",
              "events", "warning");
        }
      }
      if (!has_cron) Add(item.Mark(), "a schedule needs a cron key", "events");
    }
    return;
  }
  if (!value || value.IsNull()) return;
  Pairs pairs;
  if (!Mapping(value, key.Mark(), "event \"" + name + "\"", {}, &pairs)) return;
  std::set<std::string> present;
  for (const auto& [k, v] : pairs) {
    std::string f = k.Scalar();
    present.insert(f);
    if (!spec.filters.count(f)) {
      Add(k.Mark(),
          "\"" + f + "\" is not a filter of the " + name + " event" +
              (spec.filters.empty() ? " (it takes none)" : " (it takes " + Join(spec.filters) + ")"),
          "events");
      continue;
    }
    if (f == "types") {
      std::vector<YAML::Node> items;
      if (v.IsScalar())
        items.push_back(v);
      else if (v.IsSequence())
        for (const auto& x : v) items.push_back(x);
      else
        Add(v.Mark(), "types must be a string or a list", "syntax-check");
      for (const auto& t : items) {
        if (!t.IsScalar()) continue;
        if (!spec.any_types && !spec.types.count(t.Scalar())) {
          Add(t.Mark(),
              "invalid activity type \"" + t.Scalar() + "\" for the " + name +
                  " event (available: " + Join(spec.types) + ")",
              "events");
        }
      }
    } else if (f == "inputs" && name == "workflow_dispatch") {
      Inputs(v, false);
    } else if (name == "workflow_call") {
      (void)v;
    } else if (f == "workflows") {
      if (!v.IsSequence()) Add(v.Mark(), "workflows must be a list of workflow names", "syntax-check");
    } else {
      Globs(v, f);
    }
  }
  if (name == "workflow_call") WorkflowCall(value);
  for (const char* f : {"branches", "tags", "paths"}) {
    if (present.count(f) && present.count(std::string(f) + "-ignore")) {
      Add(key.Mark(),
          std::string("the ") + name + " event cannot have both " + f + " and " + f +
              "-ignore; use \"!\" patterns in " + f,
          "events");
    }
  }
}

void Linter::Globs(const YAML::Node& n, const std::string& filter) {
  std::vector<YAML::Node> items;
  if (n.IsScalar())
    items.push_back(n);
  else if (n.IsSequence())
    for (const auto& x : n) items.push_back(x);
  else
    return Add(n.Mark(), filter + " must be a string or a list of patterns", "syntax-check");
  bool refs = filter.rfind("paths", 0) != 0;
  for (const auto& item : items) {
    if (!item.IsScalar()) {
      Add(item.Mark(), filter + " patterns must be strings", "syntax-check");
      continue;
    }
    std::string g = item.Scalar();
    auto bad = [&](size_t off, const std::string& why) {
      auto [line, col] = PosIn(item, off);
      AddAt(line, col, "invalid glob \"" + g + "\" in " + filter + ": " + why, "glob");
    };
    if (g.empty()) {
      bad(0, "empty pattern");
      continue;
    }
    size_t start = g[0] == '!' ? 1 : 0;
    if (start && filter.find("-ignore") != std::string::npos) bad(0, "\"!\" is not allowed in " + filter);
    if (!refs && g.compare(start, 2, "./") == 0)
      bad(start, "paths are relative to the repository root; \"./\" never matches");
    for (size_t i = start; i < g.size(); ++i) {
      char c = g[i];
      if (c == '\\') {
        if (i + 1 >= g.size()) bad(i, "\\ at the end escapes nothing");
        ++i;
      } else if (c == '[') {
        size_t close = g.find(']', i + 1);
        if (close == std::string::npos) {
          bad(i, "unclosed [");
          break;
        }
        if (close == i + 1) bad(i, "empty character class []");
        i = close;
      } else if (refs && (c == ' ' || c == '~' || c == '^' || c == ':')) {
        bad(i, std::string("'") + c + "' cannot appear in a git ref name");
      }
    }
  }
}

void Linter::Inputs(const YAML::Node& inputs, bool call) {
  Pairs pairs;
  if (!Mapping(inputs, inputs.Mark(), "inputs", {}, &pairs)) return;
  has_inputs_ = true;
  static const std::set<std::string> kDispatchTypes = {"string", "choice", "boolean", "number", "environment"};
  static const std::set<std::string> kCallTypes = {"string", "boolean", "number"};
  for (const auto& [k, v] : pairs) {
    std::string id = k.Scalar();
    if (!std::regex_match(id, kInputId))
      Add(k.Mark(), "invalid input id \"" + id + "\": letters, digits, _ and - only, not starting with a digit or -",
          "id");
    inputs_.insert(Lower(id));
    Pairs ip;
    std::set<std::string> allowed = {"description", "required", "default", "type"};
    if (!call) allowed.insert("options");
    if (!v || v.IsNull()) continue;
    if (!Mapping(v, k.Mark(), "input \"" + id + "\"", allowed, &ip)) continue;
    std::map<std::string, YAML::Node> in;
    for (const auto& [ik, iv] : ip) in[ik.Scalar()] = iv;
    std::string type = in.count("type") && in["type"].IsScalar() ? in["type"].Scalar() : "string";
    const auto& types = call ? kCallTypes : kDispatchTypes;
    if (call && !in.count("type"))
      Add(k.Mark(), "input \"" + id + "\" of workflow_call needs a type (string, boolean or number)", "workflow-call");
    if (!types.count(type))
      Add(in["type"].Mark(), "invalid input type \"" + type + "\" (available: " + Join(types) + ")",
          call ? "workflow-call" : "events");
    if (in.count("required")) ExpectBool(in["required"], "required");
    if (type == "choice" && !call) {
      if (!in.count("options") || !in["options"].IsSequence() || in["options"].size() == 0) {
        Add(k.Mark(), "choice input \"" + id + "\" needs a non-empty options list", "events");
      } else if (in.count("default") && in["default"].IsScalar()) {
        bool found = false;
        for (const auto& o : in["options"]) found |= o.IsScalar() && o.Scalar() == in["default"].Scalar();
        if (!found)
          Add(in["default"].Mark(),
              "default \"" + in["default"].Scalar() + "\" of choice input \"" + id + "\" is not one of its options",
              "events");
      }
    } else if (in.count("options")) {
      Add(in["options"].Mark(), "options is only for choice inputs", "events");
    }
    if (in.count("default") && in["default"].IsScalar() && !IsExpr(in["default"])) {
      if (type == "boolean") ExpectBool(in["default"], "default of boolean input \"" + id + "\"");
      if (type == "number") ExpectNumber(in["default"], "default of number input \"" + id + "\"");
    }
    if (call && in.count("default")) Expressions(in["default"], ScopeFor("call-input-default"));
  }
}

void Linter::WorkflowCall(const YAML::Node& value) {
  Pairs pairs;
  if (!Mapping(value, value.Mark(), "workflow_call", {}, &pairs, false)) return;
  for (const auto& [k, v] : pairs) {
    if (k.Scalar() == "inputs") {
      Inputs(v, true);
    } else if (k.Scalar() == "outputs") {
      Pairs outs;
      if (!Mapping(v, k.Mark(), "workflow_call outputs", {}, &outs)) continue;
      for (const auto& [ok, ov] : outs) {
        Pairs op;
        if (!Mapping(ov, ok.Mark(), "output \"" + ok.Scalar() + "\"", {"description", "value"}, &op)) continue;
        bool has_value = false;
        for (const auto& [pk, pv] : op) {
          if (pk.Scalar() != "value") continue;
          has_value = true;
          Expressions(pv, ScopeFor("call-output-value"));
        }
        if (!has_value)
          Add(ok.Mark(), "output \"" + ok.Scalar() + "\" of workflow_call needs a value", "workflow-call");
      }
    } else if (k.Scalar() == "secrets") {
      if (!v || v.IsNull()) continue;
      Pairs secrets;
      if (!Mapping(v, k.Mark(), "workflow_call secrets", {}, &secrets)) continue;
      for (const auto& [sk, sv] : secrets) {
        if (!std::regex_match(sk.Scalar(), kInputId))
          Add(sk.Mark(), "invalid secret name \"" + sk.Scalar() + "\"", "id");
        if (sv && !sv.IsNull())
          Mapping(sv, sk.Mark(), "secret \"" + sk.Scalar() + "\"", {"description", "required"}, nullptr);
      }
    }
  }
}

}  // namespace redundancy::workflows::internal
