#include "chat_turn.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "json_output.h"
#include "line_reader.h"
#include "run_stats.h"

namespace litertlm::cli {

TurnRunner::TurnRunner(Session* session, TurnConfig config) : session_(session), config_(std::move(config)) {}

StatusOr<GenerateResult> TurnRunner::Ask(const std::string& text) {
  if (config_.raw_completion) {
    return RunAndPrint([&](const GenerateOptions& o, const StreamCallback& cb) {
      return session_->Complete(text, o, cb);
    });
  }
  session_->AddMessage(Role::kUser, text);
  auto result = RunAndPrint([&](const GenerateOptions& o, const StreamCallback& cb) {
    return session_->Generate(o, cb);
  });
  const bool no_reply = !result.ok() || (result->finish_reason == FinishReason::kCancelled &&
                                         result->text.empty());
  if (no_reply) DropTrailingUserTurn();
  return result;
}

StatusOr<GenerateResult> TurnRunner::Regenerate() {
  if (config_.raw_completion) return FailedPreconditionError("/regen needs the chat template");
  Status removed = session_->RemoveLastReply();
  if (!removed.ok()) return removed;
  return RunAndPrint([&](const GenerateOptions& o, const StreamCallback& cb) {
    return session_->Generate(o, cb);
  });
}

StatusOr<GenerateResult> TurnRunner::RunAndPrint(const GenerateFn& generate) {
  GenerateOptions options = config_.options;
  if (options.sampler) options.sampler->seed += generations_;
  ++generations_;
  StreamCallback on_text = nullptr;
  if (!config_.json) {
    on_text = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  if (config_.cancellable) {
    InterruptGuard::TakeInterrupt();
    InterruptGuard::SetActiveSession(session_);
  }
  StatusOr<GenerateResult> result = generate(options, on_text);
  if (config_.cancellable) {
    InterruptGuard::SetActiveSession(nullptr);
    InterruptGuard::TakeInterrupt();
  }
  if (!result.ok()) return result;
  if (config_.json) {
    std::printf("%s\n", AnswerJson(*result, config_.load_seconds, PeakMemoryBytes()).c_str());
  } else {
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  if (config_.stats) PrintAnswerStats(*result, config_.color_stderr);
  return result;
}

void TurnRunner::DropTrailingUserTurn() {
  std::vector<Message> history = session_->history();
  if (history.empty() || history.back().role != Role::kUser) return;
  history.pop_back();
  session_->Clear();
  for (Message& m : history) session_->AddMessage(m.role, std::move(m.content));
}

}  // namespace litertlm::cli
