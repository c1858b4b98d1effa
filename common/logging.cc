#include "common/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "common/log_rotation.h"

namespace redundancy {
namespace {

std::shared_mutex g_secrets_mu;
std::set<std::string>& Secrets() {
  static auto* s = new std::set<std::string>();
  return *s;
}

// One event, one line: control characters in a message (a newline or an
// ESC from an argument, a tool's output) are written as escapes, so that no
// input can forge a log line or drive the terminal that shows the log.
std::string EscapeControls(std::string text) {
  size_t bad = 0;
  for (unsigned char c : text) bad += (c < 0x20 && c != '\t') || c == 0x7f;
  if (bad == 0) return text;
  std::string out;
  out.reserve(text.size() + bad * 3);
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Redacts each message before handing it on to the real sinks.
class RedactingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingSink(std::vector<spdlog::sink_ptr> inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    std::string clean = EscapeControls(Redact(text));
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    for (auto& s : inner_) {
      if (s->should_log(copy.level)) s->log(copy);
    }
  }
  void flush_() override {
    for (auto& s : inner_) s->flush();
  }

 private:
  std::vector<spdlog::sink_ptr> inner_;
};

// Passes on only messages below `above`: with the stderr sink starting at
// that level, info goes to stdout and warnings and errors to stderr, as PM2
// and journald users expect of a foreground daemon.
class BelowLevelSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BelowLevelSink(spdlog::sink_ptr inner, spdlog::level::level_enum above) : inner_(std::move(inner)), above_(above) {}
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < above_) inner_->log(msg);
  }
  void flush_() override { inner_->flush(); }

 private:
  spdlog::sink_ptr inner_;
  spdlog::level::level_enum above_;
};

}  // namespace

bool DebugFromEnv() {
  const char* v = std::getenv("DEBUG_REDUNDANCY");
  if (!v) return false;
  std::string s(v);
  return s == "true" || s == "1" || s == "yes" || s == "TRUE" || s == "True";
}

void AddSecrets(const std::vector<std::string>& secrets) {
  std::unique_lock lock(g_secrets_mu);
  for (const auto& s : secrets) {
    if (s.size() >= 3) Secrets().insert(s);  // shorter values would redact ordinary words
  }
}

std::string Redact(const std::string& text) {
  std::shared_lock lock(g_secrets_mu);
  std::string out = text;
  for (const auto& s : Secrets()) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
      out.replace(pos, s.size(), "***");
  }
  return out;
}

Status InitLogging(const LogOptions& o) {
  std::vector<spdlog::sink_ptr> sinks;
  if (o.to_stderr) {
    auto out = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    sinks.push_back(std::make_shared<BelowLevelSink>(out, spdlog::level::warn));
    auto err = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    err->set_level(spdlog::level::warn);
    sinks.push_back(err);
  }
  if (!o.log_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.log_dir, ec);
    if (ec) return Status::Error("cannot create log_dir " + o.log_dir + ": " + ec.message());
    try {
      RotationPolicy p;
      p.max_size = o.max_size;
      p.max_files = o.max_files;
      p.every = std::chrono::milliseconds(o.rotate_every_ms);
      p.max_age = std::chrono::milliseconds(o.max_age_ms);
      p.compress = o.compress;
      sinks.push_back(std::make_shared<RotatingGzipSink>(o.log_dir, o.file_name, p));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::Error("cannot open log file in " + o.log_dir + ": " + e.what());
    }
  }
  for (auto& s : sinks) s->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%P] %v");
  auto sink = std::make_shared<RedactingSink>(std::move(sinks));
  auto logger = std::make_shared<spdlog::logger>("redundancy", sink);
  auto level = spdlog::level::from_str(o.level);
  if (o.debug || DebugFromEnv()) level = spdlog::level::debug;
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace redundancy
