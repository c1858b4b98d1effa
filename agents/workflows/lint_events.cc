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
        // GitHub rejects schedules more often than every 5 minutes. A fixed
        // minute fires at most hourly: only other minute fields are timed.
        static const std::regex kOneMinute(R"(^\s*\d+\s)");
        int64_t gap = std::regex_search(v.Scalar(), kOneMinute) ? 61 : CronShortestGapMinutes(v.Scalar(), 1767225600);
        if (gap > 0 && gap < 5) {
          Add(v.Mark(),
              "cron \"" + v.Scalar() + "\" runs every " + std::to_string(gap) + " minute" + (gap == 1 ? "" : "s") +
                  "; GitHub runs schedules at most every 5 minutes",
              "events");
        }
      }
      if (!has_cron) Add(item.Mark(), "a schedule needs a cron key", "events");
    }
    return;
  }
  if (!value || value.IsNull()) return;
  Pairs pairs;
  if (!Mapping(value, key.Mark(), "event \"" + name + "\"", {}, &pairs)) return;
  std::map<std::string, YAML::Mark> present;
  static const std::set<std::string> kAnyFilter = {"branches", "branches-ignore", "paths",  "paths-ignore",
                                                   "tags",     "tags-ignore",     "types",  "workflows",
                                                   "inputs",   "outputs",         "secrets"};
  for (const auto& [k, v] : pairs) {
    std::string f = k.Scalar();
    present[f] = k.Mark();
    if (!spec.filters.count(f)) {
      // A filter of other events is the event's mistake; anything else is not a filter at all.
      Add(f == "types" || f == "workflows" ? key.Mark() : k.Mark(),
          "\"" + f + "\" is not a filter of the " + name + " event" +
              (spec.filters.empty() ? " (it takes none)" : " (it takes " + Join(spec.filters) + ")"),
          kAnyFilter.count(f) ? "events" : "syntax-check");
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
  if (name == "workflow_run" && !present.count("workflows")) {
    Add(key.Mark(), "workflow_run needs workflows: the names of the workflows whose runs trigger this one", "events");
  }
  for (const char* f : {"branches", "tags", "paths"}) {
    if (present.count(f) && present.count(std::string(f) + "-ignore")) {
      const YAML::Mark& a = present[f];
      const YAML::Mark& b = present[std::string(f) + "-ignore"];
      Add(a.line > b.line ? a : b,
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
    // Positions as actionlint gives them: the string's start plus the scanner's offset after the offending character.
    auto bad = [&](size_t idx, const std::string& why) {
      AddAt(item.Mark().line + 1, item.Mark().column + 2 + static_cast<int>(idx),
            "invalid glob \"" + g + "\" in " + filter + ": " + why, "glob");
    };
    if (g.empty()) {
      Add(item.Mark(), filter + " pattern must not be empty", "syntax-check");
      continue;
    }
    size_t start = g[0] == '!' ? 1 : 0;
    if (start && filter.find("-ignore") != std::string::npos) bad(0, "\"!\" is not allowed in " + filter);
    if (!refs && g.compare(start, 2, "./") == 0)
      bad(start, "paths are relative to the repository root; \"./\" never matches");
    if (!refs && g[start] == ' ') bad(start, "a path must not start with a space");
    for (size_t i = start; i < g.size(); ++i) {
      char c = g[i];
      if (c == '\\') {
        if (i + 1 >= g.size()) bad(i, "\\ at the end escapes nothing");
        ++i;
      } else if (c == '+' && i > start && (g[i - 1] == '*' || g[i - 1] == '?' || g[i - 1] == '+')) {
        bad(i, "'+' (one or more) cannot follow the special character '" + std::string(1, g[i - 1]) + "'");
      } else if (c == '[') {
        size_t close = g.find(']', i + 1);
        if (close == std::string::npos) {
          bad(g.size() - 1, "unclosed [");
          break;
        }
        if (close == i + 1) bad(i, "empty character class []");
        for (size_t r = i + 2; r + 1 < close; ++r) {
          if (g[r] == '-' && g[r - 1] > g[r + 1]) {
            bad(r + 1, std::string("range ") + g[r - 1] + "-" + g[r + 1] + " is backwards");
          }
        }
        i = close;
      } else if (refs && (c == ' ' || c == '~' || c == '^' || c == ':')) {
        bad(i, std::string("'") + c + "' cannot appear in a git ref name");
      }
    }
    if (refs && g.size() > 1 && g.back() == '/') bad(g.size() - 1, "a branch or tag name cannot end with /");
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
    if (!Match(id, kInputId))
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
    input_types_[Lower(id)] = type;
    const auto& types = call ? kCallTypes : kDispatchTypes;
    if (call && !in.count("type"))
      Add(k.Mark(), "input \"" + id + "\" of workflow_call needs a type (string, boolean or number)", "syntax-check");
    if (!types.count(type))
      Add(in["type"].Mark(), "invalid input type \"" + type + "\" (available: " + Join(types) + ")", "syntax-check");
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
      if (type == "boolean") ExpectBool(in["default"], "default of boolean input \"" + id + "\"", "events");
      if (type == "number") ExpectNumber(in["default"], "default of number input \"" + id + "\"", "events");
    }
    if (call && in.count("default") && in.count("required") && in["required"].IsScalar() &&
        in["required"].Scalar() == "true") {
      Add(in["default"].Mark(),
          "input \"" + id +
              "\" is required and has a default: a caller must always give it, so the default is never "
              "used",
          "events");
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
        if (!has_value) Add(ok.Mark(), "output \"" + ok.Scalar() + "\" of workflow_call needs a value", "syntax-check");
      }
    } else if (k.Scalar() == "secrets") {
      if (!v || v.IsNull()) continue;
      Pairs secrets;
      if (!Mapping(v, k.Mark(), "workflow_call secrets", {}, &secrets)) continue;
      call_secrets_declared_ = true;
      for (const auto& [sk, sv] : secrets) {
        call_secrets_.insert(Lower(sk.Scalar()));
        if (!Match(sk.Scalar(), kInputId)) Add(sk.Mark(), "invalid secret name \"" + sk.Scalar() + "\"", "id");
        if (sv && !sv.IsNull())
          Mapping(sv, sk.Mark(), "secret \"" + sk.Scalar() + "\"", {"description", "required"}, nullptr);
      }
    }
  }
}

}  // namespace redundancy::workflows::internal
