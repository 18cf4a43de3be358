// The tokenizer.json path against Hugging Face `tokenizers` 0.23.3 on the golden corpus
// (tests/golden/tokenizer, made by tests/tools/make_tokenizer_corpus.py): ids with and without
// special tokens, decode output, round trips, and the 1 MB document.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "tokenizer_test_util.h"

namespace litertlm::testing {
namespace {

std::string Show(const std::vector<TokenId>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

class HfCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST(HfCorpus, CorpusIsLargeEnough) { EXPECT_GE(Corpus().size(), 2000u); }

TEST_P(HfCorpusTest, IdsMatchHuggingFace) {
  const Tokenizer* tok = FixtureTokenizer(GetParam());
  ASSERT_NE(tok, nullptr);
  const auto& corpus = Corpus();
  ASSERT_FALSE(corpus.empty());
  size_t mismatches = 0;
  for (const CorpusEntry& e : corpus) {
    const ModelReference& ref = e.ref.at(GetParam());
    auto ids = tok->Encode(e.text, false);
    auto ids_sp = tok->Encode(e.text, true);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    ASSERT_TRUE(ids_sp.ok()) << ids_sp.status().ToString();
    if (*ids != ref.ids || *ids_sp != ref.ids_special) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "text " << ::testing::PrintToString(e.text) << "\n ours " << Show(*ids)
                      << "\n hf   " << Show(ref.ids) << "\n ours+sp " << Show(*ids_sp)
                      << "\n hf+sp   " << Show(ref.ids_special);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << corpus.size() << " strings";
}

TEST_P(HfCorpusTest, DecodeMatchesHuggingFace) {
  const Tokenizer* tok = FixtureTokenizer(GetParam());
  ASSERT_NE(tok, nullptr);
  size_t mismatches = 0, round_trips = 0;
  for (const CorpusEntry& e : Corpus()) {
    const ModelReference& ref = e.ref.at(GetParam());
    auto text = tok->Decode(ref.ids, false);
    auto skipped = tok->Decode(ref.ids_special, true);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
    if (*text != ref.decoded || *skipped != ref.decoded_skip) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "ids " << Show(ref.ids) << "\n ours " << ::testing::PrintToString(*text)
                      << "\n hf   " << ::testing::PrintToString(ref.decoded) << "\n ours(skip) "
                      << ::testing::PrintToString(*skipped) << "\n hf(skip)   "
                      << ::testing::PrintToString(ref.decoded_skip);
      }
    }
    // Exact round trip wherever Hugging Face round-trips.
    if (ref.decoded == e.text) {
      ++round_trips;
      EXPECT_EQ(*text, e.text);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(round_trips, Corpus().size() / 2);
  std::printf("[%s] %zu of %zu strings round-trip exactly (as in HF)\n", GetParam().c_str(),
              round_trips, Corpus().size());
}

TEST_P(HfCorpusTest, LongDocumentMatchesHuggingFace) {
  const Tokenizer* tok = FixtureTokenizer(GetParam());
  ASSERT_NE(tok, nullptr);
  std::ifstream in(TokenizerGoldenPath("long_document.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document info;
  info.Parse(ss.str().c_str());
  ASSERT_TRUE(info.IsObject());
  std::string doc = LongDocument(Corpus());
  ASSERT_EQ(doc.size(), info["bytes"].GetUint64());
  auto start = std::chrono::steady_clock::now();
  auto ids = tok->Encode(doc, false);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  const auto& ref = info[GetParam().c_str()];
  EXPECT_EQ(ids->size(), ref["count"].GetUint64());
  EXPECT_EQ(Sha256Hex(ids->data(), ids->size() * sizeof(TokenId)),
            ref["ids_sha256_le_int32"].GetString());
  auto text = tok->Decode(*ids, false);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(Sha256Hex(text->data(), text->size()), ref["decoded_sha256"].GetString());
  std::printf("[%s] 1 MB document: %zu ids in %.3f s\n", GetParam().c_str(), ids->size(), secs);
}

INSTANTIATE_TEST_SUITE_P(Models, HfCorpusTest, ::testing::Values("qwen3", "gemma3"));

}  // namespace
}  // namespace litertlm::testing
