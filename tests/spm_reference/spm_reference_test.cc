// Checks the committed SentencePiece corpus against libsentencepiece (the reference). Links only
// libsentencepiece (+ zlib, GoogleTest): see CMakeLists.txt for why liblitertlm must stay out.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "spm_reference/spm_corpus.h"

namespace {

// libsentencepiece never recognises CONTROL pieces written in the text; Hugging Face does (all of
// Gemma's added tokens). The corpus follows HF: CONTROL/UNKNOWN pieces are matched leftmost-
// longest on the raw text and each plain segment in between is encoded by libsentencepiece.
class ReferenceEncoder {
 public:
  explicit ReferenceEncoder(const sentencepiece::SentencePieceProcessor& sp) : sp_(sp) {
    for (int id = 0; id < sp.GetPieceSize(); ++id) {
      if (!sp.IsControl(id) && !sp.IsUnknown(id)) continue;
      const std::string& piece = sp.IdToPiece(id);
      specials_.emplace(piece, id);
      first_bytes_[static_cast<unsigned char>(piece[0])] = true;
      max_len_ = std::max(max_len_, piece.size());
    }
  }

  bool Encode(std::string_view text, std::vector<int>* ids) const {
    ids->clear();
    size_t seg = 0, i = 0;
    while (i < text.size()) {
      size_t match_len = 0;
      int match_id = -1;
      if (first_bytes_[static_cast<unsigned char>(text[i])]) {
        for (size_t n = std::min(max_len_, text.size() - i); n > 0 && match_len == 0; --n) {
          auto it = specials_.find(std::string(text.substr(i, n)));
          if (it != specials_.end()) {
            match_len = n;
            match_id = it->second;
          }
        }
      }
      if (match_len == 0) {
        ++i;
        continue;
      }
      if (!EncodeSegment(text.substr(seg, i - seg), ids)) return false;
      ids->push_back(match_id);
      i += match_len;
      seg = i;
    }
    return EncodeSegment(text.substr(seg), ids);
  }

 private:
  bool EncodeSegment(std::string_view segment, std::vector<int>* ids) const {
    if (segment.empty()) return true;
    std::vector<int> part;
    if (!sp_.Encode(segment, &part).ok()) return false;
    ids->insert(ids->end(), part.begin(), part.end());
    return true;
  }

  const sentencepiece::SentencePieceProcessor& sp_;
  std::unordered_map<std::string, int> specials_;
  bool first_bytes_[256] = {};
  size_t max_len_ = 0;
};

class SpmReferenceTest : public testing::TestWithParam<std::string> {};

// Corpus "<name>_corpus.jsonl.gz" and its model in tests/golden/tokenizer_spm/.
TEST_P(SpmReferenceTest, LibSentencePieceReproducesTheCommittedCorpus) {
  const std::string model = spm_corpus::GoldenPath(GetParam() == "gemma3" ? "gemma3_tokenizer.model"
                                                                          : GetParam() + ".model");
  ASSERT_FALSE(model.empty()) << "neither LITERTLM_GOLDEN_DIR nor LITERTLM_SOURCE_DIR is set";
  sentencepiece::SentencePieceProcessor sp;
  const auto status = sp.Load(model);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<spm_corpus::Entry> corpus;
  std::string error;
  ASSERT_TRUE(spm_corpus::ReadCorpus(spm_corpus::GoldenPath(GetParam() + "_corpus.jsonl.gz"),
                                     &corpus, &error))
      << error;
  ASSERT_GE(corpus.size(), 2000u);
  const ReferenceEncoder encoder(sp);
  size_t id_mismatches = 0, decode_mismatches = 0;
  std::vector<int> ids;
  for (const auto& entry : corpus) {
    ASSERT_TRUE(encoder.Encode(entry.text, &ids));
    if (ids != entry.ids && ++id_mismatches <= 5) {
      ADD_FAILURE() << "libsentencepiece ids differ for: " << entry.text.substr(0, 200);
    }
    std::string decoded;
    ASSERT_TRUE(sp.Decode(entry.ids, &decoded).ok());
    if (decoded != entry.decoded_skip && ++decode_mismatches <= 5) {
      ADD_FAILURE() << "libsentencepiece decode differs for: " << entry.text.substr(0, 200);
    }
  }
  EXPECT_EQ(id_mismatches, 0u) << "of " << corpus.size();
  EXPECT_EQ(decode_mismatches, 0u) << "of " << corpus.size();
  std::printf("%s: libsentencepiece agrees on %zu/%zu corpus strings\n", GetParam().c_str(),
              corpus.size() - id_mismatches, corpus.size());
}

INSTANTIATE_TEST_SUITE_P(Models, SpmReferenceTest, testing::Values("gemma3", "small_bpe"));

}  // namespace
