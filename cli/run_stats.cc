#include "run_stats.h"

#include <sys/resource.h>

#include <cstdio>
#include <string>

#include "hub_cli.h"
#include "terminal_style.h"

namespace litertlm::cli {
namespace {

void Line(const char* name, const std::string& value, bool color) {
  std::fprintf(stderr, "%s %s\n", Styled(std::string(name) + ":", "2", color).c_str(), value.c_str());
}

std::string Fixed(double v, int digits, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f %s", digits, v, unit);
  return buf;
}

}  // namespace

uint64_t PeakMemoryBytes() {
  struct rusage usage = {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

void PrintLoadStats(double load_seconds, bool color) {
  Line("load time", Fixed(load_seconds, 3, "s"), color);
}

void PrintAnswerStats(const GenerateResult& result, bool color) {
  const GenerationStats& s = result.stats;
  Line("prompt tokens",
       std::to_string(s.prompt_tokens) + " (" + std::to_string(s.reused_tokens) + " reused from the cache)",
       color);
  Line("time to first token", Fixed(s.time_to_first_token_seconds, 3, "s"), color);
  Line("prefill", Fixed(s.prefill_tokens_per_second, 1, "tokens/s"), color);
  Line("generated tokens", std::to_string(s.generated_tokens) + " (" +
                               std::string(FinishReasonName(result.finish_reason)) + ")",
       color);
  Line("decode", Fixed(s.decode_tokens_per_second, 1, "tokens/s"), color);
  Line("context tokens used", std::to_string(s.context_tokens), color);
  Line("peak memory", FormatBytes(PeakMemoryBytes()), color);
}

}  // namespace litertlm::cli
