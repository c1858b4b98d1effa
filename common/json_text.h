// JSON as text, for strings nobody here wrote (app names, tool output, file
// contents): invalid UTF-8 is replaced (U+FFFD), where nlohmann's plain
// dump() would throw out of whatever was writing it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace redundancy {

inline std::string JsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace redundancy
