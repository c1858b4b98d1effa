// A directory of a unit test's own under /tmp, removed with it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace redundancy {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/redundancy-unit-XXXXXX";
    path_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace redundancy
