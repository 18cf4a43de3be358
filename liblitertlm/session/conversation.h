// Conversation: a chat over a Generator. Holds the message history, renders it with the chat
// template into the prompt, keeps the reply, and applies the ContextOverflow policy (dropping the
// oldest turns, or the oldest tokens of a raw completion) when the context runs out. The public
// Session (api/session.cc) is a facade over it.
//
// Thread-safety: as Generator: one thread at a time, except generator().Cancel().
#ifndef LITERTLM_SESSION_CONVERSATION_H_
#define LITERTLM_SESSION_CONVERSATION_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "litertlm/chat.h"
#include "litertlm/engine.h"
#include "litertlm/session.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"
#include "session/generator.h"

namespace litertlm {

// What a chat reads from its engine. Not owned: they must outlive the Conversation.
struct ChatResources {
  const Tokenizer* tokenizer = nullptr;
  const ChatTemplate* chat_template = nullptr;
  const ModelDefaults* defaults = nullptr;
};

class Conversation {
 public:
  // `model` must outlive the conversation. `chat` absent: a token-level session (Generate and
  // Complete are FAILED_PRECONDITION).
  Conversation(const Model::Impl& model, const GeneratorOptions& options,
               std::optional<ChatResources> chat, ContextOverflow overflow);
  Conversation(const Conversation& other) = default;  // a branch: same history and context
  Conversation& operator=(const Conversation&) = delete;

  std::vector<Message>& history() { return history_; }
  const std::vector<Message>& history() const { return history_; }
  Generator& generator() { return generator_; }
  const Generator& generator() const { return generator_; }

  // Session::Generate / Complete / RemoveLastReply (litertlm/session.h states the contracts).
  StatusOr<GenerateResult> Generate(const GenerateOptions& options, const StreamCallback& on_text);
  StatusOr<GenerateResult> Complete(std::string_view text, const GenerateOptions& options,
                                    const StreamCallback& on_text);
  Status RemoveLastReply();
  // Forgets the history and the context.
  void Clear();

 private:
  Status RequireChat() const;
  // The history rendered with the chat template and tokenized (with the start token).
  StatusOr<std::vector<TokenId>> RenderPrompt(const GenerateOptions& options) const;
  // Tokens to keep free for the answer when making room (ContextOverflow::kDropOldest).
  size_t AnswerRoom(const GenerateOptions& options) const;
  // Removes the oldest turn: the first non-system message and what follows it up to the next user
  // message. Never the newest user message. Returns the messages removed (0: nothing to drop).
  int DropOldestTurn();
  // The Generator::MakeRoomFn of Generate (drops turns) and of Complete (drops tokens); empty
  // unless the policy is ContextOverflow::kDropOldest.
  Generator::MakeRoomFn ChatMakeRoom(const GenerateOptions& options);
  Generator::MakeRoomFn RawMakeRoom(const GenerateOptions& options);

  Generator generator_;
  std::optional<ChatResources> chat_;
  ContextOverflow overflow_;
  std::vector<Message> history_;
};

}  // namespace litertlm

#endif  // LITERTLM_SESSION_CONVERSATION_H_
