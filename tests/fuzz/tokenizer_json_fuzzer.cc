// libFuzzer target: tokenizer.json loading (any bytes) and, when a file loads, encoding and
// decoding through it. Must never crash; errors are statuses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto tok = litertlm::Tokenizer::FromBytes(litertlm::TokenizerKind::kHfTokenizerJson, bytes,
                                            "fuzz/tokenizer.json");
  if (!tok.ok()) return 0;
  static const char* kTexts[] = {"", "Hello world", "  a\tb\r\n\n", "<|im_end|>x<s>",
                                 "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 12345"};
  for (const char* text : kTexts) {
    auto ids = (*tok)->Encode(text, true);
    if (!ids.ok()) continue;
    (void)(*tok)->Decode(*ids, false);
    (void)(*tok)->Decode(*ids, true);
  }
  std::vector<litertlm::TokenId> ids;
  for (size_t i = 0; i + 1 < size && ids.size() < 64; i += 7)
    ids.push_back(static_cast<litertlm::TokenId>((data[i] | (data[i + 1] << 8)) % 700));
  (void)(*tok)->Decode(ids, false);
  litertlm::StreamDecoder stream(**tok);
  for (litertlm::TokenId id : ids) (void)stream.Push(id);
  (void)stream.Flush();
  return 0;
}
