// Lists of names in messages: "a", "a and b", "a, b and c".
#ifndef LITERTLM_UTIL_TEXT_LIST_H_
#define LITERTLM_UTIL_TEXT_LIST_H_

#include <span>
#include <string>
#include <string_view>

namespace litertlm {

inline std::string JoinWithAnd(std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace litertlm

#endif  // LITERTLM_UTIL_TEXT_LIST_H_
