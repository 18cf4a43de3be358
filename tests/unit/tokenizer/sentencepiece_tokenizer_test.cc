#include "tokenizer/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "litertlm/tokenizer.h"
#include "spm_reference/spm_corpus.h"
#include "tokenizer/sentencepiece_model.pb.h"

namespace litertlm {
namespace {

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& GemmaModelBytes() {
  static const std::string* bytes =
      new std::string(ReadFileBytes(spm_corpus::GoldenPath("gemma3_tokenizer.model")));
  return *bytes;
}

const Tokenizer& Gemma() {
  static const Tokenizer* tok = [] {
    auto t = CreateSentencePieceTokenizer(GemmaModelBytes(), "gemma3_tokenizer.model");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(*t).release() : nullptr;
  }();
  return *tok;
}

TEST(SentencePieceTokenizerTest, GemmaCorpusIdsAndRoundTripsAreExact) {
  ASSERT_FALSE(GemmaModelBytes().empty()) << "tests/golden/tokenizer_spm missing";
  std::vector<spm_corpus::Entry> corpus;
  std::string error;
  ASSERT_TRUE(
      spm_corpus::ReadCorpus(spm_corpus::GoldenPath("gemma3_corpus.jsonl.gz"), &corpus, &error))
      << error;
  ASSERT_GE(corpus.size(), 2000u);
  const size_t raw_rows =
      std::count_if(corpus.begin(), corpus.end(), [](auto& e) { return e.raw; });
  EXPECT_GE(raw_rows, 10u);  // invalid UTF-8 rows
  size_t id_mismatches = 0, decode_mismatches = 0, bytes = 0, exact_round_trips = 0;
  for (const auto& entry : corpus) {
    bytes += entry.text.size();
    auto ids = Gemma().Encode(entry.text);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    if (*ids != entry.ids) {
      if (++id_mismatches <= 5) ADD_FAILURE() << "ids differ for: " << entry.text.substr(0, 200);
    }
    auto text = Gemma().Decode(entry.ids);
    auto skipped = Gemma().Decode(entry.ids, /*skip_special_tokens=*/true);
    ASSERT_TRUE(text.ok() && skipped.ok());
    if (*text != entry.decoded || *skipped != entry.decoded_skip) {
      if (++decode_mismatches <= 5)
        ADD_FAILURE() << "decode differs for: " << entry.text.substr(0, 200);
    }
    // Decoding is exact except that a literal U+2581 in the text comes back as a space.
    if (*text == entry.text) {
      ++exact_round_trips;
    } else if (!entry.raw) {
      EXPECT_NE(entry.text.find("\xE2\x96\x81"), std::string::npos) << entry.text.substr(0, 200);
    }
  }
  std::printf(
      "SentencePiece corpus: %zu strings (%zu invalid UTF-8), %zu bytes, %zu exact decode "
      "round trips\n",
      corpus.size(), raw_rows, bytes, exact_round_trips);
  EXPECT_EQ(id_mismatches, 0u) << "of " << corpus.size();
  EXPECT_EQ(decode_mismatches, 0u) << "of " << corpus.size();
  EXPECT_GT(bytes, 1000000u);  // includes the ~1 MB document
}

// Small models trained by tests/tools/make_spm_small_models.py: dummy prefix + whitespace
// collapsing, user-defined and control symbols, byte fallback; BPE and UNIGRAM. The expected ids
// and decodes are libsentencepiece's. (The unigram model type is refused, see the parser.)
class SmallModelCorpusTest : public testing::TestWithParam<std::string> {};

TEST_P(SmallModelCorpusTest, IdsAndDecodeMatchLibSentencePiece) {
  const std::string bytes = ReadFileBytes(spm_corpus::GoldenPath("small_" + GetParam() + ".model"));
  ASSERT_FALSE(bytes.empty());
  auto tok = CreateSentencePieceTokenizer(bytes, "small.model");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  std::vector<spm_corpus::Entry> corpus;
  std::string error;
  ASSERT_TRUE(spm_corpus::ReadCorpus(
      spm_corpus::GoldenPath("small_" + GetParam() + "_corpus.jsonl.gz"), &corpus, &error))
      << error;
  ASSERT_GE(corpus.size(), 2000u);
  size_t id_mismatches = 0, decode_mismatches = 0;
  for (const auto& entry : corpus) {
    auto ids = (*tok)->Encode(entry.text);
    ASSERT_TRUE(ids.ok());
    if (*ids != entry.ids && ++id_mismatches <= 5) {
      ADD_FAILURE() << "ids differ for: " << testing::PrintToString(entry.text.substr(0, 80))
                    << "\n ours:     " << testing::PrintToString(*ids)
                    << "\n expected: " << testing::PrintToString(entry.ids);
    }
    auto text = (*tok)->Decode(entry.ids, /*skip_special_tokens=*/true);
    ASSERT_TRUE(text.ok());
    if (*text != entry.decoded_skip && ++decode_mismatches <= 5) {
      ADD_FAILURE() << "decode differs for: " << entry.text.substr(0, 200) << " -> " << *text;
    }
  }
  EXPECT_EQ(id_mismatches, 0u) << "of " << corpus.size();
  EXPECT_EQ(decode_mismatches, 0u) << "of " << corpus.size();
}

INSTANTIATE_TEST_SUITE_P(TrainedModels, SmallModelCorpusTest, testing::Values("bpe"));

TEST(SentencePieceTokenizerTest, GemmaIdsComeFromTheFile) {
  const Tokenizer& tok = Gemma();
  EXPECT_EQ(tok.kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(tok.vocab_size(), 262144);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.TokenToId("<start_of_turn>"), 105);
  EXPECT_EQ(tok.TokenToId("<end_of_turn>"), 106);
  EXPECT_EQ(tok.TokenToId("<pad>"), 0);
  EXPECT_EQ(tok.IdToToken(3), "<unk>");
  EXPECT_EQ(tok.TokenToId("no such piece"), std::nullopt);
  EXPECT_EQ(tok.IdToToken(262144), std::nullopt);
  EXPECT_TRUE(tok.IsSpecial(105));
  EXPECT_FALSE(tok.IsSpecial(9259));
  EXPECT_EQ(*tok.Encode("Hello world"), (std::vector<TokenId>{9259, 1902}));
  EXPECT_EQ(*tok.Encode("Hello world", /*add_special_tokens=*/true),
            (std::vector<TokenId>{2, 9259, 1902}));
  EXPECT_EQ(*tok.Encode("<start_of_turn>user\n"), (std::vector<TokenId>{105, 2364, 107}));
  EXPECT_EQ(*tok.Encode(""), std::vector<TokenId>{});
  EXPECT_EQ(*tok.Encode("\r"), std::vector<TokenId>{251});  // byte fallback <0x0D>
}

TEST(SentencePieceTokenizerTest, DecodeSpecialsAndBytes) {
  const Tokenizer& tok = Gemma();
  const std::vector<TokenId> ids = {2, 105, 9259, 3};
  EXPECT_EQ(*tok.Decode(ids), "<bos><start_of_turn>Hello<unk>");
  EXPECT_EQ(*tok.Decode(ids, /*skip_special_tokens=*/true), "Hello \xE2\x81\x87 ");
  // <0xC3><0xA9> is "é"; a lone <0xC3> is invalid UTF-8 → U+FFFD.
  EXPECT_EQ(*tok.Decode(std::vector<TokenId>{238 + 0xC3, 238 + 0xA9}), "\xC3\xA9");
  EXPECT_EQ(*tok.Decode(std::vector<TokenId>{238 + 0xC3, 9259}), "\xEF\xBF\xBDHello");
  auto bad = tok.Decode(std::vector<TokenId>{9259, 262144});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("gemma3_tokenizer.model"), std::string::npos);
  EXPECT_FALSE(tok.Decode(std::vector<TokenId>{-1}).ok());
}

TEST(SentencePieceTokenizerTest, InvalidUtf8BecomesReplacementCharacters) {
  const Tokenizer& tok = Gemma();
  auto ids = tok.Encode("a\xFF\xC3 b\xE2\x82");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*tok.Decode(*ids), "a\xEF\xBF\xBD\xEF\xBF\xBD b\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(SentencePieceTokenizerTest, TruncatedOrCorruptModelIsAnErrorNamingTheFile) {
  const std::string& model = GemmaModelBytes();
  ASSERT_FALSE(model.empty());
  const std::string origin = "/models/gemma/tokenizer.model";
  for (size_t size : {size_t{0}, size_t{1}, size_t{7}, size_t{100}, size_t{4096}, model.size() / 3,
                      model.size() / 2, model.size() - 100, model.size() - 1}) {
    auto tok = CreateSentencePieceTokenizer(std::string_view(model).substr(0, size), origin);
    ASSERT_FALSE(tok.ok()) << "truncated to " << size;
    EXPECT_NE(tok.status().message().find(origin), std::string::npos) << tok.status().ToString();
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {  // random byte damage: any result, never a crash
    std::string damaged = model.substr(0, 200000);
    for (int k = 0; k < 20; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto tok = CreateSentencePieceTokenizer(damaged, origin);
    if (!tok.ok()) {
      EXPECT_NE(tok.status().message().find(origin), std::string::npos);
    } else {
      (void)(*tok)->Encode("Hello <bos> world \xF0\x9F\x91\x8B");
    }
  }
  std::string garbage(5000, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  auto tok = CreateSentencePieceTokenizer(garbage, origin);
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find(origin), std::string::npos);
}

TEST(SentencePieceTokenizerTest, FromFileNamesAMissingFile) {
  auto tok = Tokenizer::FromFile("/nonexistent/dir/tokenizer.model");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("/nonexistent/dir/tokenizer.model"), std::string::npos);
  auto gemma = Tokenizer::FromFile(spm_corpus::GoldenPath("gemma3_tokenizer.model"));
  ASSERT_TRUE(gemma.ok()) << gemma.status().ToString();
  EXPECT_EQ(*(*gemma)->Encode("Hello world"), (std::vector<TokenId>{9259, 1902}));
}

}  // namespace
}  // namespace litertlm
