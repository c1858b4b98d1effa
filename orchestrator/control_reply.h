// A control answer that failed.
#pragma once

#include <string>

#include "redundancy.pb.h"

namespace redundancy {

// Failed with `code` (redundancyctl's exit code: 1 it did not work, 2 a bad request) and why.
inline v1::ControlResponse ControlFail(int code, const std::string& error) {
  v1::ControlResponse r;
  r.set_ok(false);
  r.set_exit_code(code);
  r.set_error(error);
  return r;
}

}  // namespace redundancy
