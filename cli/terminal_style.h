// When the CLI may colour its output: only on a terminal, never when NO_COLOR is set (any value,
// https://no-color.org), TERM is "dumb", or --no-color was given.
#ifndef LITERTLM_CLI_TERMINAL_STYLE_H_
#define LITERTLM_CLI_TERMINAL_STYLE_H_

#include <string>

namespace litertlm::cli {

// True when escape sequences may be written to file descriptor `fd`.
bool ColorAllowed(int fd, bool no_color_flag);

// `text` wrapped in an SGR sequence (e.g. "1;32" bold green) when `enabled`, else `text`.
std::string Styled(const std::string& text, const char* sgr, bool enabled);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_TERMINAL_STYLE_H_
