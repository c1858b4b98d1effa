// Shared by the libFuzzer targets: a scratch directory of the process's own
// (for loaders that take a path), removed at exit.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace redundancy::fuzz {

inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/redundancy-fuzz-XXXXXX";
    std::string d = mkdtemp(tmpl) ? tmpl : "/tmp";
    static struct Cleanup {
      std::string d;
      ~Cleanup() {
        std::error_code ec;
        if (d != "/tmp") std::filesystem::remove_all(d, ec);
      }
    } cleanup{d};
    return d;
  }();
  return dir;
}

// Writes the input to ScratchDir()/name and returns the path.
inline std::string WriteScratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = ScratchDir() + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace redundancy::fuzz
