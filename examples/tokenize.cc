// tokenize: text → token ids → text with a model's tokenizer.
//
//   example_tokenize MODEL TEXT
#include <litertlm/litertlm.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL TEXT\n", argv[0]);
    return 2;
  }
  // The tokenizer comes with the engine (from the .litertlm file or the checkpoint's
  // tokenizer.json / tokenizer.model).
  auto engine = litertlm::Engine::Create(argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const litertlm::Tokenizer& tokenizer = (*engine)->tokenizer();

  // Encode: special tokens written in the text (e.g. "<|im_end|>") become single ids.
  auto ids = tokenizer.Encode(argv[2]);
  if (!ids.ok()) {
    std::fprintf(stderr, "%s\n", ids.status().ToString().c_str());
    return 1;
  }
  std::printf("%zu tokens:", ids->size());
  for (litertlm::TokenId id : *ids) {
    // IdToToken gives the vocabulary piece of each id.
    std::printf(" %d(%s)", id, tokenizer.IdToToken(id).value_or("?").c_str());
  }
  std::printf("\n");

  // Decode turns the ids back into the same text.
  auto text = tokenizer.Decode(*ids);
  if (!text.ok()) {
    std::fprintf(stderr, "%s\n", text.status().ToString().c_str());
    return 1;
  }
  std::printf("decoded: %s\n", text->c_str());
  return 0;
}
