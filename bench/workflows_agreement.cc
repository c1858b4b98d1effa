#include "bench/workflows_agreement.h"

#include <cstdio>
#include <regex>
#include <set>
#include <sstream>

#include "agents/workflows/lint.h"
#include "common/file_util.h"

namespace redundancy::bench {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

// actionlint puts a problem inside a `|` or `>` block scalar on the line of
// the indicator: the peer's line ends with one and ours lies in that block.
bool InBlockOf(const std::vector<std::string>& lines, int peer_line, int our_line) {
  static const std::regex kIndicator(R"([|>][-+0-9]*\s*(#.*)?$)");
  if (peer_line < 1 || peer_line > static_cast<int>(lines.size()) || our_line <= peer_line) return false;
  return std::regex_search(lines[peer_line - 1], kIndicator);
}

double Percent(int a, int b) { return b ? 100.0 * a / b : 100.0; }

}  // namespace

bool PrintAgreement(const std::vector<std::string>& files,
                    const std::map<std::string, std::vector<PeerProblem>>& peer) {
  struct RuleRow {
    int theirs = 0, found = 0, ours = 0, ours_only = 0;
  };
  std::map<std::string, RuleRow> rules;
  int valid = 0, valid_accepted = 0, broken = 0, broken_flagged = 0, crashes = 0, same_verdict = 0;
  int theirs_total = 0, found_exact = 0, found_block = 0, found_line = 0, ours_total = 0, ours_only = 0;
  for (const auto& f : files) {
    auto it = peer.find(f);
    if (it == peer.end()) {
      ++crashes;
      continue;
    }
    std::string text = ReadWholeFile(f);
    auto lines = Lines(text);
    auto ours = workflows::LintWorkflow(text).problems;
    const auto& theirs = it->second;
    bool they_flag = !theirs.empty(), we_flag = !ours.empty();
    same_verdict += they_flag == we_flag;
    if (they_flag) {
      ++broken, broken_flagged += we_flag;
    } else {
      ++valid, valid_accepted += !we_flag;
    }
    std::vector<bool> used(ours.size(), false);
    for (const auto& q : theirs) {
      ++theirs_total;
      ++rules[q.rule].theirs;
      // Exact first, then the block-scalar convention, then the same line.
      int how = 0;
      for (int pass = 1; pass <= 3 && !how; ++pass) {
        for (size_t i = 0; i < ours.size() && !how; ++i) {
          const auto& p = ours[i];
          if (used[i] || p.rule != q.rule) continue;
          bool ok = pass == 1   ? p.line == q.line && p.col == q.col
                    : pass == 2 ? InBlockOf(lines, q.line, p.line)
                                : p.line == q.line;
          if (ok) used[i] = true, how = pass;
        }
      }
      if (how) ++rules[q.rule].found;
      found_exact += how == 1, found_block += how == 2, found_line += how == 3;
    }
    for (size_t i = 0; i < ours.size(); ++i) {
      ++ours_total;
      ++rules[ours[i].rule].ours;
      if (!used[i]) ++ours_only, ++rules[ours[i].rule].ours_only;
    }
  }
  int found = found_exact + found_block + found_line;
  bool ok = Percent(valid_accepted, valid) >= 98 && Percent(broken_flagged, broken) >= 90 &&
            Percent(found, theirs_total) >= 85 && crashes == 0;
  std::printf("\nagreement with actionlint on %zu files (its verdicts as the reference)\n", files.size());
  std::printf("%-58s %10s %10s  %s\n", "metric", "value", "target", "note");
  char note[160];
  std::snprintf(note, sizeof note, "%d of %d files actionlint finds clean", valid_accepted, valid);
  std::printf("%-58s %9.1f%% %10s  %s\n", "valid files accepted", Percent(valid_accepted, valid), ">= 98%", note);
  std::snprintf(note, sizeof note, "%d of %d files actionlint flags", broken_flagged, broken);
  std::printf("%-58s %9.1f%% %10s  %s\n", "broken files flagged", Percent(broken_flagged, broken), ">= 90%", note);
  std::snprintf(note, sizeof note, "%d of %d: %d at its line:col, %d in its block scalar, %d on its line", found,
                theirs_total, found_exact, found_block, found_line);
  std::printf("%-58s %9.1f%% %10s  %s\n", "actionlint's problems found (same rule)", Percent(found, theirs_total),
              ">= 85%", note);
  std::printf("%-58s %9.1f%% %10s  %d of %zu files\n", "same verdict per file",
              Percent(same_verdict, files.size() - crashes), "", same_verdict, files.size() - crashes);
  std::snprintf(note, sizeof note, "of our %d problems", ours_total);
  std::printf("%-58s %10d %10s  %s\n", "problems only we report", ours_only, "", note);
  std::printf("%-58s %10d %10s  %s\n", "files actionlint could not lint", crashes, "0", "");
  std::printf("\n%-22s %12s %12s %10s %10s\n", "rule", "actionlint", "we find", "ours", "ours only");
  for (const auto& [rule, r] : rules) {
    std::printf("%-22s %12d %11.0f%% %10d %10d\n", rule.c_str(), r.theirs, Percent(r.found, r.theirs), r.ours,
                r.ours_only);
  }
  return ok;
}

}  // namespace redundancy::bench
