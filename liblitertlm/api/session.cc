#include "litertlm/session.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "api/model_impl.h"
#include "model/kv_cache.h"
#include "model/transformer.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {
// Prefill runs in chunks of at most this many tokens, bounding scratch memory.
constexpr int kMaxChunk = 256;
}  // namespace

class Session::Impl {
 public:
  Impl(std::shared_ptr<const Model> model, int max_context)
      : model_(std::move(model)),
        cache_(model_->impl().config.num_layers,
               int64_t{model_->impl().config.num_kv_heads} * model_->impl().config.head_dim,
               max_context) {}

  Status Run(std::span<const TokenId> tokens, std::vector<float>* all_logits);
  const Model& model() const { return *model_; }
  std::span<const float> last_logits() const { return last_logits_; }
  int num_tokens() const { return cache_.num_tokens(); }
  void Reset() {
    cache_.SetNumTokens(0);
    last_logits_.clear();
  }

 private:
  std::shared_ptr<const Model> model_;
  KvCache cache_;
  ForwardScratch scratch_;
  std::vector<float> last_logits_;
  std::vector<float> chunk_logits_;
  std::vector<int> rows_;
};

Status Session::Impl::Run(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  const ModelConfig& c = model_->impl().config;
  if (tokens.empty()) return InvalidArgumentError("Prefill: no tokens given");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.vocab_size)
      return InvalidArgumentError("token id " + std::to_string(tokens[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(c.vocab_size) + ")");
  }
  const int64_t needed = int64_t{cache_.num_tokens()} + static_cast<int64_t>(tokens.size());
  if (needed > cache_.max_tokens()) {
    return OutOfRangeError("context full: " + std::to_string(cache_.num_tokens()) + " tokens held + " +
                           std::to_string(tokens.size()) + " new > limit of " +
                           std::to_string(cache_.max_tokens()) + " tokens");
  }
  const int64_t vocab = c.vocab_size;
  if (all_logits != nullptr) all_logits->resize(tokens.size() * static_cast<size_t>(vocab));
  last_logits_.resize(static_cast<size_t>(vocab));
  const Transformer& transformer = *model_->impl().transformer;
  for (size_t begin = 0; begin < tokens.size(); begin += kMaxChunk) {
    const size_t n = std::min<size_t>(kMaxChunk, tokens.size() - begin);
    const bool last_chunk = begin + n == tokens.size();
    float* out;
    if (all_logits != nullptr) {
      rows_.resize(n);
      std::iota(rows_.begin(), rows_.end(), 0);
      out = all_logits->data() + begin * vocab;
    } else {
      rows_.clear();
      if (last_chunk) rows_.push_back(static_cast<int>(n) - 1);
      out = last_logits_.data();
    }
    transformer.Forward(tokens.subspan(begin, n), cache_, rows_, out, scratch_);
  }
  if (all_logits != nullptr)
    std::copy(all_logits->end() - vocab, all_logits->end(), last_logits_.begin());
  return Status::Ok();
}

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options) {
  if (model == nullptr) return InvalidArgumentError("Session::Create: model is null");
  const int limit = model->info().max_context;
  if (options.max_context < 0) return InvalidArgumentError("max_context must be ≥ 0");
  const int max_context = options.max_context == 0 ? limit : std::min(options.max_context, limit);
  return std::unique_ptr<Session>(new Session(std::make_unique<Impl>(std::move(model), max_context)));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Status Session::Prefill(std::span<const TokenId> tokens) { return impl_->Run(tokens, nullptr); }

Status Session::PrefillAllLogits(std::span<const TokenId> tokens, std::vector<float>* all_logits) {
  if (all_logits == nullptr) return InvalidArgumentError("PrefillAllLogits: all_logits is null");
  return impl_->Run(tokens, all_logits);
}

std::span<const float> Session::LastLogits() const { return impl_->last_logits(); }
int Session::num_tokens() const { return impl_->num_tokens(); }
void Session::Reset() { impl_->Reset(); }
const Model& Session::model() const { return impl_->model(); }

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids) {
  if (ids.size() < 2) return InvalidArgumentError("perplexity needs at least 2 tokens");
  if (model == nullptr) return InvalidArgumentError("ComputePerplexity: model is null");
  const int64_t vocab = model->info().vocab_size;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab)
      return InvalidArgumentError("token id " + std::to_string(ids[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(vocab) + ")");
  }
  ASSIGN_OR_RETURN(auto session, Session::Create(std::move(model)));
  PerplexityResult result;
  result.nll.reserve(ids.size() - 1);
  std::vector<float> logits;
  constexpr size_t kChunk = 128;
  const auto inputs = ids.first(ids.size() - 1);
  for (size_t begin = 0; begin < inputs.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - begin);
    RETURN_IF_ERROR(session->PrefillAllLogits(inputs.subspan(begin, n), &logits));
    for (size_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * vocab;
      const double mx = *std::max_element(row, row + vocab);
      double sum = 0;
      for (int64_t j = 0; j < vocab; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
      const TokenId target = ids[begin + i + 1];
      result.nll.push_back(std::log(sum) + mx - static_cast<double>(row[target]));
    }
  }
  double total = std::accumulate(result.nll.begin(), result.nll.end(), 0.0);
  result.perplexity = std::exp(total / static_cast<double>(result.nll.size()));
  return result;
}

}  // namespace litertlm
