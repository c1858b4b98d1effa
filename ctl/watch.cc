#include "ctl/watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/status_render.h"

namespace redundancy::ctl {
namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

// The terminal as it was, put back however we leave.
class RawTerminal {
 public:
  RawTerminal() {
    if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);  // keys one by one; Ctrl-C read as 0x03
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    // The alternate screen, no cursor, no line wrap.
    std::cout << "\x1b[?1049h\x1b[?25l\x1b[?7l" << std::flush;
  }
  ~RawTerminal() {
    std::cout << "\x1b[?7h\x1b[?25h\x1b[?1049l" << std::flush;
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

std::string Now() {
  time_t t = time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// One screen: the status table, open incidents, the last events.
std::string Screen(const Caller& call, bool color, int rows) {
  std::ostringstream o;
  v1::ControlRequest req;
  req.set_op(v1::ControlRequest::STATUS);
  v1::ControlResponse status;
  if (int code = call(req, &status); code != 0) {
    o << "redundancyd does not answer (exit " << code << "); trying again\n";
    return o.str();
  }
  o << StatusToTable(status.status(), color);
  v1::ControlRequest alerts_req;
  alerts_req.set_op(v1::ControlRequest::ALERTS);
  v1::ControlResponse alerts;
  if (call(alerts_req, &alerts) == 0) {
    auto j = nlohmann::json::parse(alerts.json(), nullptr, false);
    std::string firing;
    if (!j.is_discarded() && j.contains("alerts")) {
      for (const auto& a : j["alerts"]) {
        if (a.value("state", "") != "firing") continue;
        firing += "  #" + std::to_string(a.value("id", 0)) + " " + a.value("severity", "") + " " +
                  a.value("target", "") + ": " + a.value("summary", "").substr(0, 120) + "\n";
      }
    }
    o << "\nOPEN INCIDENTS\n" << (firing.empty() ? "  none\n" : firing);
  }
  v1::ControlRequest history;
  history.set_op(v1::ControlRequest::HISTORY);
  history.set_limit(static_cast<uint32_t>(std::max(3, rows / 5)));
  v1::ControlResponse events;
  if (call(history, &events) == 0) o << "\nLAST EVENTS\n" << HistoryToTable(events.history());
  return o.str();
}

int TerminalRows() {
  winsize ws{};
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 40;
}

}  // namespace

int WatchStatus(const Caller& call, std::chrono::milliseconds interval) {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGWINCH, &sa, nullptr);  // a resize: draw again now (poll returns EINTR)
  if (!isatty(STDOUT_FILENO)) {
    // Plain: the status again every interval, for a log or a pipe.
    while (!g_stop) {
      std::cout << "=== " << Now() << "\n" << Screen(call, false, 40) << "\n" << std::flush;
      if (!std::cout) return 0;  // the reader went away
      std::this_thread::sleep_for(interval);
    }
    return 0;
  }
  RawTerminal term;
  bool color = WantColor();
  while (!g_stop) {
    std::string screen = Screen(call, color, TerminalRows());
    std::cout << "\x1b[H\x1b[2J"
              << "redundancy  " << Now() << "  (every "
              << std::chrono::duration_cast<std::chrono::milliseconds>(interval).count() << " ms; q quits)\n\n"
              << screen << std::flush;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    auto until = std::chrono::steady_clock::now() + interval;
    while (!g_stop) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      int rc = poll(&p, 1, static_cast<int>(left.count()));
      if (rc < 0) break;  // a signal: a resize draws again, an interrupt stops
      if (rc == 0) break;
      char key = 0;
      if (read(STDIN_FILENO, &key, 1) != 1) {
        g_stop = 1;  // the terminal went away
        break;
      }
      if (key == 'q' || key == 'Q' || key == 3 || key == 27) g_stop = 1;
    }
  }
  return 0;
}

}  // namespace redundancy::ctl
