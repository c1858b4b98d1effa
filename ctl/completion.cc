#include "ctl/completion.h"

#include <functional>
#include <iostream>
#include <set>
#include <sstream>

namespace redundancy::ctl {
namespace {

// Which names a command's argument takes from the daemon.
const char* NamesFor(const std::string& path) {
  if (path == "check" || path == "logs" || path == "restart-agent") return "systems";
  if (path == "pause" || path == "resume") return "systems targets";
  if (path == "recover" || path == "alerts silence" || path == "alerts unsilence") return "targets";
  return "";
}

std::string Flags(const CLI::App& app) {
  std::set<std::string> flags;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional()) continue;
    for (const auto& l : o->get_lnames()) flags.insert("--" + l);
    for (const auto& s : o->get_snames()) flags.insert("-" + s);
  }
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : " ") + f;
  return out;
}

std::string Subcommands(const CLI::App& app) {
  std::string out;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden (__names)
    out += (out.empty() ? "" : " ") + sub->get_name();
  }
  return out;
}

// case arms: "path") words="..."; names="..." ;;
void Arms(const CLI::App& app, const std::string& path, std::ostringstream& o) {
  std::string subs = Subcommands(app);
  if (path == "completion") subs = "bash zsh";
  o << "    \"" << path << "\") words=\"" << subs << "\"; flags=\"" << Flags(app) << "\"; names=\"" << NamesFor(path)
    << "\" ;;\n";
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;
    Arms(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), o);
  }
}

}  // namespace

std::string CompletionScript(const CLI::App& app, const std::string& shell) {
  if (shell != "bash" && shell != "zsh") return "";
  std::ostringstream o;
  o << "# redundancyctl completion (" << shell << "): eval \"$(redundancyctl completion " << shell << ")\"\n";
  if (shell == "zsh") o << "autoload -U +X bashcompinit && bashcompinit\n";
  o << "_redundancyctl() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
       "  local path=\"\" cfg=() i w words flags names\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    w=\"${COMP_WORDS[i]}\"\n"
       "    case \"$w\" in\n"
       "      -c|--config|--socket) cfg+=(\"$w\" \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
       "      -*) ;;\n"
       "      *) case \" $_redundancyctl_paths \" in *\" ${path:+$path }$w \"*) path=\"${path:+$path }$w\" ;; esac ;;\n"
       "    esac\n"
       "  done\n"
       "  case \"$prev\" in\n"
       "    -c|--config|--out|--workspace|--backup-dir) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
       "    --socket) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
       "  esac\n"
       "  case \"$path\" in\n";
  Arms(app, "", o);
  o << "    *) words=\"\"; flags=\"\"; names=\"\" ;;\n"
       "  esac\n"
       "  local n all=\"$words\"\n"
       "  if [[ \"$cur\" == -* ]]; then\n"
       "    all=\"$flags\"\n"
       "  else\n"
       "    for n in $names; do all+=\" $(command redundancyctl \"${cfg[@]}\" __names \"$n\" 2>/dev/null)\"; done\n"
       "  fi\n"
       "  COMPREPLY=($(compgen -W \"$all\" -- \"$cur\"))\n"
       "}\n";
  // Every command path (" alerts ack "), for the walk above to tell a
  // command's words from its arguments.
  std::string flat;
  std::function<void(const CLI::App&, const std::string&)> flatten = [&](const CLI::App& a, const std::string& p) {
    for (const CLI::App* sub : a.get_subcommands({})) {
      if (sub->get_group().empty()) continue;
      std::string q = p.empty() ? sub->get_name() : p + " " + sub->get_name();
      flat += " " + q + " ";
      flatten(*sub, q);
    }
  };
  flatten(app, "");
  o << "_redundancyctl_paths=\"" << flat << "\"\n"
    << "complete -o default -F _redundancyctl redundancyctl\n";  // files where no word fits
  return o.str();
}

int PrintNames(const Caller& call, const std::string& what) {
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::STATUS);
  v1::ControlResponse resp;
  if (call(req, &resp) != 0) return 0;  // no daemon: no names, no noise
  for (const auto& sys : resp.status().systems()) {
    if (what == "systems") std::cout << sys.name() << "\n";
    if (what == "targets") {
      for (const auto& c : sys.checks()) std::cout << c.target() << "\n";
    }
  }
  return 0;
}

}  // namespace redundancy::ctl
