// `redundancyctl config init [DIR]`: looks at a project (git remote and
// branch, package.json and its lock file, .nvmrc, a PM2 ecosystem file,
// .github/workflows, netlify.toml and the functions directory) and writes a
// commented DIR/redundancy.yaml with only the systems it has, which
// validates. Never over an existing file.
#pragma once

#include <string>

namespace redundancy::ctl {

int InitConfig(const std::string& dir);

}  // namespace redundancy::ctl
