#include "chat_turn.h"

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json_output.h"
#include "line_editor.h"
#include "line_reader.h"
#include "run_stats.h"
#include "terminal_style.h"

namespace litertlm::cli {
namespace {

void ReportDropped(const GenerationStats& stats, bool color) {
  std::string what;
  if (stats.dropped_messages > 0) {
    what = std::to_string(stats.dropped_messages) + " oldest message" + (stats.dropped_messages > 1 ? "s" : "");
  } else if (stats.dropped_tokens > 0) {
    what = std::to_string(stats.dropped_tokens) + " oldest token" + (stats.dropped_tokens > 1 ? "s" : "");
  } else {
    return;
  }
  std::fprintf(stderr, "%s\n",
               Styled("[context full: dropped the " + what + " of the conversation to go on]", "2", color).c_str());
}

void ReportDiscarded(size_t bytes, bool color) {
  if (bytes == 0) return;
  std::fprintf(stderr, "%s\n",
               Styled("[discarded " + std::to_string(bytes) + " byte" + (bytes > 1 ? "s" : "") +
                          " typed during the answer: type at the prompt]",
                      "2", color)
                   .c_str());
}

}  // namespace

TurnRunner::TurnRunner(Session* session, TurnConfig config) : session_(session), config_(std::move(config)) {}

StatusOr<GenerateResult> TurnRunner::Ask(const std::string& text, bool typed_line) {
  if (config_.raw_completion) {
    const bool separate = typed_line && session_->num_tokens() > 0 && !raw_ends_with_newline_;
    const std::string raw = (separate ? "\n" : "") + text + (typed_line ? "\n" : "");
    auto result = RunAndPrint([&](const GenerateOptions& o, const StreamCallback& cb) {
      return session_->Complete(raw, o, cb);
    });
    if (result.ok()) {
      const std::string& end = result->text.empty() ? raw : result->text;
      if (!end.empty()) raw_ends_with_newline_ = end.back() == '\n';
    }
    return result;
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
  size_t discarded = 0;
  StatusOr<GenerateResult> result = [&] {
    std::optional<AnswerInputHold> hold;
    if (config_.hold_input) hold.emplace();
    auto r = generate(options, on_text);
    if (hold) discarded = hold->DiscardTypeAhead();
    return r;
  }();
  if (config_.cancellable) {
    InterruptGuard::SetActiveSession(nullptr);
    InterruptGuard::TakeInterrupt();
  }
  if (!result.ok()) {
    ReportDiscarded(discarded, config_.color_stderr);
    return result;
  }
  if (config_.json) {
    std::printf("%s\n", AnswerJson(*result, config_.load_seconds, PeakMemoryBytes()).c_str());
  } else {
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  ReportDropped(result->stats, config_.color_stderr);
  ReportDiscarded(discarded, config_.color_stderr);
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
