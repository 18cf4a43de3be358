// libFuzzer target: SentencePiece tokenizer.model parser + encoder + decoder.
// Input layout: [1 byte: mode][rest]. Mode even: the rest is a tokenizer.model (parsed; when it
// loads, a fixed set of texts is encoded and decoded). Mode odd: the rest is text, encoded and
// decoded with a small valid BPE model built once (exercises normalizer, user-defined / control
// matching, BPE merges, byte fallback and decoding on arbitrary bytes). Any crash, sanitizer
// report or Decode(Encode) that is not a string is a bug; errors are fine.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/tokenizer.h"
#include "tokenizer/sentencepiece_model.pb.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace {

std::string SmallModel() {
  litertlm::spm::ModelProto m;
  auto add = [&m](const std::string& piece, float score, int type) {
    auto* p = m.add_pieces();
    p->set_piece(piece);
    p->set_score(score);
    p->set_type(type);
  };
  add("<unk>", 0, 2);
  add("<bos>", 0, 3);
  add("<eos>", 0, 3);
  add("<start_of_turn>", 0, 3);
  add("\n\n", 0, 4);
  add("\xE2\x96\x81\xE2\x96\x81", 0, 4);
  add("<b>", 0, 4);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    add(name, 0, 6);
  }
  const char* pieces[] = {"\xE2\x96\x81",
                          "a",
                          "b",
                          "c",
                          "d",
                          "e",
                          "\xE2\x96\x81"
                          "a",
                          "ab",
                          "abc",
                          "ba",
                          "cd",
                          "\xE2\x96\x81"
                          "ab",
                          "dd",
                          "ee",
                          "de",
                          "\xC3\xA9",
                          "x",
                          "xx"};
  float score = 0;
  for (const char* p : pieces) add(p, score -= 1.0f, p[0] == 'x' ? 5 : 1);
  m.mutable_trainer_spec()->set_model_type(2);
  m.mutable_trainer_spec()->set_byte_fallback(true);
  m.mutable_normalizer_spec()->set_add_dummy_prefix(false);
  m.mutable_normalizer_spec()->set_remove_extra_whitespaces(false);
  return m.SerializeAsString();
}

void Exercise(const litertlm::Tokenizer& tok, std::string_view text) {
  auto ids = tok.Encode(text, /*add_special_tokens=*/true);
  if (!ids.ok()) return;
  for (litertlm::TokenId id : *ids) {
    if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
  }
  auto decoded = tok.Decode(*ids);
  auto skipped = tok.Decode(*ids, /*skip_special_tokens=*/true);
  if (!decoded.ok() || !skipped.ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto tok = litertlm::CreateSentencePieceTokenizer(rest, "fuzz.model");
    if (!tok.ok()) return 0;
    for (std::string_view text : {"", "abc de", "  <bos>\n\n\xC3\xA9\xFF", "xx ab\xE2\x96\x81"}) {
      Exercise(**tok, text);
    }
    return 0;
  }
  static const auto* small = [] {
    auto tok = litertlm::CreateSentencePieceTokenizer(SmallModel(), "small.model");
    if (!tok.ok()) __builtin_trap();
    return std::move(*tok).release();
  }();
  Exercise(*small, rest);
  // Decode arbitrary ids too (out-of-range ids must be an error, not a crash).
  std::vector<litertlm::TokenId> ids;
  for (size_t i = 0; i + 1 < rest.size(); i += 2) {
    ids.push_back(static_cast<int16_t>(static_cast<uint8_t>(rest[i]) |
                                       (static_cast<uint8_t>(rest[i + 1]) << 8)) %
                  400);
  }
  (void)small->Decode(ids);
  return 0;
}
