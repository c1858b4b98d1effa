// JSON as text, for strings nobody here wrote (app names, tool output, file
// contents): invalid UTF-8 is replaced (U+FFFD), where nlohmann's plain
// dump() would throw out of whatever was writing it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace redundancy {

inline std::string JsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A field of an object nobody here wrote, of the type we want or the default
// (nlohmann's value() throws on a field of another type).
inline std::string JsonStr(const nlohmann::json& j, const char* key, const std::string& otherwise = "") {
  if (!j.is_object()) return otherwise;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : otherwise;
}
// Integers also as decimal strings (protobuf's JSON mapping of int64).
inline int64_t JsonInt(const nlohmann::json& j, const char* key, int64_t otherwise = 0) {
  if (!j.is_object()) return otherwise;
  auto it = j.find(key);
  if (it == j.end()) return otherwise;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    return end && *end == '\0' && !s.empty() ? v : otherwise;
  }
  return otherwise;
}
inline bool JsonBool(const nlohmann::json& j, const char* key, bool otherwise = false) {
  if (!j.is_object()) return otherwise;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}

}  // namespace redundancy
