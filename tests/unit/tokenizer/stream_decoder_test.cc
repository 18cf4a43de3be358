// StreamDecoder over the tokenizer.json tokenizers: never half a UTF-8 character, no dropped
// bytes, concatenation of Push()+Flush() == Decode() — on the whole corpus and on hand-made
// cases (multi-byte characters split across byte-level tokens, byte-fallback runs).
#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer_test_util.h"

namespace litertlm::testing {
namespace {

bool IsValidUtf8(const std::string& s) { return hf::ValidUtf8Prefix(s) == s.size(); }

// Streams `ids`; checks every chunk is valid UTF-8 and the total equals Decode(ids).
void ExpectStreamsLikeDecode(const Tokenizer& tok, const std::vector<TokenId>& ids, bool skip) {
  StreamDecoder stream(tok, skip);
  std::string total;
  for (TokenId id : ids) {
    auto piece = stream.Push(id);
    ASSERT_TRUE(piece.ok()) << piece.status().ToString();
    EXPECT_TRUE(IsValidUtf8(*piece));
    total += *piece;
  }
  total += stream.Flush();
  auto whole = tok.Decode(ids, skip);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(total, *whole);
}

class StreamDecoderTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamDecoderTest, ConcatenationEqualsDecodeOnCorpus) {
  const Tokenizer* tok = FixtureTokenizer(GetParam());
  ASSERT_NE(tok, nullptr);
  for (const CorpusEntry& e : Corpus()) {
    const ModelReference& ref = e.ref.at(GetParam());
    ExpectStreamsLikeDecode(*tok, ref.ids, false);
    ExpectStreamsLikeDecode(*tok, ref.ids_special, true);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "text " << ::testing::PrintToString(e.text);
      return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, StreamDecoderTest, ::testing::Values("qwen3", "gemma3"));

TEST(StreamDecoder, HoldsBackSplitUtf8InByteLevelTokens) {
  const Tokenizer* tok = FixtureTokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  // U+200D (ZWJ, E2 80 8D) is split over the tokens "âĢ" and "į" in Qwen3's vocabulary.
  auto a = tok->TokenToId("âĢ");
  auto b = tok->TokenToId("į");
  ASSERT_TRUE(a && b);
  StreamDecoder stream(*tok);
  auto first = stream.Push(*a);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "");  // incomplete character held back
  auto second = stream.Push(*b);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "\u200d");
  EXPECT_EQ(stream.Flush(), "");
}

TEST(StreamDecoder, IncompleteTailIsFlushedAsReplacement) {
  const Tokenizer* tok = FixtureTokenizer("qwen3");
  ASSERT_NE(tok, nullptr);
  auto a = tok->TokenToId("âĢ");
  ASSERT_TRUE(a);
  StreamDecoder stream(*tok);
  auto hello = tok->Encode("Hello", false);
  ASSERT_TRUE(hello.ok());
  std::string out;
  for (TokenId id : *hello) out += *stream.Push(id);
  EXPECT_EQ(out, "Hello");
  EXPECT_EQ(*stream.Push(*a), "");
  std::vector<TokenId> all(*hello);
  all.push_back(*a);
  EXPECT_EQ(out + stream.Flush(), *tok->Decode(all, false));
}

TEST(StreamDecoder, ByteFallbackRuns) {
  const Tokenizer* tok = FixtureTokenizer("gemma3");
  ASSERT_NE(tok, nullptr);
  // U+3000 has no piece in Gemma3: it is encoded as <0xE3><0x80><0x80>.
  auto ids = tok->Encode("a\u3000b", false);
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 5u);
  StreamDecoder stream(*tok);
  std::vector<std::string> pieces;
  for (TokenId id : *ids) pieces.push_back(*stream.Push(id));
  pieces.push_back(stream.Flush());
  EXPECT_EQ(pieces[0], "a");
  EXPECT_EQ(pieces[1], "");
  EXPECT_EQ(pieces[2], "");
  EXPECT_EQ(pieces[3], "");
  EXPECT_EQ(pieces[4], "\u3000b");
  // An invalid run turns every byte of it into U+FFFD (HF ByteFallback), also when streamed.
  auto e3 = tok->TokenToId("<0xE3>");
  auto ff = tok->TokenToId("<0xFF>");
  ASSERT_TRUE(e3 && ff);
  std::vector<TokenId> bad = {*e3, *ff, (*ids)[0]};
  ExpectStreamsLikeDecode(*tok, bad, false);
  EXPECT_EQ(*tok->Decode(bad, false), "\uFFFD\uFFFDa");
}

TEST(StreamDecoder, SkipsSpecialTokensAndRejectsUnknownIds) {
  const Tokenizer* tok = FixtureTokenizer("gemma3");
  ASSERT_NE(tok, nullptr);
  StreamDecoder stream(*tok, /*skip_special_tokens=*/true);
  EXPECT_EQ(*stream.Push(2), "");  // <bos>
  EXPECT_FALSE(stream.Push(tok->vocab_size() + 5).ok());
  EXPECT_EQ(*stream.Push(9259), "Hello");
  stream.Reset();
  EXPECT_EQ(*stream.Push(1902), " world");
}

}  // namespace
}  // namespace litertlm::testing
