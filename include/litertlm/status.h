// File: litertlm/status.h
// Status and StatusOr<T>: how every fallible liblitertlm call reports failure. The library never
// throws and never aborts on bad input; it returns a Status whose message names the file, field,
// tensor or flag at fault. Status codes are numerically equal to absl::StatusCode (and to gRPC's),
// and are frozen.
//
//   litertlm::StatusOr<std::shared_ptr<const litertlm::Model>> model =
//       litertlm::ModelLoader::Load("/path/to/checkpoint");
//   if (!model.ok()) { std::cerr << model.status().ToString() << "\n"; return 1; }
//
// Thread-safety: Status and StatusOr are values; const methods may be called concurrently.
#ifndef LITERTLM_STATUS_H_
#define LITERTLM_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "litertlm/export.h"

namespace litertlm {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT" etc., as absl spells them.
LITERTLM_API std::string_view StatusCodeName(StatusCode code);

class LITERTLM_API Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(code == StatusCode::kOk ? std::string() : std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "OK" or "NOT_FOUND: <message>".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

LITERTLM_API Status CancelledError(std::string message);
LITERTLM_API Status UnknownError(std::string message);
LITERTLM_API Status InvalidArgumentError(std::string message);
LITERTLM_API Status NotFoundError(std::string message);
LITERTLM_API Status AlreadyExistsError(std::string message);
LITERTLM_API Status PermissionDeniedError(std::string message);
LITERTLM_API Status ResourceExhaustedError(std::string message);
LITERTLM_API Status FailedPreconditionError(std::string message);
LITERTLM_API Status OutOfRangeError(std::string message);
LITERTLM_API Status UnimplementedError(std::string message);
LITERTLM_API Status InternalError(std::string message);
LITERTLM_API Status UnavailableError(std::string message);
LITERTLM_API Status DataLossError(std::string message);
LITERTLM_API Status UnauthenticatedError(std::string message);

// Either a value of type T or a non-OK Status. Accessing the value of a non-OK StatusOr is a
// programming error (checked with assert in debug builds).
template <typename T>
class StatusOr {
 public:
  // Implicit from a non-OK status, so `return NotFoundError(...)` works in a StatusOr function.
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "StatusOr constructed from OK status");
  }
  // Implicit from a value.
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <typename U>
    requires(std::is_convertible_v<U &&, T> && !std::is_same_v<std::decay_t<U>, Status> &&
             !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, StatusOr>)
  StatusOr(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  const T& value() const& { assert(ok()); return *value_; }
  T& value() & { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace litertlm

#endif  // LITERTLM_STATUS_H_
