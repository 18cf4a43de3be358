// Interoperability with files written by other LiteRT-LM writers: the hand-decoded minimal file
// of litertlm-format.md §1.7 (header field placement chosen by another writer) must read back.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "format/litertlm_reader.h"
#include "litertlm_test_util.h"

namespace litertlm::format {
namespace {

// The 156-byte header FlatBuffer from the documented byte walkthrough.
const uint8_t kDocumentedHeader[] = {
    0x2C, 0, 0, 0,                                                  // rel 0: root → 44
    0x08, 0, 0x0C, 0, 0x04, 0, 0x08, 0,                             // rel 4: vtable(root)
    0x06, 0, 0x08, 0, 0x04, 0, 0, 0,                                // rel 12: vtable(1 field)
    0x0A, 0, 0x10, 0, 0x0C, 0, 0x07, 0, 0x08, 0, 0, 0,              // rel 20: vtable(KeyValuePair)
    0x0C, 0, 0x20, 0, 0x08, 0, 0x10, 0, 0x18, 0, 0x04, 0,           // rel 32: vtable(SectionObject)
    0x28, 0, 0, 0, 0x08, 0, 0, 0, 0x0C, 0, 0, 0,                    // rel 44: LiteRTLMMetaData
    0x2C, 0, 0, 0, 0x0C, 0, 0, 0,                                   // rel 56: SystemMetadata
    0x34, 0, 0, 0, 0x2C, 0, 0, 0,                                   // rel 64: SectionMetadata
    0x01, 0, 0, 0, 0x04, 0, 0, 0,                                   // rel 72: entries vector
    0x3C, 0, 0, 0, 0, 0, 0, 0x05, 0x08, 0, 0, 0, 0x0C, 0, 0, 0,     // rel 80: KeyValuePair
    0x54, 0, 0, 0, 0x07, 0, 0, 0,                                   // rel 96: UInt32{7}
    0x01, 0, 0, 0, 0x6B, 0, 0, 0,                                   // rel 104: "k"
    0x01, 0, 0, 0, 0x04, 0, 0, 0,                                   // rel 112: objects vector
    0x58, 0, 0, 0, 0x01, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0,        // rel 120: SectionObject
    0x00, 0x40, 0, 0, 0, 0, 0, 0, 0x02, 0x40, 0, 0, 0, 0, 0, 0,     //   begin 16384, end 16386
    0, 0, 0, 0,                                                     // rel 152: empty items
};

TEST(LitertlmInterop, DocumentedMinimalFileReads) {
  static_assert(sizeof(kDocumentedHeader) == 156);
  std::vector<uint8_t> file(16386, 0);
  const uint8_t preamble[32] = {'L', 'I', 'T', 'E', 'R', 'T', 'L', 'M', 1, 0, 0, 0, 6, 0, 0, 0,
                                0,   0,   0,   0,   0,   0,   0,   0,   0xBC, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(file.data(), preamble, 32);
  std::memcpy(file.data() + 32, kDocumentedHeader, sizeof(kDocumentedHeader));
  file[16384] = 'h';
  file[16385] = 'i';
  const std::string path = testing::TempPath("doc.litertlm");
  testing::WriteAll(path, file);
  ReaderOptions lenient;
  lenient.require_model_sections = false;
  auto r = LitertlmReader::Open(path, lenient);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->header_end(), 188u);
  ASSERT_EQ((*r)->system_metadata().size(), 1u);
  EXPECT_EQ((*r)->system_metadata()[0].key, "k");
  EXPECT_EQ(std::get<uint32_t>((*r)->system_metadata()[0].value), 7u);
  ASSERT_EQ((*r)->sections().size(), 1u);
  const SectionInfo& s = (*r)->sections()[0];
  EXPECT_EQ(s.type, static_cast<uint8_t>(SectionType::kGenericBinaryData));
  EXPECT_EQ(s.begin, 16384u);
  EXPECT_EQ(s.end, 16386u);
  EXPECT_TRUE(s.items.empty());
  auto bytes = (*r)->SectionBytes(s);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "hi");
}

}  // namespace
}  // namespace litertlm::format
