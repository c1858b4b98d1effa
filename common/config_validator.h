// The config's validator, shared by config.cc (the file) and
// config_systems.cc (systems.*): walks a parsed YAML tree against the schema
// (config_schema.h) and collects every problem as "file:line: key.path: message".
// Internal to redundancy_config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/closest.h"
#include "common/config.h"
#include "common/config_schema.h"
#include "common/duration.h"
#include "common/status.h"

namespace redundancy::config_internal {

// Walks a parsed YAML tree against the schema and collects every problem.
class Validator {
 public:
  Validator(std::string file, std::vector<std::string>* secrets) : file_(std::move(file)), secrets_(secrets) {}

  void Error(const YAML::Node& at, const std::string& path, const std::string& message) {
    int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    errors_.push_back(file_ + ":" + std::to_string(line) + ": " + path + ": " + message);
  }
  std::vector<std::string>& errors() { return errors_; }

  // Resolves ${VAR} in every scalar of the tree, in place.
  void SubstituteEnv(YAML::Node node, const std::string& path) {
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        SubstituteEnv(it->second, Join(path, it->first.Scalar()));
      }
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) SubstituteEnv(node[i], path + "[" + std::to_string(i) + "]");
    } else if (node.IsScalar()) {
      const std::string& in = node.Scalar();
      if (in.find('$') == std::string::npos) return;
      std::string out;
      bool secret = false;
      for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '$') {
          out += '$';
          ++i;
        } else if (in[i] == '$' && i + 1 < in.size() && in[i + 1] == '{') {
          size_t end = in.find('}', i + 2);
          if (end == std::string::npos) {
            Error(node, path, "unterminated ${ in '" + in + "'");
            return;
          }
          std::string var = in.substr(i + 2, end - i - 2);
          const char* value = std::getenv(var.c_str());
          if (var.empty() || value == nullptr) {
            Error(node, path, "environment variable " + (var.empty() ? std::string("''") : var) + " is not set");
            return;
          }
          out += value;
          if (*value) secrets_->push_back(value);
          secret = true;
          i = end;
        } else {
          out += in[i];
        }
      }
      if (secret || out != in) node = out;
    }
  }

  // `open`: keys not in `fields` are someone else's (a custom agent's own settings).
  void CheckMap(const YAML::Node& node, const std::string& path, const std::vector<FieldSpec>& fields,
                bool open = false) {
    if (!node.IsMap()) {
      if (!node.IsNull())
        Error(node, path.empty() ? "(top level)" : path, "expected a mapping of keys, got " + Describe(node));
      return;
    }
    std::map<std::string, int> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string key_path = Join(path, key);
      int line = it->first.Mark().line + 1;
      if (auto [pos, inserted] = seen.emplace(key, line); !inserted) {
        Error(it->first, key_path, "duplicate key (first at line " + std::to_string(pos->second) + ")");
        continue;
      }
      auto spec = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.key == key; });
      if (spec == fields.end()) {
        if (open) continue;
        Error(it->first, key_path, "unknown key" + Suggest(key, fields));
        continue;
      }
      CheckValue(it->second, key_path, *spec);
    }
    for (const auto& f : fields) {
      if (f.required && !seen.count(f.key)) Error(node, Join(path, f.key), "required key is missing");
    }
  }

  void CheckValue(const YAML::Node& v, const std::string& path, const FieldSpec& spec) {
    switch (spec.type) {
      case FieldType::kString:
        if (!v.IsScalar()) Error(v, path, "expected a string, got " + Describe(v));
        break;
      case FieldType::kName: {
        if (!v.IsScalar()) {
          Error(v, path, "expected a name, got " + Describe(v));
          break;
        }
        const std::string& n = v.Scalar();
        bool clean = n.empty() || (n.size() <= 255 && n[0] != '-');  // empty: not set
        for (unsigned char c : n) clean = clean && c > 0x20 && c != 0x7f;
        if (!clean)
          Error(v, path,
                "'" + n.substr(0, 60) +
                    "' is not a usable name (no leading '-', spaces or control characters, at most 255 bytes)");
        break;
      }
      case FieldType::kListen: {
        if (!v.IsScalar()) {
          Error(v, path, "expected host:port, got " + Describe(v));
          break;
        }
        if (Status s = CheckListen(v.Scalar()); !s.ok()) Error(v, path, s.message());
        break;
      }
      case FieldType::kBool: {
        bool b;
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
          Error(v, path, "expected true or false, got " + Describe(v));
        break;
      }
      case FieldType::kInt: {
        long long n;
        if (!v.IsScalar() || !YAML::convert<long long>::decode(v, n)) {
          Error(v, path, "expected an integer, got " + Describe(v));
        } else if (n < spec.min) {
          Error(v, path, "must be at least " + std::to_string(spec.min) + ", got " + std::to_string(n));
        }
        break;
      }
      case FieldType::kDuration: {
        if (!v.IsScalar()) {
          Error(v, path, "expected a duration like 30s, got " + Describe(v));
          break;
        }
        auto d = ParseDuration(v.Scalar());
        if (!d.ok()) {
          Error(v, path, d.error());
        } else if (d->count() < spec.min) {
          Error(v, path, "must be at least " + FormatDuration(Millis(spec.min)) + ", got " + v.Scalar());
        }
        break;
      }
      case FieldType::kSize: {
        auto s = v.IsScalar() ? ParseByteSize(v.Scalar())
                              : Result<uint64_t>::Error("expected a size like 10MB, got " + Describe(v));
        if (!s.ok()) Error(v, path, s.error());
        break;
      }
      case FieldType::kEnum: {
        if (!v.IsScalar() || std::find(spec.choices.begin(), spec.choices.end(), v.Scalar()) == spec.choices.end()) {
          std::string all;
          for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
          Error(v, path, (v.IsScalar() ? "'" + v.Scalar() + "'" : Describe(v)) + " is not one of " + all);
        }
        break;
      }
      case FieldType::kStringList:
        if (v.IsSequence()) {
          for (size_t i = 0; i < v.size(); ++i) {
            if (!v[i].IsScalar())
              Error(v[i], path + "[" + std::to_string(i) + "]", "expected a string, got " + Describe(v[i]));
          }
        } else if (!v.IsScalar()) {
          Error(v, path, "expected a list of strings, got " + Describe(v));
        }
        break;
      case FieldType::kMap:
        CheckMap(v, path, spec.children);
        break;
      case FieldType::kMapList:
        if (!v.IsSequence()) {
          Error(v, path, "expected a list, got " + Describe(v));
          break;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          std::string p = path + "[" + std::to_string(i) + "]";
          if (!v[i].IsMap())
            Error(v[i], p, "expected a mapping, got " + Describe(v[i]));
          else
            CheckMap(v[i], p, spec.children);
        }
        break;
      case FieldType::kMapOf:
        if (!v.IsMap()) {
          if (!v.IsNull()) Error(v, path, "expected a mapping of names, got " + Describe(v));
          break;
        }
        for (auto it = v.begin(); it != v.end(); ++it) {
          const YAML::Node item = it->second;  // a copy: it-> is a temporary proxy
          CheckMap(item, Join(path, it->first.Scalar()), spec.children);
        }
        break;
      case FieldType::kAnyMap:
        if (!v.IsMap() && !v.IsNull()) Error(v, path, "expected a mapping, got " + Describe(v));
        break;
    }
  }

  static std::string Join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

  static std::string Describe(const YAML::Node& v) {
    if (v.IsNull()) return "nothing";
    if (v.IsSequence()) return "a list";
    if (v.IsMap()) return "a mapping";
    const std::string& s = v.Scalar();
    return "'" + (s.size() > 60 ? s.substr(0, 60) + "...' (" + std::to_string(s.size()) + " bytes)" : s + "'");
  }

  // "host:port" with a port of 1..65535; "" turns the endpoint off.
  static Status CheckListen(const std::string& listen) {
    if (listen.empty()) return Status::Ok();
    size_t colon = listen.rfind(':');
    std::string shown = "'" + listen.substr(0, 80) + "'";
    if (colon == std::string::npos || colon == 0)
      return Status::Error(shown + " is not host:port (e.g. 127.0.0.1:9464)");
    std::string port = listen.substr(colon + 1);
    int n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
      return Status::Error(shown + ": the port must be a number from 1 to 65535");
    }
    return Status::Ok();
  }

 private:
  // " (did you mean 'interval'?)" when a known key is one or two edits away.
  static std::string Suggest(const std::string& key, const std::vector<FieldSpec>& fields) {
    std::vector<std::string_view> keys;
    for (const auto& f : fields) keys.push_back(f.key);
    return DidYouMean(key, keys);
  }

  std::string file_;
  std::vector<std::string>* secrets_;
  std::vector<std::string> errors_;
};

// Validates systems.*, and fills `out` with the enabled ones (built-in ones
// in KnownSystems() order, then the others in file order).
void CheckSystems(const YAML::Node& systems, Validator& v, const std::string& base, std::vector<SystemConfig>* out);

}  // namespace redundancy::config_internal
