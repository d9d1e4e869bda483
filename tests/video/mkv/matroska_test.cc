// Byte-exact (golden) checks of what kedge writes, spelled out element by element from the
// Matroska/EBML specifications, so a change to the wire format is a visible test change.

#include "video/mkv/matroska.h"

#include <gtest/gtest.h>

#include "video/mkv/fragmenter.h"

namespace kedge::video::mkv {
namespace {

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Str(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(MatroskaGoldenTest, SessionHeaderBytes) {
  SessionHeaderConfig c;
  c.track.codec_private = {1, 2, 3};
  c.track.width = 320;
  c.track.height = 240;
  c.track.track_uid = 7;
  c.track.track_name = "v";
  for (int i = 0; i < 16; ++i) c.segment_uid[i] = static_cast<uint8_t>(i);

  Bytes ebml = Cat({{0x1A, 0x45, 0xDF, 0xA3, 0xA3},  // EBML, 35 bytes (as the KVS SDK's header)
                    {0x42, 0x86, 0x81, 0x01},        // EBMLVersion 1
                    {0x42, 0xF7, 0x81, 0x01},        // EBMLReadVersion 1
                    {0x42, 0xF2, 0x81, 0x04},        // EBMLMaxIDLength 4
                    {0x42, 0xF3, 0x81, 0x08},        // EBMLMaxSizeLength 8
                    {0x42, 0x82, 0x88},
                    Str("matroska"),
                    {0x42, 0x87, 0x81, 0x02},    // DocTypeVersion 2
                    {0x42, 0x85, 0x81, 0x02}});  // DocTypeReadVersion 2
  Bytes segment = {0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  Bytes info = Cat({{0x15, 0x49, 0xA9, 0x66, 0xAA},  // Info, 42 bytes
                    {0x73, 0xA4, 0x90},
                    Bytes(c.segment_uid.begin(), c.segment_uid.end()),
                    {0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40},  // TimecodeScale 1000000
                    {0x4D, 0x80, 0x85},
                    Str("kedge"),  // MuxingApp
                    {0x57, 0x41, 0x85},
                    Str("kedge")});                    // WritingApp
  Bytes tracks = Cat({{0x16, 0x54, 0xAE, 0x6B, 0xB3},  // Tracks, 51 bytes
                      {0xAE, 0xB1},                    // TrackEntry, 49 bytes
                      {0xD7, 0x81, 0x01},              // TrackNumber 1
                      {0x73, 0xC5, 0x81, 0x07},        // TrackUID 7
                      {0x83, 0x81, 0x01},              // TrackType video
                      {0x9C, 0x81, 0x00},              // FlagLacing 0
                      {0x53, 0x6E, 0x81, 'v'},         // Name
                      {0x86, 0x8F},
                      Str("V_MPEG4/ISO/AVC"),
                      {0x63, 0xA2, 0x83, 1, 2, 3},  // CodecPrivate
                      {0xE0, 0x87},                 // Video
                      {0xB0, 0x82, 0x01, 0x40},     // PixelWidth 320
                      {0xBA, 0x81, 0xF0}});         // PixelHeight 240
  EXPECT_EQ(BuildSessionHeader(c), Cat({ebml, segment, info, tracks}));
}

TEST(MatroskaGoldenTest, ClusterAndSimpleBlockBytes) {
  EbmlWriter w;
  WriteClusterStart(w, 1767225600000);  // 2026-01-01T00:00:00Z in ms
  uint8_t frame[] = {0, 0, 0, 1, 0x65};
  WriteSimpleBlock(w, 0, true, frame, sizeof(frame));
  WriteSimpleBlock(w, -2, false, frame, 1);
  Bytes expected = {0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                    0xFF, 0xE7, 0x86, 0x01, 0x9B, 0x76, 0xDA, 0xA8, 0x00,  // Timecode, 6 bytes
                    0xA3, 0x89, 0x81, 0x00, 0x00, 0x80, 0,    0,    0,    1,    0x65,  // key, rel 0
                    0xA3, 0x85, 0x81, 0xFF, 0xFE, 0x00, 0};                            // rel -2
  EXPECT_EQ(w.bytes(), expected);
}

TEST(MatroskaGoldenTest, TagsAndEndOfFragmentBytes) {
  Bytes eofr = MkvFragmenter::EndOfFragmentTags();
  Bytes name = Str(kEndOfFragmentTag);  // 32 bytes
  // SimpleTag 38 = TagName (3 + 32) + empty TagString (3); Tag 41; Tags 44.
  Bytes simple = Cat({{0x67, 0xC8, 0xA6}, {0x45, 0xA3, 0xA0}, name, {0x44, 0x87, 0x80}});
  Bytes expected = Cat({{0x12, 0x54, 0xC3, 0x67, 0xAC}, {0x73, 0x73, 0xA9}, simple});
  EXPECT_EQ(eofr, expected);
}

}  // namespace
}  // namespace kedge::video::mkv
