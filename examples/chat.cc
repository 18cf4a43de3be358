// chat: a streaming multi-turn chat. Each line read from stdin is one user message; the answer
// is printed piece by piece as it is generated. The session keeps the conversation, so every
// turn only computes the new tokens (earlier turns stay in the KV cache).
//
// A model without a chat template of its own (a base model, e.g. Gemma 3 270M converted from the
// PyPI GGUF) was never trained on chat turns; for it each line is appended to the text (after a
// newline) and continued as plain text instead (said once on stderr).
//
//   example_chat MODEL [MAX_TOKENS]
//   printf 'Hello!\nTell me more.\n' | example_chat MODEL
#include <litertlm/litertlm.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  auto engine = litertlm::Engine::Create(argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  auto session = litertlm::Session::Create(*engine);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  litertlm::GenerateOptions options;
  options.max_tokens = argc > 2 ? std::atoi(argv[2]) : 512;

  // Called with each new piece of the answer: always whole UTF-8 characters, so it can be
  // printed at once. Returning false would stop the answer early.
  auto print_piece = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  };

  const bool base_model = (*engine)->chat_template().family() == "prompt_templates";
  if (base_model) {
    std::fprintf(stderr, "note: %s has no chat template of its own (a base model): each line is "
                 "continued as plain text\n", argv[1]);
  }

  std::string line;
  bool first = true;
  std::fprintf(stderr, "> ");
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    litertlm::StatusOr<litertlm::GenerateResult> reply = litertlm::GenerateResult{};
    if (base_model) {
      reply = (*session)->Complete(first ? line : "\n" + line, options, print_piece);
    } else {
      (*session)->AddMessage(litertlm::Role::kUser, line);
      reply = (*session)->Generate(options, print_piece);  // the reply joins the history
    }
    first = false;
    if (!reply.ok()) {
      std::fprintf(stderr, "\n%s\n", reply.status().ToString().c_str());
      return 1;
    }
    std::printf("\n");
    std::fprintf(stderr, "[%d tokens, %d reused from the cache, %.1f tokens/s]\n> ",
                 reply->stats.generated_tokens, reply->stats.reused_tokens,
                 reply->stats.decode_tokens_per_second);
  }
  std::fprintf(stderr, "\n");
  return 0;
}
