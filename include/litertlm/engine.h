// File: litertlm/engine.h
// Engine: everything needed to chat with one model — weights, tokenizer, chat template and the
// model's defaults (stop tokens, sampler settings) — loaded once and shared.
//
//   auto engine = litertlm::Engine::Create("/models/gemma-3-270m-it.litertlm");
//   if (!engine.ok()) { std::cerr << engine.status().ToString() << "\n"; return 1; }
//   auto session = litertlm::Session::Create(*engine);          // one conversation
//   (*session)->AddMessage(litertlm::Role::kUser, "What is the capital of France?");
//   auto reply = (*session)->Generate({}, [](std::string_view piece) {
//     std::cout << piece << std::flush;                          // streamed as it is decoded
//     return true;                                               // false stops generation
//   });
//
// Ownership: Create returns std::shared_ptr<const Engine>; sessions keep it alive.
// Thread-safety: an Engine is immutable; any number of sessions on any number of threads may
// share it. Threads: the engine owns one pool of EngineOptions::num_threads threads, and its
// sessions (and a DecodeBatcher on its model) run their matrix work on it unless given a thread
// count of their own (SessionOptions::num_threads). Sessions generating at once on several
// threads take turns on the pool one matrix operation at a time, each on all of its threads:
// every session computes exactly what it computes alone, and the cores are not oversubscribed.
#ifndef LITERTLM_ENGINE_H_
#define LITERTLM_ENGINE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "litertlm/chat.h"
#include "litertlm/export.h"
#include "litertlm/model.h"
#include "litertlm/sampler.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"
#include "litertlm/types.h"

namespace litertlm {

// What a model ships with (from a .litertlm file's metadata, or derived from a checkpoint's
// tokenizer_config.json / generation_config.json and the family's published defaults).
struct ModelDefaults {
  SamplerOptions sampler;                  // e.g. Qwen3: temperature 0.6, top-k 20, top-p 0.95
  std::vector<TokenId> stop_token_ids;     // e.g. Qwen3: 151645 (<|im_end|>); Gemma3: 1, 106
  std::optional<TokenId> start_token_id;   // BOS written before the prompt when the template does not
  int max_tokens = 0;                      // default generation limit; 0 = until the context is full
  int max_context = 0;                     // tokens a session may hold (the file's KV-cache length)
};

struct EngineOptions {
  // Threads for matrix work, in one pool shared by the engine's sessions; 0 =
  // DefaultNumThreads() (physical cores this process may use, capped by its cgroup's quota).
  int num_threads = 0;
  // LoadOptions::lock_in_memory for the engine's model.
  bool lock_in_memory = false;
  // LoadOptions::int8_activations for the engine's model.
  Int8Activations int8_activations = Int8Activations::kExact;
};

class LITERTLM_API Engine {
 public:
  class Impl;  // private to the library

  // `path`: a .litertlm file, or a Hugging Face checkpoint directory with its tokenizer files
  // (tokenizer.json or tokenizer.model, and tokenizer_config.json or chat_template.jinja for the
  // chat template).
  // Errors name the file and field at fault.
  static StatusOr<std::shared_ptr<const Engine>> Create(const std::string& path,
                                                        const EngineOptions& options = {});

  explicit Engine(std::unique_ptr<Impl> impl);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::shared_ptr<const Model>& model() const;
  const Tokenizer& tokenizer() const;
  // The model's chat template, or the family's prompt-template fallback.
  const ChatTemplate& chat_template() const;
  // True when the chat template comes from the model itself: a Jinja template in the .litertlm
  // metadata or the checkpoint's tokenizer_config.json / chat_template.jinja, or the prompt
  // templates of a .litertlm file not written by liblitertlm's converter. False when
  // chat_template() is only the family's fallback, e.g. a base model converted from a GGUF file
  // without tokenizer.chat_template: such a model was not trained on chat turns, and
  // Session::Complete (plain continuation) is what gives sensible text.
  bool has_own_chat_template() const;
  const ModelDefaults& defaults() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace litertlm

#endif  // LITERTLM_ENGINE_H_
