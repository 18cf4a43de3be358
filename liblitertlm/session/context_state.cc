#include "session/context_state.h"

#include <algorithm>
#include <numeric>

#include "util/status_macros.h"

namespace litertlm {
namespace {
// Prefill runs in chunks of at most this many tokens: bounds scratch memory and is the
// granularity at which a prefill notices Cancel().
constexpr size_t kMaxChunk = 128;
}  // namespace

std::shared_ptr<ThreadPool> SessionThreadPool(const Model::Impl& model, int num_threads) {
  if (num_threads <= 0 || num_threads == model.options.num_threads) return model.SharedPool();
  return std::make_shared<ThreadPool>(num_threads);
}

ContextState::ContextState(const Model::Impl& model, int max_tokens, int num_threads,
                           KvDType kv_dtype)
    : model_(model),
      kernels_(std::make_unique<KernelContext>(SessionThreadPool(model, num_threads))),
      cache_(model.config.num_layers, model.config.num_kv_heads, model.config.head_dim, max_tokens,
             kv_dtype) {}

ContextState::ContextState(const ContextState& other)
    : model_(other.model_),
      kernels_(std::make_unique<KernelContext>(other.kernels_->shared_pool())),
      cache_(other.cache_),
      tokens_(other.tokens_),
      last_logits_(other.last_logits_) {}

Status ContextState::Validate(std::span<const TokenId> tokens) const {
  const int vocab = model_.config.vocab_size;
  if (tokens.empty()) return InvalidArgumentError("no tokens given");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab)
      return InvalidArgumentError("token id " + std::to_string(tokens[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(vocab) + ")");
  }
  const int64_t needed = int64_t{num_tokens()} + static_cast<int64_t>(tokens.size());
  if (needed > cache_.max_tokens()) {
    return OutOfRangeError("context full: " + std::to_string(num_tokens()) + " tokens held + " +
                           std::to_string(tokens.size()) + " new > limit of " +
                           std::to_string(cache_.max_tokens()) + " tokens");
  }
  return Status::Ok();
}

Status ContextState::Append(std::span<const TokenId> tokens, std::vector<float>* all_logits,
                            const std::atomic<bool>* cancel) {
  RETURN_IF_ERROR(Validate(tokens));
  const int64_t vocab = model_.config.vocab_size;
  if (all_logits != nullptr) all_logits->resize(tokens.size() * static_cast<size_t>(vocab));
  last_logits_.resize(static_cast<size_t>(vocab));
  for (size_t begin = 0; begin < tokens.size(); begin += kMaxChunk) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed))
      return CancelledError("cancelled after " + std::to_string(begin) + " of " +
                            std::to_string(tokens.size()) + " prompt tokens");
    const size_t n = std::min(kMaxChunk, tokens.size() - begin);
    const bool last_chunk = begin + n == tokens.size();
    float* out = last_logits_.data();
    rows_.clear();
    if (all_logits != nullptr) {
      rows_.resize(n);
      std::iota(rows_.begin(), rows_.end(), 0);
      out = all_logits->data() + begin * vocab;
    } else if (last_chunk) {
      rows_.push_back(static_cast<int>(n) - 1);
    }
    auto chunk = tokens.subspan(begin, n);
    model_.transformer->Forward(chunk, cache_, rows_, out, scratch_, *kernels_);
    tokens_.insert(tokens_.end(), chunk.begin(), chunk.end());
  }
  if (all_logits != nullptr)
    std::copy(all_logits->end() - vocab, all_logits->end(), last_logits_.begin());
  return Status::Ok();
}

Status ContextState::DecodeBatch(std::span<ContextState* const> states,
                                 std::span<const TokenId> tokens, ForwardScratch& scratch,
                                 std::vector<float>& logits, KernelContext& ctx) {
  if (states.size() != tokens.size())
    return InvalidArgumentError("DecodeBatch: " + std::to_string(states.size()) + " states but " +
                                std::to_string(tokens.size()) + " tokens");
  if (states.empty()) return Status::Ok();
  const Model::Impl& model = states[0]->model_;
  std::vector<KvCache*> caches;
  caches.reserve(states.size());
  for (size_t i = 0; i < states.size(); ++i) {
    if (&states[i]->model_ != &model)
      return InvalidArgumentError("DecodeBatch: state " + std::to_string(i) + " is on another model");
    if (std::find(states.begin(), states.begin() + i, states[i]) != states.begin() + i)
      return InvalidArgumentError("DecodeBatch: state " + std::to_string(i) + " appears twice");
    RETURN_IF_ERROR(states[i]->Validate(tokens.subspan(i, 1)));
    caches.push_back(&states[i]->cache_);
  }
  const size_t vocab = static_cast<size_t>(model.config.vocab_size);
  logits.resize(states.size() * vocab);
  model.transformer->DecodeBatch(tokens, caches, logits.data(), scratch, ctx);
  for (size_t i = 0; i < states.size(); ++i) {
    ContextState& state = *states[i];
    state.last_logits_.assign(logits.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                              logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
    state.tokens_.push_back(tokens[i]);
  }
  return Status::Ok();
}

void ContextState::Truncate(int n) {
  if (n >= num_tokens()) return;
  tokens_.resize(static_cast<size_t>(std::max(0, n)));
  cache_.SetNumTokens(num_tokens());
  last_logits_.clear();
}

}  // namespace litertlm
