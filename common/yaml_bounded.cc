#include "common/yaml_bounded.h"

#include <vector>

#include "common/file_util.h"

namespace redundancy {
namespace {

std::string Where(const std::string& display, const YAML::Mark& mark) {
  if (mark.line < 0) return display;
  return display + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

class BoundsWalk {
 public:
  BoundsWalk(const std::string& display, const YamlLimits& limits) : display_(display), limits_(limits) {}

  Status Walk(const YAML::Node& node) {
    if (++nodes_ > limits_.max_nodes) {
      return Status::Error(Where(display_, node.Mark()) + ": the document expands to more than " +
                           std::to_string(limits_.max_nodes) + " nodes (aliases count each time they are used)");
    }
    if (!node.IsMap() && !node.IsSequence()) return Status::Ok();
    for (const YAML::Node& up : path_) {
      if (up.is(node)) {
        return Status::Error(Where(display_, node.Mark()) + ": a recursive alias: this node contains itself");
      }
    }
    if (static_cast<int>(path_.size()) >= limits_.max_depth) {
      return Status::Error(Where(display_, node.Mark()) + ": nested deeper than " + std::to_string(limits_.max_depth) +
                           " levels");
    }
    path_.push_back(node);
    Status s = Status::Ok();
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end() && s.ok(); ++it) {
        s = Walk(it->first);
        if (s.ok()) s = Walk(it->second);
      }
    } else {
      for (auto it = node.begin(); it != node.end() && s.ok(); ++it) s = Walk(*it);
    }
    path_.pop_back();
    return s;
  }

 private:
  const std::string& display_;
  const YamlLimits& limits_;
  size_t nodes_ = 0;
  std::vector<YAML::Node> path_;
};

}  // namespace

Status CheckYamlBounds(const YAML::Node& root, const std::string& display, const YamlLimits& limits) {
  try {
    return BoundsWalk(display, limits).Walk(root);
  } catch (const std::exception& e) {
    return Status::Error(display + ": " + e.what());
  }
}

Result<YAML::Node> LoadYaml(std::string_view text, const std::string& display, const YamlLimits& limits) {
  using R = Result<YAML::Node>;
  if (text.size() > limits.max_bytes) {
    return R::Error(display + ": " + std::to_string(text.size()) + " bytes, more than the " +
                    std::to_string(limits.max_bytes) + " a YAML file may have");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    return R::Error(Where(display, e.mark) + ": YAML syntax error: nested too deeply");
  } catch (const YAML::ParserException& e) {
    return R::Error(Where(display, e.mark) + ": YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    return R::Error(display + ": cannot parse: " + e.what());
  }
  if (Status s = CheckYamlBounds(root, display, limits); !s.ok()) return s;
  return root;
}

Result<YAML::Node> LoadYamlFile(const std::string& path, const std::string& display, const YamlLimits& limits) {
  auto text = ReadFileBounded(path, limits.max_bytes);
  if (!text.ok()) return Result<YAML::Node>::Error(display + ": " + text.error());
  return LoadYaml(*text, display, limits);
}

}  // namespace redundancy
