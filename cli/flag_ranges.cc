#include "flag_ranges.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace litertlm::cli {
namespace {

std::string Shown(const std::string& text) {
  return text.size() <= 40 ? text : text.substr(0, 37) + "...";
}

std::string FormatNumber(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

CLI::Validator IntegerIn(int64_t lo, int64_t hi) {
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        const std::string error = "must be an integer from " + range + " (got " + Shown(text) + ")";
        if (text.empty()) return error;
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno != 0 || end == nullptr || *end != '\0' || v < lo || v > hi) return error;
        return std::string();
      },
      "INT in [" + range + "]");
}

CLI::Validator NumberIn(double lo, double hi) {
  const std::string range = FormatNumber(lo) + " to " + FormatNumber(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        const std::string error = "must be a number from " + range + " (got " + Shown(text) + ")";
        if (text.empty()) return error;
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end == nullptr || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) return error;
        return std::string();
      },
      "NUMBER in [" + range + "]");
}

}  // namespace litertlm::cli
