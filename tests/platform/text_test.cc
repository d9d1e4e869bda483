#include "platform/text.h"

#include <gtest/gtest.h>

namespace kedge {
namespace {

TEST(TextTest, AsciiLowerLeavesBytesAboveAsciiAlone) {
  EXPECT_EQ(AsciiLower("Content-Type"), "content-type");
  EXPECT_EQ(AsciiLower("X-AMZ-Date: \xC3\x89T\xC3\x89"), "x-amz-date: \xC3\x89t\xC3\x89");
  EXPECT_TRUE(EqualsIgnoreCase("Transfer-Encoding", "transfer-encoding"));
  EXPECT_FALSE(EqualsIgnoreCase("Transfer-Encoding", "transfer-encodin"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\x89", "\xC3\xA9"));  // É and é are different bytes
}

TEST(TextTest, HexDigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('%'), -1);
}

TEST(TextTest, PercentDecodeKeepsBrokenEscapesAndPlusUnlessAskedForForms) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2f"), "a b/c/");
  EXPECT_EQ(PercentDecode("%41"), "A");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%zz%4x"), "%zz%4x");
  EXPECT_EQ(PercentDecode(std::string_view("%00x", 4)), std::string("\0x", 2));
  EXPECT_EQ(PercentDecode("a+b%2B"), "a+b+");
  EXPECT_EQ(PercentDecode("a+b%2B", PlusSign::kSpace), "a b+");
}

}  // namespace
}  // namespace kedge
