// Private error-propagation macros (abseil 20220623, Debian's, has none of these).
#ifndef LITERTLM_UTIL_STATUS_MACROS_H_
#define LITERTLM_UTIL_STATUS_MACROS_H_

#include "litertlm/status.h"

#define LITERTLM_CONCAT_INNER_(a, b) a##b
#define LITERTLM_CONCAT_(a, b) LITERTLM_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::litertlm::Status litertlm_status_ = (expr);          \
    if (!litertlm_status_.ok()) return litertlm_status_;   \
  } while (0)

// ASSIGN_OR_RETURN(auto x, FunctionReturningStatusOr()); declares/assigns lhs or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(LITERTLM_CONCAT_(litertlm_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()

// Internal invariant check: returns an INTERNAL status (never aborts).
#define RET_CHECK(cond)                                                                  \
  do {                                                                                   \
    if (!(cond))                                                                         \
      return ::litertlm::InternalError(std::string(__FILE__) + ":" +                     \
                                       std::to_string(__LINE__) + ": check failed: " #cond); \
  } while (0)

#endif  // LITERTLM_UTIL_STATUS_MACROS_H_
