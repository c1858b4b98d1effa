// Compiles function sources without running them, the way the packager's
// bundlers would see them: node for JavaScript (a wrapped vm.Script for
// CommonJS, a vm.SourceTextModule for ESM), esbuild for TypeScript (Debian's
// `esbuild`, the bundler Netlify uses for it). One process per tool for all files.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace redundancy::netlify {

struct SyntaxJob {
  enum class Kind { kCommonJs, kModule, kTypeScript };
  std::string path;  // absolute
  Kind kind = Kind::kCommonJs;
};

struct SyntaxVerdict {
  std::string message;  // the first error
  int line = 0, col = 0;
};

struct SyntaxTools {
  std::string node_bin = "node";
  std::string esbuild_bin = "esbuild";  // TypeScript is not checked when it cannot run
};

// Errors by path (files that compile are absent). A tool that could not run
// adds a sentence to `cannot_run` and its files are left unjudged.
std::map<std::string, SyntaxVerdict> CheckSyntax(const std::vector<SyntaxJob>& jobs, const SyntaxTools& tools,
                                                 std::vector<std::string>* cannot_run);

}  // namespace redundancy::netlify
