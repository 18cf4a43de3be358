// `convert` on the real Gemma 3 270M Q4_K_M GGUF (issue 7, GGUF input): the rebuilt SentencePiece
// tokenizer equals the Gemma 3 tokenizer.model built by tests/tools/make_gemma3_spm_model.py from
// the same vocabulary (byte for byte), and the fp32 / int8 conversions pass their own
// validation against the fp32-dequantized GGUF (fp32 top-1 ≥ 99 %, weight-only int8 ≥ 95 %, issue 7). The file comes from the
// realmodel ctest fixture (path compiled in; env LITERTLM_GEMMA3_GGUF overrides); fails, never
// skips, when it is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "converter/gguf_tokenizer.h"
#include "format/gguf_reader.h"
#include "format/gguf_vocab.h"
#include "format/litertlm_reader.h"
#include "format/llm_metadata.pb.h"
#include "litertlm/converter.h"
#include "litertlm/tokenizer.h"
#include "unit/test_util.h"

namespace litertlm {
namespace {

std::string GgufPath() {
  return testing::PathSetting("LITERTLM_GEMMA3_GGUF", LITERTLM_GEMMA3_GGUF_DEFAULT);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Gemma3GgufConvert, RebuiltTokenizerEqualsGemma3TokenizerModel) {
  auto gguf = GgufFile::Open(GgufPath());
  ASSERT_TRUE(gguf.ok()) << gguf.status().ToString();
  auto vocab = ReadGgufVocab(**gguf);
  ASSERT_TRUE(vocab.ok()) << vocab.status().ToString();
  auto bytes = converter::BuildSentencePieceModel(*vocab, GgufPath());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string golden =
      ReadAll(testing::GoldenDir() + "/tokenizer_spm/gemma3_tokenizer.model");
  ASSERT_FALSE(golden.empty());
  auto ours = Tokenizer::FromBytes(TokenizerKind::kSentencePiece, *bytes, "rebuilt");
  auto ref = Tokenizer::FromBytes(TokenizerKind::kSentencePiece, golden, "golden");
  ASSERT_TRUE(ours.ok() && ref.ok());
  for (const char* text : {"What is the capital of France?", "<start_of_turn>user\nhi<end_of_turn>",
                           "  x = 12345;\n\tdone", "Ünïcödé ✓ 日本語"}) {
    auto a = (*ours)->Encode(text);
    auto b = (*ref)->Encode(text);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << text;
  }
  EXPECT_TRUE(*bytes == golden) << "rebuilt " << bytes->size() << " bytes, golden "
                                << golden.size();
}

class Gemma3GgufConvertFormat : public ::testing::TestWithParam<Quantization> {};

TEST_P(Gemma3GgufConvertFormat, ConvertsAndValidates) {
  const std::string out = testing::ScratchDir() + "/gemma3.litertlm";
  // The fp32 file is 1.1 GB and nothing reads it after this test: CI hosts' disks are shared.
  struct RemoveOnExit {
    std::string path;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } remove_on_exit{out};
  ConvertOptions o;
  o.quantization = GetParam();
  // dynamic_int8 (the default, a TFLite file) run with 16-bit activations: 96.9 % measured (our
  // own format: 96.5 %; 8-bit activations: 92.0 %, refused here).
  o.min_agreement = GetParam() == Quantization::kFp32 ? 0.99 : 0.95;
  auto r = Convert(GgufPath(), out, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->validation.has_value());
  std::printf("[gguf] %s top1 %.4f meanKL %.3g max|d| %.3g %llu bytes %.1fs\n",
              QuantizationName(GetParam()).c_str(), r->validation->top1_agreement,
              r->validation->mean_kl, r->validation->max_abs_logit_diff,
              static_cast<unsigned long long>(r->output_bytes), r->seconds);
  format::ReaderOptions any_file;  // the default conversion writes a TFLite file (no weights section)
  any_file.require_model_sections = false;
  auto reader = format::LitertlmReader::Open(out, any_file);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->tokenizer_kind(), format::TokenizerKind::kSentencePiece);
  const auto& md = *(*reader)->metadata();
  EXPECT_EQ(md.start_token().token_ids().ids(0), 2);
  ASSERT_EQ(md.stop_tokens_size(), 2);
  EXPECT_EQ(md.stop_tokens(1).token_ids().ids(0), 106);
  // The chat template is the GGUF's own (this base-model file has none).
  auto gguf = GgufFile::Open(GgufPath());
  ASSERT_TRUE(gguf.ok());
  auto vocab = ReadGgufVocab(**gguf);
  ASSERT_TRUE(vocab.ok());
  EXPECT_EQ(md.jinja_prompt_template(), vocab->chat_template);
}

INSTANTIATE_TEST_SUITE_P(Formats, Gemma3GgufConvertFormat,
                         ::testing::Values(Quantization::kFp32, Quantization::kInt8,
                                           Quantization::kDynamicInt8),
                         [](const auto& p) { return QuantizationName(p.param); });

}  // namespace
}  // namespace litertlm
