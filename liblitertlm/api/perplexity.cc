// ComputePerplexity (litertlm/session.h): scores a token sequence, in windows, through a
// token-level Session.
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "litertlm/session.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// -log softmax(row)[target], in double.
double NegLogLikelihood(const float* row, int64_t vocab, TokenId target) {
  const double mx = *std::max_element(row, row + vocab);
  double sum = 0;
  for (int64_t j = 0; j < vocab; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
  return std::log(sum) + mx - static_cast<double>(row[target]);
}

// One window: `window` scored in a fresh context after `prefix` (0 or 1 tokens of context only,
// prefilled with the window so the arithmetic is that of one sequence).
Status ScoreWindow(Session& session, std::span<const TokenId> prefix,
                   std::span<const TokenId> window, int64_t vocab, int total,
                   const PerplexityOptions& p, PerplexityResult& result, double& nll_sum) {
  session.Reset();
  std::vector<TokenId> seq(prefix.begin(), prefix.end());
  seq.insert(seq.end(), window.begin(), window.end());
  const size_t skip = prefix.size();  // predictions of window[0] (from the prefix) not scored
  std::vector<float> logits;
  constexpr size_t kChunk = 128;
  const auto inputs = std::span<const TokenId>(seq).first(seq.size() - 1);
  for (size_t begin = 0; begin < inputs.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, inputs.size() - begin);
    RETURN_IF_ERROR(session.PrefillAllLogits(inputs.subspan(begin, n), &logits));
    for (size_t i = 0; i < n; ++i) {
      if (begin + i < skip) continue;
      result.nll.push_back(NegLogLikelihood(logits.data() + i * vocab, vocab, seq[begin + i + 1]));
      nll_sum += result.nll.back();
    }
    const int scored = static_cast<int>(result.nll.size());
    if (p.on_progress && scored > 0 && !p.on_progress(scored, total, std::exp(nll_sum / scored)))
      return CancelledError("perplexity cancelled after " + std::to_string(scored) + " of " +
                            std::to_string(total) + " tokens");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids,
                                             const SessionOptions& session_options) {
  return ComputePerplexity(std::move(model), ids, session_options, PerplexityOptions{});
}

StatusOr<PerplexityResult> ComputePerplexity(std::shared_ptr<const Model> model,
                                             std::span<const TokenId> ids,
                                             const SessionOptions& session_options,
                                             const PerplexityOptions& p) {
  if (model == nullptr) return InvalidArgumentError("ComputePerplexity: model is null");
  if (ids.size() < 2) return InvalidArgumentError("perplexity needs at least 2 tokens");
  if (p.window_tokens < 0 || p.window_tokens == 1)
    return InvalidArgumentError("PerplexityOptions.window_tokens must be 0 or at least 2, got " +
                                std::to_string(p.window_tokens));
  const int64_t vocab = model->info().vocab_size;
  auto check_id = [vocab](TokenId id, const std::string& where) -> Status {
    if (id >= 0 && id < vocab) return Status::Ok();
    return InvalidArgumentError("token id " + std::to_string(id) + " " + where +
                                " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
  };
  for (size_t i = 0; i < ids.size(); ++i) RETURN_IF_ERROR(check_id(ids[i], "at index " + std::to_string(i)));
  if (p.window_prefix) RETURN_IF_ERROR(check_id(*p.window_prefix, "(window_prefix)"));
  const size_t window = p.window_tokens == 0 ? ids.size() : static_cast<size_t>(p.window_tokens);
  // Windows of one token (a short tail) have nothing to score: they are left out.
  std::vector<std::span<const TokenId>> windows;
  for (size_t begin = 0; begin + 1 < ids.size(); begin += window)
    windows.push_back(ids.subspan(begin, std::min(window, ids.size() - begin)));
  int total = 0;
  for (const auto& w : windows) total += static_cast<int>(w.size()) - 1;
  SessionOptions options = session_options;
  const size_t needed = window + (p.window_prefix && windows.size() > 1 ? 1 : 0);
  if (options.max_context == 0) options.max_context = static_cast<int>(std::min<size_t>(needed, INT_MAX));
  ASSIGN_OR_RETURN(auto session, Session::Create(std::move(model), options));
  PerplexityResult result;
  result.nll.reserve(static_cast<size_t>(total));
  result.windows = static_cast<int>(windows.size());
  double nll_sum = 0;
  for (size_t w = 0; w < windows.size(); ++w) {
    std::span<const TokenId> prefix;
    if (w > 0 && p.window_prefix) prefix = std::span<const TokenId>(&*p.window_prefix, 1);
    RETURN_IF_ERROR(ScoreWindow(*session, prefix, windows[w], vocab, total, p, result, nll_sum));
  }
  result.perplexity = std::exp(nll_sum / static_cast<double>(result.nll.size()));
  return result;
}

}  // namespace litertlm
