#include "hub_cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace litertlm::cli {

bool FancyProgress() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(STDERR_FILENO) == 1;
}

std::string FormatDuration(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lds", s);
  }
  return buf;
}

namespace {

// "pulling Qwen3-0.6B.litertlm  70% ▕██████▏ 3.5 GB/5.0 GB 3.5 MB/s 7m09s", redrawn in place.
void DrawBar(const DownloadProgress& p) {
  constexpr int kWidth = 24;
  double frac = p.bytes_total ? static_cast<double>(p.bytes_done) / p.bytes_total : 0;
  if (frac > 1) frac = 1;
  int full = static_cast<int>(frac * kWidth);
  std::string bar;
  for (int i = 0; i < kWidth; ++i) bar += i < full ? "\u2588" : " ";
  std::string eta = "--";
  if (p.bytes_per_second > 0 && p.bytes_total >= p.bytes_done)
    eta = FormatDuration(static_cast<double>(p.bytes_total - p.bytes_done) / p.bytes_per_second);
  std::fprintf(stderr, "\r%s %3d%% \u2595%s\u258f %s/%s %s/s %s\033[K", p.file.c_str(),
               static_cast<int>(frac * 100), bar.c_str(), FormatBytes(p.bytes_done).c_str(),
               p.bytes_total ? FormatBytes(p.bytes_total).c_str() : "?",
               FormatBytes(static_cast<uint64_t>(p.bytes_per_second)).c_str(), eta.c_str());
  if (p.finished) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

// Outside a terminal (a log, CI, a pipe): no carriage returns, a plain line at every 10 % of a
// file (or every 30 s when its size is unknown or the link is slow), and one when it is done.
class ProgressLines {
 public:
  void operator()(const DownloadProgress& p) {
    using Clock = std::chrono::steady_clock;
    if (p.file != file_) {
      file_ = p.file;
      last_decile_ = 0;
      last_line_ = Clock::now();
    }
    if (p.finished) {
      std::fprintf(stderr, "downloaded %s (%s, %s/s)\n", p.file.c_str(),
                   FormatBytes(p.bytes_done).c_str(),
                   FormatBytes(static_cast<uint64_t>(p.bytes_per_second)).c_str());
      file_.clear();
      return;
    }
    const int decile = p.bytes_total ? static_cast<int>(p.bytes_done * 10 / p.bytes_total) : 0;
    const bool slow = Clock::now() - last_line_ >= std::chrono::seconds(30);
    if (decile <= last_decile_ && !slow) return;
    last_decile_ = std::max(decile, last_decile_);
    last_line_ = Clock::now();
    std::fprintf(stderr, "downloading %s: %s of %s (%s/s)\n", p.file.c_str(),
                 FormatBytes(p.bytes_done).c_str(),
                 p.bytes_total ? FormatBytes(p.bytes_total).c_str() : "?",
                 FormatBytes(static_cast<uint64_t>(p.bytes_per_second)).c_str());
    std::fflush(stderr);
  }

 private:
  std::string file_;
  int last_decile_ = 0;
  std::chrono::steady_clock::time_point last_line_;
};

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000 && unit < 4) {
    v /= 1000;
    ++unit;
  }
  char buf[32];
  if (unit == 0 || v >= 100) {
    std::snprintf(buf, sizeof(buf), "%.0f %s", v, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

void AddModelStoreFlags(CLI::App* sub, ModelStoreFlags* flags) {
  sub->add_option("--models-dir", flags->models_dir,
                  "Models directory (default: $LITERTLM_MODELS_DIR, else "
                  "$XDG_CACHE_HOME/litert-lm/models or ~/.cache/litert-lm/models)");
  sub->add_flag("--offline", flags->offline,
                "Never use the network (also HF_HUB_OFFLINE=1); only local models");
}

ModelStoreOptions MakeModelStoreOptions(const ModelStoreFlags& flags) {
  ModelStoreOptions options;
  options.models_dir = flags.models_dir;
  options.offline = flags.offline;
  options.on_message = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  if (FancyProgress()) {
    options.on_progress = DrawBar;
  } else {
    options.on_progress = [lines = std::make_shared<ProgressLines>()](const DownloadProgress& p) {
      (*lines)(p);
    };
  }
  return options;
}

int ReportMultilineError(const Status& status) {
  const std::string& m = status.message();
  size_t nl = m.find('\n');
  std::fprintf(stderr, "litert-lm-cli: error: %s\n", m.substr(0, nl).c_str());
  if (nl != std::string::npos) std::fprintf(stderr, "%s\n", m.substr(nl + 1).c_str());
  return 1;
}

}  // namespace litertlm::cli
