#include "agent/sources/line_assembler.h"

#include <gtest/gtest.h>

#include "agent/sources/file/file_checkpoint.h"
#include "agent/sources/utf8.h"

namespace kedge::agent {
namespace {

std::vector<std::string> Data(const std::vector<LineAssembler::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.data);
  return out;
}

TEST(LineAssemblerTest, SplitsLinesAcrossFeedsAndKeepsThePartialOne) {
  LineAssembler a({});
  std::vector<LineAssembler::Record> out;
  a.Feed("one\ntw", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"one"}));
  EXPECT_EQ(a.safe_offset(), 4u);
  EXPECT_TRUE(a.has_pending());
  a.Feed("o\r\nthree\n", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(a.safe_offset(), 15u);
  EXPECT_FALSE(a.has_pending());
}

TEST(LineAssemblerTest, FlushEmitsTheUnterminatedLine) {
  LineAssembler a({});
  std::vector<LineAssembler::Record> out;
  a.Feed("tail without newline", &out);
  EXPECT_TRUE(out.empty());
  a.Flush(&out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"tail without newline"}));
  EXPECT_EQ(a.safe_offset(), 20u);
}

TEST(LineAssemblerTest, SkipsEmptyLines) {
  LineAssembler a({});
  std::vector<LineAssembler::Record> out;
  a.Feed("a\n\n\r\nb\n", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"a", "b"}));
}

TEST(LineAssemblerTest, CapsLongLinesAndDropsTheirRest) {
  LineAssembler a({/*max_record_bytes=*/8, "", 0});
  std::vector<LineAssembler::Record> out;
  a.Feed("0123456789abcdef", &out);
  EXPECT_EQ(a.safe_offset(), 0u);  // a restart re-reads the whole long line
  a.Feed("ghij\nshort\n", &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, "01234567");
  EXPECT_TRUE(out[0].truncated);
  EXPECT_EQ(out[1].data, "short");
  EXPECT_FALSE(out[1].truncated);
}

TEST(LineAssemblerTest, CutsAtAUtf8Boundary) {
  LineAssembler a({/*max_record_bytes=*/5, "", 0});
  std::vector<LineAssembler::Record> out;
  a.Feed("abc\xE2\x82\xAC\xE2\x82\xAC\n", &out);  // "abc€€"
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "abc");
  EXPECT_TRUE(IsValidUtf8(out[0].data));
}

TEST(LineAssemblerTest, JoinsMultiLineRecordsAtTheStartPattern) {
  LineAssembler a({1024, "^\\d{4}-\\d{2}-\\d{2}", 0});
  std::vector<LineAssembler::Record> out;
  a.Feed("2026-01-01 error\n  at Foo\n  at Bar\n2026-01-01 next\n", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"2026-01-01 error\n  at Foo\n  at Bar"}));
  EXPECT_EQ(a.safe_offset(), 35u);  // the start of the pending "next" record
  a.Flush(&out);
  EXPECT_EQ(out.back().data, "2026-01-01 next");
  EXPECT_EQ(a.safe_offset(), 51u);
}

TEST(LineAssemblerTest, SkipsHeaderLinesOnlyFromOffsetZero) {
  LineAssembler a({1024, "", 1});
  std::vector<LineAssembler::Record> out;
  a.Feed("name,age\nann,3\n", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"ann,3"}));
  a.Reset(9);
  out.clear();
  a.Feed("bob,4\n", &out);
  EXPECT_EQ(Data(out), (std::vector<std::string>{"bob,4"}));
}

TEST(Utf8Test, ValidatesAndReplaces) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("cut \xE2\x82"));
  EXPECT_EQ(ReplaceInvalidUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_TRUE(IsValidUtf8(ReplaceInvalidUtf8("\xC0\xAF\xE2\x82 x \xF0")));
}

TEST(FileCheckpointTest, RoundTripsAndRejectsGarbage) {
  FileCheckpoint c{2049, 1234567, {256, 0xfeedbeefcafe}, 4096, "/var/log/app.log"};
  std::optional<FileCheckpoint> back = FileCheckpoint::Parse(c.Serialize());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->device, 2049u);
  EXPECT_EQ(back->inode, 1234567u);
  EXPECT_EQ(back->fingerprint, c.fingerprint);
  EXPECT_EQ(back->offset, 4096u);
  EXPECT_EQ(back->path, "/var/log/app.log");
  EXPECT_EQ(back->Key(), "2049:1234567");
  EXPECT_FALSE(FileCheckpoint::Parse("").has_value());
  EXPECT_FALSE(FileCheckpoint::Parse("{\"v\":2}").has_value());
  EXPECT_FALSE(FileCheckpoint::Parse("not json").has_value());
}

}  // namespace
}  // namespace kedge::agent
