// tokenizer.json loading: added-token flags (lstrip/rstrip/single_word/normalized) and the Strip
// decoder against HF goldens, both merge encodings, errors that name the file and the field,
// corrupt/truncated files, metadata (vocab size, special ids).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tokenizer_test_util.h"

namespace litertlm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SeedPath(const std::string& name) {
  return SourceDir() + "/tests/fuzz/seeds/tokenizer_json/" + name;
}

std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return sb.GetString();
}

TEST(HfTokenizerJson, AddedTokenFlagsAndStripDecoderMatchHf) {
  rapidjson::Document golden;
  golden.Parse(ReadFile(TokenizerGoldenPath("added_token_flags.json")).c_str());
  ASSERT_TRUE(golden.IsObject());
  auto tok = Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson, ToJson(golden["tokenizer"]),
                                  "flags/tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  int checked = 0;
  for (const auto& c : golden["cases"].GetArray()) {
    std::string text(c["text"].GetString(), c["text"].GetStringLength());
    auto ids = (*tok)->Encode(text, false);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, IdsOf(c["ids"])) << ::testing::PrintToString(text);
    for (bool skip : {false, true}) {
      const auto& want = c[skip ? "decoded_skip" : "decoded"];
      if (want.IsNull()) continue;  // HF panics there
      auto got = (*tok)->Decode(*ids, skip);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(*got, std::string(want.GetString(), want.GetStringLength()))
          << ::testing::PrintToString(text) << " skip=" << skip;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(HfTokenizerJson, BothMergeEncodingsGiveTheSameIds) {
  for (const char* m : {"qwen3", "gemma3"}) {
    auto pairs = Tokenizer::FromFile(SeedPath(std::string("mini_") + m + ".json"));
    auto strings = Tokenizer::FromFile(SeedPath(std::string("mini_") + m + "_string_merges.json"));
    ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
    ASSERT_TRUE(strings.ok()) << strings.status().ToString();
    for (const CorpusEntry& e : Corpus()) {
      auto a = (*pairs)->Encode(e.text, true);
      auto b = (*strings)->Encode(e.text, true);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(*a, *b) << ::testing::PrintToString(e.text);
    }
  }
}

// Replaces the JSON value at `field` (top-level member) of the mini Qwen3 tokenizer.
std::string MiniWith(const char* field, const char* json_value) {
  rapidjson::Document d;
  d.Parse(ReadFile(SeedPath("mini_qwen3.json")).c_str());
  rapidjson::Document v(&d.GetAllocator());
  v.Parse(json_value);
  d[field].CopyFrom(v, d.GetAllocator());
  return ToJson(d);
}

void ExpectError(const std::string& json, const std::string& needle) {
  auto tok = Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson, json, "x/tokenizer.json");
  ASSERT_FALSE(tok.ok()) << needle;
  EXPECT_EQ(tok.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tok.status().message().find("x/tokenizer.json"), std::string::npos)
      << tok.status().message();
  EXPECT_NE(tok.status().message().find(needle), std::string::npos) << tok.status().message();
}

TEST(HfTokenizerJson, UnknownTypesNameTheField) {
  ExpectError(MiniWith("normalizer", R"({"type":"Lowercase"})"), "field 'normalizer.type'");
  ExpectError(MiniWith("normalizer", R"({"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Strip"}]})"),
              "field 'normalizer.normalizers[1].type'");
  ExpectError(MiniWith("pre_tokenizer", R"({"type":"Metaspace"})"), "field 'pre_tokenizer.type'");
  ExpectError(MiniWith("decoder", R"({"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"CTC"}]})"),
              "field 'decoder.decoders[1].type'");
  ExpectError(MiniWith("post_processor", R"({"type":"Whatever"})"), "field 'post_processor.type'");
  ExpectError(MiniWith("model", R"({"type":"Unigram","vocab":[]})"), "field 'model.type'");
  ExpectError(MiniWith("model", R"({"type":"BPE","vocab":{"a":0},"merges":[["a","b"]]})"),
              "model.merges[0]");
  ExpectError(MiniWith("model", R"({"type":"BPE","vocab":{"a":0},"merges":["a b c"]})"),
              "field 'model.merges[0]'");
  ExpectError(MiniWith("model", R"({"type":"BPE","vocab":{"a":-4}})"), "field 'model.vocab.a'");
  ExpectError(MiniWith("pre_tokenizer", R"({"type":"Split","pattern":{"Regex":"(unclosed"},"behavior":"Isolated"})"),
              "pre_tokenizer.pattern.Regex");
  ExpectError(MiniWith("added_tokens", R"([{"id":"7","content":"x"}])"), "field 'added_tokens[0].id'");
  ExpectError("[1,2]", "top level");
}

TEST(HfTokenizerJson, TruncatedRealFileIsAnErrorNamingTheFile) {
  std::string full = ReadFile(FixtureTokenizerPath("qwen3"));
  ASSERT_GT(full.size(), 1000000u);
  std::string path = ScratchDir() + "/tokenizer.json";
  for (size_t len : {size_t{0}, size_t{1}, size_t{100}, size_t{5000}, full.size() / 2, full.size() - 2}) {
    std::ofstream(path, std::ios::binary).write(full.data(), static_cast<std::streamsize>(len));
    auto tok = Tokenizer::FromFile(path);
    ASSERT_FALSE(tok.ok()) << len;
    EXPECT_NE(tok.status().message().find(path), std::string::npos) << tok.status().message();
  }
}

TEST(HfTokenizerJson, CorruptedFilesNeverCrash) {
  std::string seed = ReadFile(SeedPath("mini_qwen3.json"));
  ASSERT_FALSE(seed.empty());
  std::mt19937 rng(7);
  int loaded = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s = seed;
    for (int k = 0; k < 1 + i % 5; ++k) s[rng() % s.size()] = static_cast<char>(rng() & 0xFF);
    auto tok = Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson, s, "corrupt.json");
    if (!tok.ok()) {
      EXPECT_NE(tok.status().message().find("corrupt.json"), std::string::npos);
      continue;
    }
    ++loaded;
    auto ids = (*tok)->Encode("Hello world, <|im_end|> 123", true);
    if (ids.ok()) (void)(*tok)->Decode(*ids, false);
  }
  std::printf("%d of 300 corrupted files still loaded\n", loaded);
}

TEST(HfTokenizerJson, MetadataOfTheRealFiles) {
  const Tokenizer* qwen = FixtureTokenizer("qwen3");
  const Tokenizer* gemma = FixtureTokenizer("gemma3");
  ASSERT_TRUE(qwen && gemma);
  EXPECT_EQ(qwen->kind(), TokenizerKind::kHfTokenizerJson);
  EXPECT_EQ(qwen->vocab_size(), 151669);
  EXPECT_EQ(gemma->vocab_size(), 262145);
  EXPECT_EQ(qwen->bos_id(), std::nullopt);
  EXPECT_EQ(qwen->eos_id(), std::optional<TokenId>(151645));
  EXPECT_EQ(gemma->bos_id(), std::optional<TokenId>(2));
  EXPECT_EQ(gemma->eos_id(), std::optional<TokenId>(106));
  EXPECT_TRUE(qwen->IsSpecial(151645));
  EXPECT_FALSE(qwen->IsSpecial(151667));  // <think> is added but not special
  EXPECT_TRUE(gemma->IsSpecial(105));
  EXPECT_FALSE(gemma->IsSpecial(203));  // <s>
  EXPECT_EQ(qwen->IdToToken(220), std::optional<std::string>("\xC4\xA0"));  // "Ġ"
  EXPECT_EQ(qwen->TokenToId("<think>"), std::optional<TokenId>(151667));
  EXPECT_EQ(gemma->TokenToId("<0x0D>"), std::optional<TokenId>(251));
  EXPECT_EQ(gemma->IdToToken(262144), std::optional<std::string>("<image_soft_token>"));
  EXPECT_EQ(qwen->IdToToken(151669), std::nullopt);
}

TEST(HfTokenizerJson, InputErrors) {
  const Tokenizer* qwen = FixtureTokenizer("qwen3");
  ASSERT_NE(qwen, nullptr);
  auto bad = qwen->Encode("ab\xC3", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  std::vector<TokenId> out_of_range = {1, 151669};
  EXPECT_EQ(qwen->Decode(out_of_range, false).status().code(), StatusCode::kInvalidArgument);
  std::vector<TokenId> negative = {-1};
  EXPECT_FALSE(qwen->Decode(negative, false).ok());
  auto missing = Tokenizer::FromFile("/nonexistent/dir/tokenizer.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto dir = Tokenizer::FromFile(SharedDir() + "/fixtures/tokenizers/qwen3");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(*(*dir)->Encode("Hello world", false), (std::vector<TokenId>{9707, 1879}));
}

}  // namespace
}  // namespace litertlm::testing
