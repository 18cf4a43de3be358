// Engine::Impl: a loaded model with its tokenizer, chat template and defaults. Private.
#ifndef LITERTLM_API_ENGINE_IMPL_H_
#define LITERTLM_API_ENGINE_IMPL_H_

#include <memory>

#include "litertlm/engine.h"

namespace litertlm {

class Engine::Impl {
 public:
  EngineOptions options;
  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<ChatTemplate> chat_template;
  bool own_chat_template = false;  // see Engine::has_own_chat_template()
  ModelDefaults defaults;
};

// Per-family defaults as the seed documents give them (stop tokens looked up in `tokenizer`).
// FAILED_PRECONDITION when a required special token is missing from the tokenizer.
StatusOr<ModelDefaults> FamilyDefaults(const Model& model, const Tokenizer& tokenizer,
                                       bool template_writes_bos);

}  // namespace litertlm

#endif  // LITERTLM_API_ENGINE_IMPL_H_
