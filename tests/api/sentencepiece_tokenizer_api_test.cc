// The shipped shared library tokenizes with a SentencePiece tokenizer.model while libprotobuf is
// loaded in the same process, and libsentencepiece (whose bundled protobuf 3.14 crashes next to
// libprotobuf 3.21) is not. Run by the ASan/UBSan CI job (label "api").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "litertlm/tokenizer.h"

namespace {

std::string GemmaModelPath() {
  if (const char* dir = std::getenv("LITERTLM_GOLDEN_DIR")) {
    return std::string(dir) + "/tokenizer_spm/gemma3_tokenizer.model";
  }
  std::string here = __FILE__;  // .../tests/api/sentencepiece_tokenizer_api_test.cc
  here.resize(here.rfind('/'));
  here.resize(here.rfind('/'));
  return here + "/golden/tokenizer_spm/gemma3_tokenizer.model";
}

std::string LoadedLibraries() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream ss;
  ss << maps.rdbuf();
  return ss.str();
}

TEST(SentencePieceApiTest, SharedLibraryTokenizesWithProtobufAndWithoutLibSentencePiece) {
  auto tok = litertlm::Tokenizer::FromFile(GemmaModelPath());
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->kind(), litertlm::TokenizerKind::kSentencePiece);
  const std::string prompt =
      "<bos><start_of_turn>user\nHello world \xF0\x9F\x91\x8B\r<end_of_turn>\n"
      "<start_of_turn>model\n";
  auto ids = (*tok)->Encode(prompt);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  // As Hugging Face tokenizers encodes it with the real Gemma 3 tokenizer.json.
  const std::vector<litertlm::TokenId> expected = {2,   105, 2364, 107, 9259, 1902, 155818,
                                                   251, 106, 107,  105, 4368, 107};
  EXPECT_EQ(*ids, expected);
  auto text = (*tok)->Decode(*ids);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, prompt);

  const std::string libs = LoadedLibraries();
  EXPECT_NE(libs.find("liblitertlm"), std::string::npos) << "test must use the shared library";
  EXPECT_NE(libs.find("libprotobuf"), std::string::npos) << "liblitertlm parses with libprotobuf";
  EXPECT_EQ(libs.find("libsentencepiece"), std::string::npos)
      << "libsentencepiece must never share a process with libprotobuf";
}

TEST(SentencePieceApiTest, CorruptModelIsAnErrorNamingTheFile) {
  auto tok =
      litertlm::Tokenizer::FromBytes(litertlm::TokenizerKind::kSentencePiece,
                                     std::string("\x0a\xff\xff\xff\x0f", 5), "x/tokenizer.model");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("x/tokenizer.model"), std::string::npos);
}

}  // namespace
