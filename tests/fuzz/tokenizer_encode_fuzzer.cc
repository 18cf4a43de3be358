// libFuzzer target: the real Qwen3 and Gemma3 tokenizer.json encoders/decoders on arbitrary
// input. Checks invariants: encoding never crashes, invalid UTF-8 is an error, decoding the
// ids of valid text succeeds, the stream decoder's output concatenates to Decode(), and
// arbitrary id sequences decode without crashing.
// Fixtures: $LITERTLM_SHARED_DIR/fixtures/tokenizers/{qwen3,gemma3}/tokenizer.json.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "litertlm/tokenizer.h"

namespace {

std::vector<std::unique_ptr<litertlm::Tokenizer>>* Tokenizers() {
  static auto* toks = [] {
    auto* v = new std::vector<std::unique_ptr<litertlm::Tokenizer>>();
    const char* shared = std::getenv("LITERTLM_SHARED_DIR");
    std::string dir = std::string(shared ? shared : LITERTLM_SHARED_DIR_DEFAULT) + "/fixtures/tokenizers/";
    for (const char* m : {"qwen3", "gemma3"}) {
      auto tok = litertlm::Tokenizer::FromFile(dir + m + "/tokenizer.json");
      if (!tok.ok()) {
        std::fprintf(stderr, "%s\n", tok.status().ToString().c_str());
        std::abort();
      }
      v->push_back(std::move(*tok));
    }
    return v;
  }();
  return toks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& tok : *Tokenizers()) {
    auto ids = tok->Encode(text, size % 2 == 0);
    if (ids.ok()) {
      auto decoded = tok->Decode(*ids, false);
      if (!decoded.ok()) std::abort();  // ids we produced must decode
      litertlm::StreamDecoder stream(*tok);
      std::string streamed;
      for (litertlm::TokenId id : *ids) {
        auto piece = stream.Push(id);
        if (!piece.ok()) std::abort();
        streamed += *piece;
      }
      streamed += stream.Flush();
      if (streamed != *decoded) std::abort();
    }
    // The same bytes read as token ids.
    std::vector<litertlm::TokenId> raw;
    for (size_t i = 0; i + 2 < size; i += 3)
      raw.push_back(static_cast<litertlm::TokenId>((data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)) %
                                                   (tok->vocab_size() + 8)));
    (void)tok->Decode(raw, size % 3 == 0);
  }
  return 0;
}
