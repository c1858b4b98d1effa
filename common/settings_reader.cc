#include "common/settings_reader.h"

#include "common/paths.h"

namespace redundancy {

std::optional<std::string> SettingsReader::Scalar(const char* key) const {
  if (!Has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  if (!n.IsScalar()) return std::nullopt;
  return n.Scalar();
}

std::string SettingsReader::Str(const char* key, const std::string& def) const {
  std::optional<std::string> n = Scalar(key);
  return n ? *n : def;
}

bool SettingsReader::Bool(const char* key, bool def) const {
  std::optional<std::string> n = Scalar(key);
  bool out = def;
  return n && YAML::convert<bool>::decode(YAML::Node(*n), out) ? out : def;
}

int SettingsReader::Int(const char* key, int def) const {
  std::optional<std::string> n = Scalar(key);
  int out = def;
  return n && YAML::convert<int>::decode(YAML::Node(*n), out) ? out : def;
}

Millis SettingsReader::Dur(const char* key, Millis def) const {
  std::optional<std::string> n = Scalar(key);
  if (!n) return def;
  auto d = ParseDuration(*n);
  return d.ok() ? *d : def;
}

uint64_t SettingsReader::Size(const char* key, uint64_t def) const {
  std::optional<std::string> n = Scalar(key);
  if (!n) return def;
  auto s = ParseByteSize(*n);
  return s.ok() ? *s : def;
}

std::vector<std::string> SettingsReader::List(const char* key) const {
  std::vector<std::string> out;
  if (!Has(key)) return out;
  YAML::Node n = node_[key];
  if (n.IsScalar()) out.push_back(n.Scalar());
  if (n.IsSequence()) {
    for (const auto& e : n) {
      if (e.IsScalar()) out.push_back(e.Scalar());
    }
  }
  return out;
}

std::string SettingsReader::Path(const char* key, const std::string& def, const std::string& base) const {
  return ResolvePath(Str(key, def), base);
}

SettingsReader SettingsReader::Sub(const char* key) const {
  YAML::Node n = Has(key) ? node_[key] : YAML::Node();
  return SettingsReader(n && n.IsMap() ? n : YAML::Node());
}

}  // namespace redundancy
