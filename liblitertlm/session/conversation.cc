#include "session/conversation.h"

#include <algorithm>
#include <climits>
#include <iterator>
#include <utility>

#include "util/status_macros.h"

namespace litertlm {

Conversation::Conversation(const Model::Impl& model, const GeneratorOptions& options,
                           std::optional<ChatResources> chat, ContextOverflow overflow)
    : generator_(model, options), chat_(chat), overflow_(overflow) {}

Status Conversation::RequireChat() const {
  if (!chat_)
    return FailedPreconditionError("this session was created from a bare Model: chat needs an Engine");
  return Status::Ok();
}

size_t Conversation::AnswerRoom(const GenerateOptions& options) const {
  const int defaults_max = chat_ ? chat_->defaults->max_tokens : 0;
  const int max_tokens = options.max_tokens > 0 ? options.max_tokens : defaults_max > 0 ? defaults_max : INT_MAX;
  return static_cast<size_t>(std::max(1, std::min(max_tokens, generator_.max_tokens() / 4)));
}

int Conversation::DropOldestTurn() {
  auto first = std::find_if(history_.begin(), history_.end(),
                            [](const Message& m) { return m.role != Role::kSystem; });
  auto last_user = std::find_if(history_.rbegin(), history_.rend(),
                                [](const Message& m) { return m.role == Role::kUser; });
  if (first == history_.end() || last_user == history_.rend()) return 0;
  const auto newest_user = std::prev(last_user.base());
  if (first >= newest_user) return 0;
  auto end = std::find_if(std::next(first), newest_user + 1, [](const Message& m) { return m.role == Role::kUser; });
  const int removed = static_cast<int>(end - first);
  history_.erase(first, end);
  return removed;
}

StatusOr<std::vector<TokenId>> Conversation::RenderPrompt(const GenerateOptions& options) const {
  ChatTemplateOptions template_options;
  template_options.enable_thinking = options.enable_thinking;
  ASSIGN_OR_RETURN(std::string rendered, chat_->chat_template->Render(history_, template_options));
  ASSIGN_OR_RETURN(std::vector<TokenId> prompt, chat_->tokenizer->Encode(rendered, false));
  const auto& start = chat_->defaults->start_token_id;
  if (start && (prompt.empty() || prompt.front() != *start)) prompt.insert(prompt.begin(), *start);
  return prompt;
}

Generator::MakeRoomFn Conversation::ChatMakeRoom(const GenerateOptions& options) {
  if (overflow_ != ContextOverflow::kDropOldest) return nullptr;
  return [this, options](std::span<const TokenId> generated, GenerationStats* stats) -> StatusOr<bool> {
    const size_t room = AnswerRoom(options);
    const size_t max = static_cast<size_t>(generator_.max_tokens());
    std::vector<TokenId> tokens;
    int dropped = 0;
    do {
      const int d = DropOldestTurn();
      if (d == 0) break;
      dropped += d;
      ASSIGN_OR_RETURN(tokens, RenderPrompt(options));
    } while (tokens.size() + generated.size() + room > max);
    stats->dropped_messages += dropped;
    if (dropped == 0 || tokens.size() + generated.size() >= max) return false;
    tokens.insert(tokens.end(), generated.begin(), generated.end());
    Status s = generator_.Refill(tokens).status();
    if (s.code() == StatusCode::kCancelled) return true;  // the decode loop sees the cancel
    RETURN_IF_ERROR(s);
    return true;
  };
}

Generator::MakeRoomFn Conversation::RawMakeRoom(const GenerateOptions& options) {
  if (overflow_ != ContextOverflow::kDropOldest) return nullptr;
  return [this, options](std::span<const TokenId> generated, GenerationStats* stats) -> StatusOr<bool> {
    const auto held = generator_.state().tokens();
    std::vector<TokenId> tokens(held.begin(), held.end());
    tokens.push_back(generated.back());
    const auto& start = chat_->defaults->start_token_id;
    const size_t keep = start && tokens.front() == *start ? 1 : 0;
    const size_t droppable = tokens.size() - keep - 1;  // the newest token stays
    const size_t max = static_cast<size_t>(generator_.max_tokens());
    const size_t wanted = tokens.size() + AnswerRoom(options);
    const size_t need = wanted > max ? wanted - max : 0;
    const size_t drop = std::min(droppable, std::max(need, droppable / 2));
    if (drop == 0) return false;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(keep),
                 tokens.begin() + static_cast<std::ptrdiff_t>(keep + drop));
    stats->dropped_tokens += static_cast<int>(drop);
    Status s = generator_.Refill(tokens).status();
    if (s.code() == StatusCode::kCancelled) return true;
    RETURN_IF_ERROR(s);
    return true;
  };
}

StatusOr<GenerateResult> Conversation::Generate(const GenerateOptions& options, const StreamCallback& on_text) {
  RETURN_IF_ERROR(RequireChat());
  generator_.BeginCall();
  generator_.TakeUnappended();  // a chat turn re-renders the whole prompt
  if (history_.empty() || history_.back().role == Role::kAssistant)
    return FailedPreconditionError("Generate: add a user message first");
  ASSIGN_OR_RETURN(std::vector<TokenId> prompt, RenderPrompt(options));
  int dropped = 0;
  std::vector<Message> saved;
  if (overflow_ == ContextOverflow::kDropOldest) {
    const size_t room = AnswerRoom(options);
    const size_t max = static_cast<size_t>(generator_.max_tokens());
    if (prompt.size() + room > max) saved = history_;
    while (prompt.size() + room > max) {
      const int d = DropOldestTurn();
      if (d == 0) break;
      dropped += d;
      ASSIGN_OR_RETURN(prompt, RenderPrompt(options));
    }
  }
  auto run = generator_.Run(prompt, options, *chat_->tokenizer, *chat_->defaults, on_text, ChatMakeRoom(options));
  if (!run.ok()) {
    if (dropped > 0) history_ = std::move(saved);  // a failed call leaves the history as it was
    return run.status();
  }
  GenerateResult result = std::move(run).value();
  result.stats.dropped_messages += dropped;
  if (!result.text.empty() || result.finish_reason != FinishReason::kCancelled)
    history_.push_back({Role::kAssistant, result.text});
  return result;
}

StatusOr<GenerateResult> Conversation::Complete(std::string_view text, const GenerateOptions& options,
                                                const StreamCallback& on_text) {
  RETURN_IF_ERROR(RequireChat());
  generator_.BeginCall();
  ASSIGN_OR_RETURN(std::vector<TokenId> ids, chat_->tokenizer->Encode(text, false));
  const auto held = generator_.state().tokens();
  std::vector<TokenId> prompt(held.begin(), held.end());
  const std::optional<TokenId> unappended = generator_.TakeUnappended();
  if (unappended && !prompt.empty()) prompt.push_back(*unappended);
  const auto& start = chat_->defaults->start_token_id;
  if (prompt.empty() && start && (ids.empty() || ids.front() != *start)) prompt.push_back(*start);
  prompt.insert(prompt.end(), ids.begin(), ids.end());
  size_t dropped = 0;
  const size_t room = AnswerRoom(options);
  const size_t max = static_cast<size_t>(generator_.max_tokens());
  if (overflow_ == ContextOverflow::kDropOldest && prompt.size() + room > max) {
    // Drop the oldest tokens held before `text` (the start token stays), at least half of them.
    const size_t keep = start && !prompt.empty() && prompt.front() == *start ? 1 : 0;
    const size_t before = prompt.size() - ids.size();
    const size_t droppable = before > keep ? before - keep : 0;
    dropped = std::min(droppable, std::max(prompt.size() + room - max, droppable / 2));
    prompt.erase(prompt.begin() + static_cast<std::ptrdiff_t>(keep),
                 prompt.begin() + static_cast<std::ptrdiff_t>(keep + dropped));
  }
  ASSIGN_OR_RETURN(GenerateResult result,
                   generator_.Run(prompt, options, *chat_->tokenizer, *chat_->defaults, on_text, RawMakeRoom(options)));
  result.stats.dropped_tokens += static_cast<int>(dropped);
  return result;
}

Status Conversation::RemoveLastReply() {
  auto last_user = std::find_if(history_.rbegin(), history_.rend(),
                                [](const Message& m) { return m.role == Role::kUser; });
  if (last_user == history_.rend() || last_user == history_.rbegin())
    return FailedPreconditionError("there is no reply to remove");
  history_.erase(last_user.base(), history_.end());
  return Status::Ok();
}

void Conversation::Clear() {
  history_.clear();
  generator_.Reset();
}

}  // namespace litertlm
