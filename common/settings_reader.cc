#include "common/settings_reader.h"

#include <cstdlib>

#include "common/paths.h"

namespace redundancy {

std::string Str(const YAML::Node& n, const std::string& fallback) { return n && n.IsScalar() ? n.Scalar() : fallback; }

Millis Dur(const YAML::Node& n, Millis fallback) {
  if (!n || !n.IsScalar()) return fallback;
  auto d = ParseDuration(n.Scalar());
  return d.ok() ? *d : fallback;
}

std::vector<std::string> StrList(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence()) {
    for (const auto& e : n) {
      if (e.IsScalar()) out.push_back(e.Scalar());
    }
  } else if (n && n.IsScalar()) {
    out.push_back(n.Scalar());
  }
  return out;
}

std::optional<YAML::Node> FindKey(const YAML::Node& root, const std::string& dotted) {
  YAML::Node node = root;
  for (size_t start = 0;;) {
    size_t dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // "checks[1]": a key, then indexes into its list.
    std::vector<size_t> indexes;
    while (!key.empty() && key.back() == ']') {
      size_t open = key.rfind('[');
      if (open == std::string::npos) return std::nullopt;
      indexes.insert(indexes.begin(), std::strtoul(key.c_str() + open + 1, nullptr, 10));
      key.resize(open);
    }
    if (!node.IsMap() || !node[key]) return std::nullopt;
    node.reset(node[key]);  // rebinds; `=` would write into the document
    for (size_t i : indexes) {
      if (!node.IsSequence() || i >= node.size()) return std::nullopt;
      node.reset(node[i]);
    }
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

std::string SettingsReader::Str(const char* key, const std::string& def) const {
  return redundancy::Str(Node(key), def);
}

bool SettingsReader::Bool(const char* key, bool def) const {
  YAML::Node n = Node(key);
  bool out = def;
  return n.IsScalar() && YAML::convert<bool>::decode(n, out) ? out : def;
}

int SettingsReader::Int(const char* key, int def) const {
  YAML::Node n = Node(key);
  int out = def;
  return n.IsScalar() && YAML::convert<int>::decode(n, out) ? out : def;
}

Millis SettingsReader::Dur(const char* key, Millis def) const { return redundancy::Dur(Node(key), def); }

uint64_t SettingsReader::Size(const char* key, uint64_t def) const {
  YAML::Node n = Node(key);
  if (!n.IsScalar()) return def;
  auto s = ParseByteSize(n.Scalar());
  return s.ok() ? *s : def;
}

std::vector<std::string> SettingsReader::List(const char* key) const { return StrList(Node(key)); }

std::string SettingsReader::Path(const char* key, const std::string& def, const std::string& base) const {
  return ResolvePath(Str(key, def), base);
}

SettingsReader SettingsReader::Sub(const char* key) const {
  YAML::Node n = Node(key);
  return SettingsReader(n.IsMap() ? n : YAML::Node());
}

}  // namespace redundancy
