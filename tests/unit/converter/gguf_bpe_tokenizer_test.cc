// The tokenizer.json rebuilt from a GGUF byte-level BPE ("gpt2") vocabulary
// (converter/gguf_bpe_tokenizer.h) against the tokenizer.json the vocabulary came from:
//   - the real Qwen3 vocabulary (151,643 tokens + 26 added, 151,387 merges, padded to 151,936 as
//     convert_hf_to_gguf.py pads it), written into a GGUF at test time from the shared fixture
//     tokenizer.json, encodes the 2,400-string golden corpus (code, CJK, emoji, numbers,
//     whitespace runs, special tokens; Hugging Face tokenizers' ids in
//     tests/golden/tokenizer/corpus.jsonl.gz) to Hugging Face's ids and decodes them back to its text;
//   - a Llama 3 style vocabulary (the tiny fixture tests/golden/models/llama3_gqa, with
//     tokenizer.ggml.pre "llama-bpe") against that tokenizer.json given Meta's Llama 3
//     pre-tokenizer (\p{N}{1,3}) and ignore_merges, as upstream Llama 3 files have them: same ids
//     with and without BOS on the corpus;
//   - the gpt-2, smollm and llama-bpe families on the real Qwen3 vocabulary against Hugging Face
//     tokenizers given each family's own pre-tokenizer (tests/tools/make_bpe_pre_reference.py);
//   - errors: unknown pre, missing merges / token types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>

#include "converter/gguf_bpe_tokenizer.h"
#include "format/gguf_reader.h"
#include "format/gguf_vocab.h"
#include "litertlm/tokenizer.h"
#include "tokenizer/byte_level.h"
#include "unit/format/gguf_test_util.h"
#include "unit/tokenizer/tokenizer_test_util.h"
#include "util/json.h"

namespace litertlm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace litertlm::testing;

constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What convert_hf_to_gguf.py writes besides the vocabulary itself.
struct VocabExport {
  std::string pre;
  int vocab_size = 0;  // the model's; holes become "[PAD<id>]" UNUSED tokens
  std::optional<uint32_t> bos, eos, pad;
  std::optional<bool> add_bos;
};

// A GGUF (no tensors) holding `tokenizer_json`'s vocabulary as llama.cpp's _set_vocab_gpt2 exports
// it: vocabulary entries NORMAL; added tokens CONTROL when special or shaped "<|...|>", else
// USER_DEFINED, with their raw text; merges "a b". Returns the file's path.
std::string WriteVocabGguf(const std::string& tokenizer_json, const VocabExport& x,
                           const std::string& path) {
  auto doc = ParseJson(ReadText(tokenizer_json), tokenizer_json);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) return "";
  const rapidjson::Value& root = **doc;
  std::vector<std::string> tokens(static_cast<size_t>(x.vocab_size));
  std::vector<int32_t> types(tokens.size(), kUnused);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = "[PAD" + std::to_string(i) + "]";
  for (auto it = root["model"]["vocab"].MemberBegin(); it != root["model"]["vocab"].MemberEnd(); ++it) {
    const int id = it->value.GetInt();
    tokens[id].assign(it->name.GetString(), it->name.GetStringLength());
    types[id] = kNormal;
  }
  for (const auto& t : root["added_tokens"].GetArray()) {
    const int id = t["id"].GetInt();
    std::string content(t["content"].GetString(), t["content"].GetStringLength());
    const bool looks_special = content.starts_with("<|") && content.ends_with("|>");
    types[id] = t["special"].GetBool() || looks_special ? kControl : kUserDefined;
    tokens[id] = std::move(content);
  }
  std::vector<std::string> merges;
  for (const auto& m : root["model"]["merges"].GetArray()) {
    merges.push_back(m.IsString() ? std::string(m.GetString())
                                  : std::string(m[0].GetString()) + " " + m[1].GetString());
  }
  GgufBuilder b;
  b.AddString("general.architecture", "qwen3");
  b.AddString("tokenizer.ggml.model", "gpt2");
  b.AddString("tokenizer.ggml.pre", x.pre);
  b.AddStringArray("tokenizer.ggml.tokens", tokens);
  b.AddArray<int32_t>("tokenizer.ggml.token_type", kI32, types);
  b.AddStringArray("tokenizer.ggml.merges", merges);
  if (x.bos) b.AddU32("tokenizer.ggml.bos_token_id", *x.bos);
  if (x.eos) b.AddU32("tokenizer.ggml.eos_token_id", *x.eos);
  if (x.pad) b.AddU32("tokenizer.ggml.padding_token_id", *x.pad);
  if (x.add_bos) b.AddBool("tokenizer.ggml.add_bos_token", *x.add_bos);
  const std::vector<uint8_t> bytes = b.Build();
  WriteFile(path, std::string(bytes.begin(), bytes.end()));
  return path;
}

// The GGUF's vocabulary → rebuilt tokenizer.json → loaded tokenizer.
std::unique_ptr<Tokenizer> Rebuild(const std::string& gguf_path, std::string* json = nullptr) {
  auto gguf = GgufFile::Open(gguf_path);
  EXPECT_TRUE(gguf.ok()) << gguf.status().ToString();
  if (!gguf.ok()) return nullptr;
  auto vocab = ReadGgufVocab(**gguf);
  EXPECT_TRUE(vocab.ok()) << vocab.status().ToString();
  if (!vocab.ok()) return nullptr;
  auto built = converter::BuildHfTokenizerJson(*vocab, gguf_path);
  EXPECT_TRUE(built.ok()) << built.status().ToString();
  if (!built.ok()) return nullptr;
  if (json != nullptr) *json = *built;
  auto tok = Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson, *built, gguf_path);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(*tok) : nullptr;
}

std::string Show(const std::vector<TokenId>& ids) { return ::testing::PrintToString(ids); }

// Qwen3's real vocabulary as llama.cpp exports it (config vocab_size 151936; bos from config.json
// <|endoftext|>, eos <|im_end|>, pad <|endoftext|>, add_bos_token false from tokenizer_config).
const Tokenizer* RebuiltQwen3() {
  static std::unique_ptr<Tokenizer>* tok = [] {
    VocabExport x{"qwen2", 151936, 151643, 151645, 151643, false};
    const std::string path = WriteVocabGguf(FixtureTokenizerPath("qwen3"), x, ScratchDir() + "/qwen3_vocab.gguf");
    return new std::unique_ptr<Tokenizer>(path.empty() ? nullptr : Rebuild(path));
  }();
  return tok->get();
}

TEST(GgufBpeTokenizer, Qwen3RealVocabularyGivesHuggingFaceIdsOnTheCorpus) {
  const Tokenizer* tok = RebuiltQwen3();
  ASSERT_NE(tok, nullptr);
  const auto& corpus = Corpus();
  ASSERT_GE(corpus.size(), 2000u);
  size_t mismatches = 0, with_added = 0;
  for (const CorpusEntry& e : corpus) {
    const ModelReference& ref = e.ref.at("qwen3");
    auto ids = tok->Encode(e.text, false);
    auto ids_sp = tok->Encode(e.text, true);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    ASSERT_TRUE(ids_sp.ok()) << ids_sp.status().ToString();
    for (TokenId id : ref.ids) with_added += id >= 151643;
    if (*ids != ref.ids || *ids_sp != ref.ids_special) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "text " << ::testing::PrintToString(e.text) << "\n rebuilt " << Show(*ids)
                      << "\n hf      " << Show(ref.ids);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << corpus.size() << " strings";
  EXPECT_GT(with_added, 0u) << "the corpus must exercise added tokens";
}

// The only difference GGUF introduces: added tokens shaped "<|...|>" that Qwen3 marks
// non-special (<|fim_prefix|> ... <|file_sep|>) are CONTROL in GGUF, so special here.
TEST(GgufBpeTokenizer, Qwen3RealVocabularyDecodesLikeHuggingFace) {
  const Tokenizer* tok = RebuiltQwen3();
  const Tokenizer* original = FixtureTokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  ASSERT_NE(original, nullptr);
  std::set<TokenId> now_special;
  for (TokenId id = 151643; id < 151669; ++id) {
    ASSERT_EQ(tok->IdToToken(id), original->IdToToken(id)) << id;
    if (tok->IsSpecial(id) != original->IsSpecial(id)) {
      ASSERT_TRUE(tok->IsSpecial(id));
      const std::string t = *tok->IdToToken(id);
      ASSERT_TRUE(t.starts_with("<|") && t.ends_with("|>")) << t;
      now_special.insert(id);
    }
  }
  EXPECT_EQ(now_special.size(), 6u);  // fim_prefix/middle/suffix/pad, repo_name, file_sep
  size_t mismatches = 0, skip_compared = 0;
  for (const CorpusEntry& e : Corpus()) {
    const ModelReference& ref = e.ref.at("qwen3");
    auto text = tok->Decode(ref.ids, false);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    bool differs = *text != ref.decoded;
    if (std::none_of(ref.ids_special.begin(), ref.ids_special.end(),
                     [&](TokenId id) { return now_special.count(id) > 0; })) {
      auto skipped = tok->Decode(ref.ids_special, true);
      ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
      differs |= *skipped != ref.decoded_skip;
      ++skip_compared;
    }
    if (differs && ++mismatches <= 5) {
      ADD_FAILURE() << "ids " << Show(ref.ids) << "\n rebuilt " << ::testing::PrintToString(*text)
                    << "\n hf      " << ::testing::PrintToString(ref.decoded);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(skip_compared, Corpus().size() / 2);
  // Ids past the tokenizer (the padding up to the embedding size) decode to their "[PAD<id>]".
  const std::vector<TokenId> pad = {151935};
  EXPECT_EQ(tok->Decode(pad).value_or("?"), "[PAD151935]");
}

TEST(GgufBpeTokenizer, Qwen3JsonHasTheUpstreamShape) {
  VocabExport x{"qwen2", 151936, 151643, 151645, 151643, false};
  std::string json;
  ASSERT_NE(Rebuild(WriteVocabGguf(FixtureTokenizerPath("qwen3"), x, ScratchDir() + "/q.gguf"), &json),
            nullptr);
  auto rebuilt = ParseJson(json, "rebuilt");
  auto upstream = ParseJson(ReadText(FixtureTokenizerPath("qwen3")), "upstream");
  ASSERT_TRUE(rebuilt.ok() && upstream.ok());
  const rapidjson::Value& r = **rebuilt;
  const rapidjson::Value& u = **upstream;
  EXPECT_EQ(r["normalizer"], u["normalizer"]);
  EXPECT_EQ(r["pre_tokenizer"], u["pre_tokenizer"]);
  EXPECT_EQ(r["decoder"], u["decoder"]);
  EXPECT_EQ(r["post_processor"], u["post_processor"]);
  EXPECT_EQ(r["added_tokens"].Size(), u["added_tokens"].Size());
  // Upstream vocab + the 267 padding tokens; the same merges.
  EXPECT_EQ(r["model"]["vocab"].MemberCount(), u["model"]["vocab"].MemberCount() + 267);
  EXPECT_EQ(r["model"]["merges"].Size(), u["model"]["merges"].Size());
}

// Meta's Llama 3 tokenizer.json splits numbers in runs of up to three digits and sets
// ignore_merges; the tiny Llama 3 style fixture is given both, as the reference.
constexpr const char* kLlama3Split =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

std::unique_ptr<Tokenizer> Llama3Reference(const std::string& path) {
  rapidjson::Document d;
  std::string text = ReadText(path);
  d.Parse(text.data(), text.size());
  EXPECT_FALSE(d.HasParseError());
  rapidjson::Value& split = d["pre_tokenizer"]["pretokenizers"][0];
  EXPECT_STREQ(split["type"].GetString(), "Split");
  split["pattern"]["Regex"].SetString(kLlama3Split, d.GetAllocator());
  d["model"]["ignore_merges"].SetBool(true);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  auto tok = Tokenizer::FromBytes(TokenizerKind::kHfTokenizerJson,
                                  std::string_view(buf.GetString(), buf.GetSize()), path);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(*tok) : nullptr;
}

TEST(GgufBpeTokenizer, Llama3StyleVocabularyMatchesItsTokenizerWithBos) {
  const std::string src = GoldenDir() + "/models/llama3_gqa/tokenizer.json";
  // llama.cpp's llama-bpe default adds BOS; the GGUF leaves add_bos_token out to exercise it.
  VocabExport x{"llama-bpe", 384, 373, 382, std::nullopt, std::nullopt};
  auto tok = Rebuild(WriteVocabGguf(src, x, ScratchDir() + "/llama3_vocab.gguf"));
  auto ref = Llama3Reference(src);
  ASSERT_NE(tok, nullptr);
  ASSERT_NE(ref, nullptr);
  size_t mismatches = 0, multi_digit = 0;
  for (const CorpusEntry& e : Corpus()) {
    auto a = tok->Encode(e.text, true), b = ref->Encode(e.text, true);
    auto a0 = tok->Encode(e.text, false), b0 = ref->Encode(e.text, false);
    ASSERT_TRUE(a.ok() && b.ok() && a0.ok() && b0.ok());
    ASSERT_FALSE(a->empty());
    EXPECT_EQ((*a)[0], 373);
    std::vector<TokenId> with_bos = {373};
    with_bos.insert(with_bos.end(), a0->begin(), a0->end());
    auto back = tok->Decode(*a0);
    ASSERT_TRUE(back.ok());
    if (*a != *b || *a0 != *b0 || *a != with_bos || *back != e.text) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "text " << ::testing::PrintToString(e.text) << "\n rebuilt " << Show(*a)
                      << "\n ref     " << Show(*b);
      }
    }
    for (size_t i = 0; i + 3 < e.text.size(); ++i) {
      multi_digit += isdigit(static_cast<unsigned char>(e.text[i])) &&
                     isdigit(static_cast<unsigned char>(e.text[i + 1])) &&
                     isdigit(static_cast<unsigned char>(e.text[i + 2])) &&
                     isdigit(static_cast<unsigned char>(e.text[i + 3]));
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(multi_digit, 0u) << "the corpus must hold digit runs longer than 3";
}

// The Llama 3 regex is what the GGUF's `pre` selects: the same vocabulary tagged "qwen2" splits
// digits one by one, "llama-bpe" in threes.
TEST(GgufBpeTokenizer, PreSelectsTheDigitSplit) {
  const std::string src = GoldenDir() + "/models/llama3_gqa/tokenizer.json";
  VocabExport llama{"llama-bpe", 384, 373, 382, std::nullopt, false};
  VocabExport qwen{"qwen2", 384, 373, 382, std::nullopt, false};
  std::string llama_json, qwen_json;
  const std::string dir = ScratchDir();
  auto a = Rebuild(WriteVocabGguf(src, llama, dir + "/llama3.gguf"), &llama_json);
  auto b = Rebuild(WriteVocabGguf(src, qwen, dir + "/qwen2.gguf"), &qwen_json);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(llama_json, HasSubstr(R"(\\p{N}{1,3})"));
  EXPECT_THAT(llama_json, HasSubstr(R"("ignore_merges":true)"));
  EXPECT_THAT(qwen_json, Not(HasSubstr(R"(\\p{N}{1,3})")));
  EXPECT_THAT(qwen_json, HasSubstr(R"("normalizer":{"type":"NFC"})"));
  // add_bos_token false overrides llama-bpe's default: no BOS.
  EXPECT_EQ(a->Encode("7", true).value(), a->Encode("7", false).value());
}

// Each supported `pre` family on the real Qwen3 vocabulary against Hugging Face tokenizers given
// that family's upstream components (HF's Digits for smollm, ByteLevel's own GPT-2 regex for gpt-2,
// Meta's Llama 3 Split + ignore_merges): tests/golden/gguf/bpe_pre_reference.json.gz, made by
// tests/tools/make_bpe_pre_reference.py.
class GgufBpeFamilyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufBpeFamilyTest, IdsMatchHuggingFaceWithTheFamilysPreTokenizer) {
  rapidjson::Document ref;
  const std::string all = ReadGzip(GoldenDir() + "/gguf/bpe_pre_reference.json.gz");
  ref.Parse(all.data(), all.size());
  ASSERT_FALSE(ref.HasParseError());
  const rapidjson::Value& texts = ref["texts"];
  const rapidjson::Value& ids = ref["families"][GetParam().c_str()];
  ASSERT_EQ(texts.Size(), ids.Size());
  ASSERT_GT(texts.Size(), 500u);
  VocabExport x{GetParam(), 151936, 151643, 151645, 151643, false};
  auto tok = Rebuild(WriteVocabGguf(FixtureTokenizerPath("qwen3"), x, ScratchDir() + "/v.gguf"));
  ASSERT_NE(tok, nullptr);
  size_t mismatches = 0;
  for (rapidjson::SizeType i = 0; i < texts.Size(); ++i) {
    const std::string_view text(texts[i].GetString(), texts[i].GetStringLength());
    auto got = tok->Encode(text, false);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (*got != IdsOf(ids[i]) && ++mismatches <= 5) {
      ADD_FAILURE() << "text " << ::testing::PrintToString(std::string(text)) << "\n rebuilt "
                    << Show(*got) << "\n hf      " << Show(IdsOf(ids[i]));
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << texts.Size();
}

INSTANTIATE_TEST_SUITE_P(Families, GgufBpeFamilyTest,
                         ::testing::Values("gpt-2", "smollm", "llama-bpe"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(GgufBpeTokenizer, UnknownPreIsAOneLineErrorNamingFileAndValue) {
  const std::string src = GoldenDir() + "/models/qwen3_gqa/tokenizer.json";
  const std::string path = WriteVocabGguf(src, {"mystery-bpe", 384, 358, 360, 358, false},
                                         ScratchDir() + "/pre.gguf");
  auto gguf = GgufFile::Open(path);
  ASSERT_TRUE(gguf.ok());
  auto vocab = ReadGgufVocab(**gguf);
  ASSERT_TRUE(vocab.ok());
  auto r = converter::BuildHfTokenizerJson(*vocab, path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  EXPECT_THAT(r.status().message(), HasSubstr("tokenizer.ggml.pre 'mystery-bpe'"));
  EXPECT_THAT(r.status().message(), HasSubstr("qwen2"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("\n")));
}

TEST(GgufBpeTokenizer, InconsistentVocabulariesAreErrors) {
  // The 256 byte-level symbols and "ab".
  GgufVocab v;
  v.model = "gpt2";
  v.pre = "qwen2";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    v.tokens.emplace_back();
    hf::AppendByteLevel(std::string_view(&c, 1), &v.tokens.back());
  }
  v.tokens.push_back("ab");
  v.token_types.assign(v.tokens.size(), 1);
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("m.gguf: tokenizer.ggml.merges is missing"));
  v.merges = {"a b"};
  EXPECT_TRUE(converter::BuildHfTokenizerJson(v, "m.gguf").ok());
  v.merges = {"ab"};
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("tokenizer.ggml.merges[0] 'ab' is not two UTF-8 tokens"));
  v.merges = {"a b"};
  v.token_types = {};
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("tokenizer.ggml.token_type is missing"));
  v.token_types.assign(v.tokens.size(), 1);
  v.tokens.back() = "a";
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("holds 'a' twice (ids 97 and 256)"));
  v.tokens.back() = "a\xff";
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("tokenizer.ggml.tokens[256] is not valid UTF-8"));
  v.tokens.back() = "ab";
  v.pre = "";
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("m.gguf: tokenizer.ggml.pre is missing"));
  v.pre = "qwen2";
  v.add_bos = true;
  EXPECT_THAT(converter::BuildHfTokenizerJson(v, "m.gguf").status().message(),
              HasSubstr("no tokenizer.ggml.bos_token_id"));
  v.model = "llama";
  EXPECT_EQ(converter::BuildHfTokenizerJson(v, "m.gguf").status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace litertlm
