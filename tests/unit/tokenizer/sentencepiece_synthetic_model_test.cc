// Behaviour on small hand-built models: the normalizer flags, UNUSED-piece resegmentation,
// user-defined pieces, and the settings we refuse (with an error naming the field).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "litertlm/tokenizer.h"
#include "tokenizer/sentencepiece_model.pb.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace litertlm {
namespace {

using Proto = spm::ModelProto;

void AddPiece(Proto* m, const std::string& piece, float score, int type = 1) {
  auto* p = m->add_pieces();
  p->set_piece(piece);
  p->set_score(score);
  if (type != 1) p->set_type(type);
}

// <unk> <s> </s> then single characters and a few merges.
Proto SmallBpe() {
  Proto m;
  AddPiece(&m, "<unk>", 0, 2);
  AddPiece(&m, "<s>", 0, 3);
  AddPiece(&m, "</s>", 0, 3);
  int score = 0;
  for (const char* p : {"\xE2\x96\x81", "a", "b", "c", "h", "i"})
    AddPiece(&m, p, -100.0f - score++);
  AddPiece(&m, "ab", -1, 5);  // UNUSED, highest merge score
  AddPiece(&m, "abc", -2);    // reachable only through "ab"
  AddPiece(&m, "\xE2\x96\x81hi", -3);
  AddPiece(&m, "\xE2\x96\x81h", -4);
  AddPiece(&m, "[X]", 0, 4);  // USER_DEFINED
  m.mutable_trainer_spec()->set_model_type(2);
  m.mutable_normalizer_spec()->set_name("identity");
  return m;
}

std::vector<std::string> Pieces(const Proto& m, const std::string& text) {
  auto tok = CreateSentencePieceTokenizer(m.SerializeAsString(), "small.model");
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  std::vector<std::string> out;
  if (!tok.ok()) return out;
  const auto ids = (*tok)->Encode(text);
  EXPECT_TRUE(ids.ok());
  if (!ids.ok()) return out;
  for (TokenId id : *ids) out.push_back(*(*tok)->IdToToken(id));
  return out;
}

using V = std::vector<std::string>;
const std::string kWs = "\xE2\x96\x81";

TEST(SentencePieceSyntheticTest, DefaultNormalizerAddsDummyPrefixAndCollapsesSpaces) {
  const Proto m = SmallBpe();
  EXPECT_EQ(Pieces(m, "hi"), (V{kWs + "hi"}));
  EXPECT_EQ(Pieces(m, "  hi   hi  "), (V{kWs + "hi", kWs + "hi"}));
  auto tok = CreateSentencePieceTokenizer(m.SerializeAsString(), "small.model");
  ASSERT_TRUE(tok.ok());
  auto ids = (*tok)->Encode("hi hi");
  EXPECT_EQ(*(*tok)->Decode(*ids), "hi hi");  // the dummy-prefix space is dropped
  EXPECT_EQ((*tok)->bos_id(), 1);
  EXPECT_EQ((*tok)->eos_id(), 2);
}

TEST(SentencePieceSyntheticTest, FlagsOffKeepSpaces) {
  Proto m = SmallBpe();
  m.mutable_normalizer_spec()->set_add_dummy_prefix(false);
  m.mutable_normalizer_spec()->set_remove_extra_whitespaces(false);
  EXPECT_EQ(Pieces(m, "hi  h"), (V{"h", "i", kWs, kWs + "h"}));
}

TEST(SentencePieceSyntheticTest, UnusedPiecesAreResegmented) {
  Proto m = SmallBpe();
  m.mutable_normalizer_spec()->set_add_dummy_prefix(false);
  EXPECT_EQ(Pieces(m, "abc"), (V{"abc"}));
  EXPECT_EQ(Pieces(m, "ab"), (V{"a", "b"}));
}

TEST(SentencePieceSyntheticTest, UserDefinedAndUnknown) {
  Proto m = SmallBpe();
  m.mutable_normalizer_spec()->set_add_dummy_prefix(false);
  EXPECT_EQ(Pieces(m, "a[X]b"), (V{"a", "[X]", "b"}));
  EXPECT_EQ(Pieces(m, "aZ"), (V{"a", "<unk>"}));  // no byte fallback
  // A run of unknown symbols is one <unk>, as libsentencepiece does.
  EXPECT_EQ(Pieces(m, "aZZbZ"), (V{"a", "<unk>", "b", "<unk>"}));
  EXPECT_EQ(Pieces(m, "<s>a</s>"), (V{"<s>", "a", "</s>"}));  // CONTROL pieces in text
}

Status Load(const Proto& m) {
  auto tok = CreateSentencePieceTokenizer(m.SerializeAsString(), "bad.model");
  return tok.ok() ? Status() : tok.status();
}

void ExpectError(const Proto& m, StatusCode code, const std::string& field) {
  const Status s = Load(m);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find("bad.model"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(field), std::string::npos) << s.ToString();
}

TEST(SentencePieceSyntheticTest, RefusedSettingsNameTheField) {
  Proto m = SmallBpe();
  m.mutable_trainer_spec()->set_model_type(1);
  ExpectError(m, StatusCode::kUnimplemented, "model_type = 1 (UNIGRAM)");
  m = SmallBpe();
  m.mutable_trainer_spec()->clear_model_type();  // the proto default is UNIGRAM
  ExpectError(m, StatusCode::kUnimplemented, "model_type = 1");
  m = SmallBpe();
  m.mutable_trainer_spec()->set_model_type(3);
  ExpectError(m, StatusCode::kUnimplemented, "model_type = 3 (WORD)");
  m = SmallBpe();
  m.mutable_trainer_spec()->set_model_type(7);
  ExpectError(m, StatusCode::kUnimplemented, "model_type = 7");
  m = SmallBpe();
  m.mutable_normalizer_spec()->set_precompiled_charsmap("\x01\x02\x03");
  ExpectError(m, StatusCode::kUnimplemented, "normalizer_spec.precompiled_charsmap");
  m = SmallBpe();
  m.mutable_denormalizer_spec()->set_precompiled_charsmap("\x01");
  ExpectError(m, StatusCode::kUnimplemented, "denormalizer_spec.precompiled_charsmap");
  m = SmallBpe();
  m.mutable_trainer_spec()->set_treat_whitespace_as_suffix(true);
  ExpectError(m, StatusCode::kUnimplemented, "treat_whitespace_as_suffix");
  m = SmallBpe();
  m.mutable_pieces(0)->set_type(1);
  ExpectError(m, StatusCode::kInvalidArgument, "UNKNOWN");
  m = SmallBpe();
  m.mutable_pieces(5)->set_type(9);
  ExpectError(m, StatusCode::kInvalidArgument, "pieces[5].type = 9");
  m = SmallBpe();
  m.mutable_pieces(5)->set_piece("a");
  ExpectError(m, StatusCode::kInvalidArgument, "duplicates");
  m = SmallBpe();
  AddPiece(&m, "<0x41>", 0, 6);
  ExpectError(m, StatusCode::kInvalidArgument, "byte_fallback");
  m = SmallBpe();
  m.clear_normalizer_spec();
  ExpectError(m, StatusCode::kInvalidArgument, "normalizer_spec");
  m = SmallBpe();
  m.mutable_pieces(4)->set_piece("");
  ExpectError(m, StatusCode::kInvalidArgument, "pieces[4].piece is empty");
}

TEST(SentencePieceSyntheticTest, UnknownFieldsAreKeptAndIgnored) {
  Proto m = SmallBpe();
  m.mutable_unknown_fields()->AddVarint(4, 1);  // self_test_data is not in our schema
  EXPECT_TRUE(Load(m).ok());
}

}  // namespace
}  // namespace litertlm
