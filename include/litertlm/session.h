// File: litertlm/session.h
// Session: one conversation's state (KV cache, position) over a shared Model.
//
//   auto session = litertlm::Session::Create(model);
//   std::vector<litertlm::TokenId> prompt = {1, 2, 3};
//   if (auto s = (*session)->Prefill(prompt); !s.ok()) return s;
//   std::span<const float> logits = (*session)->LastLogits();   // next-token logits
//
// Thread-safety: a Session is used by one thread at a time. Many sessions on many threads may
// share one Model.
#ifndef LITERTLM_SESSION_H_
#define LITERTLM_SESSION_H_

#include <memory>
#include <span>
#include <vector>

#include "litertlm/export.h"
#include "litertlm/model.h"
#include "litertlm/status.h"
#include "litertlm/types.h"

namespace litertlm {

struct SessionOptions {
  // Most tokens this session may hold; 0 = the model's limit. Memory grows with tokens used.
  int max_context = 0;
};

class LITERTLM_API Session {
 public:
  class Impl;  // private to the library
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs `tokens` after the current context (prefill; one token = one decode step). Afterwards
  // LastLogits() holds the next-token logits after the last of them. OUT_OF_RANGE when the
  // context would exceed the limit (the session is left unchanged); INVALID_ARGUMENT for a token
  // id outside the vocabulary.
  Status Prefill(std::span<const TokenId> tokens);

  // As Prefill, and also writes the logits after every token of `tokens` into `all_logits`
  // (tokens.size() × vocab_size, row-major).
  Status PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits);

  // Next-token logits (vocab_size values) after the last processed token; valid until the next
  // non-const call on this session. Empty before the first Prefill.
  std::span<const float> LastLogits() const;

  // Tokens currently held in the context.
  int num_tokens() const;
  // Forgets the whole context.
  void Reset();

  const Model& model() const;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Perplexity of a token sequence under a model: nll[i] = -log p(ids[i+1] | ids[0..i]).
struct PerplexityResult {
  double perplexity = 0;
  std::vector<double> nll;  // ids.size() - 1 values
};
LITERTLM_API StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                                          std::span<const TokenId> ids);

}  // namespace litertlm

#endif  // LITERTLM_SESSION_H_
