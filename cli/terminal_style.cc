#include "terminal_style.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace litertlm::cli {

bool ColorAllowed(int fd, bool no_color_flag) {
  if (no_color_flag || std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  if (term == nullptr || std::strcmp(term, "dumb") == 0) return false;
  return isatty(fd) == 1;
}

std::string Styled(const std::string& text, const char* sgr, bool enabled) {
  if (!enabled) return text;
  return std::string("\x1b[") + sgr + "m" + text + "\x1b[0m";
}

}  // namespace litertlm::cli
