// generate: one-shot generation. Loads a model, asks one question, prints the answer.
//
//   example_generate MODEL PROMPT [MAX_TOKENS]
//
// MODEL is a .litertlm file or a Hugging Face checkpoint directory (with its tokenizer files).
#include <litertlm/litertlm.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL PROMPT [MAX_TOKENS]\n", argv[0]);
    return 2;
  }

  // 1. The Engine holds everything that belongs to the model: weights, tokenizer, chat template
  //    and default sampler settings. Load it once; it can be shared by many sessions.
  auto engine = litertlm::Engine::Create(argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }

  // 2. A Session is one conversation (its own KV cache and message history).
  auto session = litertlm::Session::Create(*engine);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }

  // 3. Add the user's message, then generate the assistant's reply. Options left at their
  //    defaults use the model's own settings; here we only cap the reply's length.
  (*session)->AddMessage(litertlm::Role::kUser, argv[2]);
  litertlm::GenerateOptions options;
  options.max_tokens = argc > 3 ? std::atoi(argv[3]) : 256;
  auto reply = (*session)->Generate(options);
  if (!reply.ok()) {
    std::fprintf(stderr, "%s\n", reply.status().ToString().c_str());
    return 1;
  }

  // 4. The reply's text, and why generation stopped ("stop", "length", ...) on stderr.
  std::printf("%s\n", reply->text.c_str());
  std::fprintf(stderr, "[%d tokens, finish: %s]\n", reply->stats.generated_tokens,
               std::string(litertlm::FinishReasonName(reply->finish_reason)).c_str());
  return 0;
}
