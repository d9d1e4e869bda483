#include "platform/status.h"

#include <gtest/gtest.h>

namespace kedge {
namespace {

TEST(StatusTest, DefaultIsOkAndCarriesNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeAndMessage) {
  Status s = NotFoundError("stream edge-logs not found");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: stream edge-logs not found");
}

TEST(StatusTest, CopyIsDeep) {
  Status a = UnavailableError("down");
  Status b = a;
  a = Status::Ok();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(b.code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.message(), "down");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = ResourceExhaustedError("disk full").WithContext("spool");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "spool: disk full");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd");
  return x / 2;
}

Status UseHalf(int x, int* out) {
  KEDGE_ASSIGN_OR_RETURN(int h, Half(x));
  KEDGE_RETURN_IF_ERROR(h > 10 ? OutOfRangeError("too big") : Status::Ok());
  *out = h;
  return Status::Ok();
}

TEST(StatusOrTest, HoldsValueOrError) {
  StatusOr<int> good = Half(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  StatusOr<int> bad = Half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(StatusOrTest, OkStatusBecomesInternalError) {
  StatusOr<int> s(Status::Ok());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, MacrosPropagateErrors) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, &out).ok());
  EXPECT_EQ(out, 4);
  EXPECT_EQ(UseHalf(7, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(UseHalf(40, &out).code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace kedge
