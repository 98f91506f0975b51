// stderr for the CLI commands: report lines from any thread and a progress line that
// is shown only when stderr is a terminal, without one overwriting the other.
#ifndef NEARDUP_CLI_CONSOLE_HPP_
#define NEARDUP_CLI_CONSOLE_HPP_

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace neardup::cli {

class Console {
 public:
  Console() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void Line(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    ClearProgress();
    std::fprintf(stderr, "%s\n", text.c_str());
  }

  // Shown at most twice a second, and only on a terminal.
  void Progress(const std::string& text) {
    if (!tty_) return;
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (progress_shown_ && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    std::fflush(stderr);
    progress_shown_ = true;
  }

  void EndProgress() {
    std::lock_guard<std::mutex> lock(mu_);
    ClearProgress();
  }

  bool tty() const noexcept { return tty_; }

 private:
  void ClearProgress() {
    if (!progress_shown_) return;
    std::fprintf(stderr, "\r\x1b[K");
    progress_shown_ = false;
  }

  const bool tty_;
  std::mutex mu_;
  bool progress_shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace neardup::cli

#endif  // NEARDUP_CLI_CONSOLE_HPP_
