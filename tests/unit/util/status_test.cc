#include "litertlm/status.h"

#include <gtest/gtest.h>

#include <memory>

#include "util/status_macros.h"

namespace litertlm {
namespace {

TEST(StatusTest, CodesEqualAbseil) {
  // Frozen numbering: identical to absl::StatusCode.
  EXPECT_EQ(static_cast<int>(StatusCode::kCancelled), 1);
  EXPECT_EQ(static_cast<int>(StatusCode::kInvalidArgument), 3);
  EXPECT_EQ(static_cast<int>(StatusCode::kNotFound), 5);
  EXPECT_EQ(static_cast<int>(StatusCode::kOutOfRange), 11);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnimplemented), 12);
  EXPECT_EQ(static_cast<int>(StatusCode::kInternal), 13);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
}

TEST(StatusTest, ToString) {
  EXPECT_EQ(Status().ToString(), "OK");
  EXPECT_EQ(NotFoundError("x.json").ToString(), "NOT_FOUND: x.json");
  EXPECT_TRUE(Status(StatusCode::kOk, "ignored").message().empty());
}

StatusOr<std::unique_ptr<int>> MakeInt(bool ok) {
  if (!ok) return InvalidArgumentError("no");
  return std::make_unique<int>(7);
}

Status UseInt(bool ok, int* out) {
  ASSIGN_OR_RETURN(auto p, MakeInt(ok));
  *out = *p;
  return Status::Ok();
}

TEST(StatusTest, StatusOrAndMacros) {
  int v = 0;
  EXPECT_TRUE(UseInt(true, &v).ok());
  EXPECT_EQ(v, 7);
  Status s = UseInt(false, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  StatusOr<int> from_ok_status{Status::Ok()};
  EXPECT_EQ(from_ok_status.status().code(), StatusCode::kInternal);
  EXPECT_EQ(StatusOr<int>(NotFoundError("x")).value_or(3), 3);
}

}  // namespace
}  // namespace litertlm
