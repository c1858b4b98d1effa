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
  explicit BoundsWalk(const YamlLimits& limits) : limits_(limits) {}

  std::optional<YamlProblem> Walk(const YAML::Node& node) {
    if (++nodes_ > limits_.max_nodes) {
      return YamlProblem{node.Mark(), "the document expands to more than " + std::to_string(limits_.max_nodes) +
                                          " nodes (aliases count each time they are used)"};
    }
    if (!node.IsMap() && !node.IsSequence()) return std::nullopt;
    for (const YAML::Node& up : path_) {
      if (up.is(node)) return YamlProblem{node.Mark(), "a recursive alias: this node contains itself"};
    }
    if (static_cast<int>(path_.size()) >= limits_.max_depth) {
      return YamlProblem{node.Mark(), "nested deeper than " + std::to_string(limits_.max_depth) + " levels"};
    }
    path_.push_back(node);
    std::optional<YamlProblem> p;
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end() && !p; ++it) {
        p = Walk(it->first);
        if (!p) p = Walk(it->second);
      }
    } else {
      for (auto it = node.begin(); it != node.end() && !p; ++it) p = Walk(*it);
    }
    path_.pop_back();
    return p;
  }

 private:
  const YamlLimits& limits_;
  size_t nodes_ = 0;
  std::vector<YAML::Node> path_;
};

}  // namespace

std::optional<YamlProblem> FindYamlBoundsProblem(const YAML::Node& root, const YamlLimits& limits) {
  try {
    return BoundsWalk(limits).Walk(root);
  } catch (const std::exception& e) {
    return YamlProblem{YAML::Mark::null_mark(), e.what()};
  }
}

Status CheckYamlBounds(const YAML::Node& root, const std::string& display, const YamlLimits& limits) {
  auto p = FindYamlBoundsProblem(root, limits);
  return p ? Status::Error(Where(display, p->mark) + ": " + p->message) : Status::Ok();
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
