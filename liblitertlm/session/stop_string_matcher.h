// Finds user stop strings in streamed text. Text that might be the start of a stop string is
// held back until it is known not to be, so a stop string never reaches the caller.
#ifndef LITERTLM_SESSION_STOP_STRING_MATCHER_H_
#define LITERTLM_SESSION_STOP_STRING_MATCHER_H_

#include <string>
#include <string_view>
#include <vector>

namespace litertlm {

class StopStringMatcher {
 public:
  explicit StopStringMatcher(std::vector<std::string> stop_strings);

  // Adds decoded text and returns what may be emitted now. When a stop string completes,
  // `*stopped` becomes true and the returned text ends just before it (the rest is dropped).
  std::string Push(std::string_view text, bool* stopped);
  // The text still held back (generation ended without a stop string).
  std::string Flush();

 private:
  std::vector<std::string> stops_;
  std::string pending_;
};

}  // namespace litertlm

#endif  // LITERTLM_SESSION_STOP_STRING_MATCHER_H_
