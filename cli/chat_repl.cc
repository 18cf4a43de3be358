#include "chat_repl.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "line_reader.h"
#include "terminal_style.h"

namespace litertlm::cli {
namespace {

constexpr char kHelp[] =
    "/help          this list\n"
    "/clear         forget the conversation (the system message stays)\n"
    "/regen         generate the last answer again\n"
    "/system TEXT   set or replace the system message (\"/system\" alone removes it)\n"
    "/exit          leave (also /quit, or Ctrl-D on an empty line)\n"
    "Ctrl-C stops the current answer; at the prompt it clears the line, twice leaves.\n";

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Replaces the system message (none when `text` is empty) and keeps the rest of the history.
void SetSystemMessage(Session& session, const std::string& text) {
  std::vector<Message> history = session.history();
  session.Clear();
  if (!text.empty()) session.AddMessage(Role::kSystem, text);
  for (Message& m : history) {
    if (m.role != Role::kSystem) session.AddMessage(m.role, std::move(m.content));
  }
}

// Keeps only the system message.
void ClearConversation(Session& session) {
  std::vector<Message> history = session.history();
  session.Clear();
  for (Message& m : history) {
    if (m.role == Role::kSystem) session.AddMessage(m.role, std::move(m.content));
  }
}

void ReportTurn(const StatusOr<GenerateResult>& result, bool color) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", Styled("error: " + result.status().message(), "31", color).c_str());
  } else if (result->finish_reason == FinishReason::kCancelled) {
    std::fprintf(stderr, "%s\n", Styled("[answer stopped]", "2", color).c_str());
  } else if (result->finish_reason == FinishReason::kContextFull) {
    std::fprintf(stderr, "%s\n",
                 Styled("[context full: /clear to start over, or raise --max-context]", "2", color).c_str());
  }
}

// Runs one slash command; false when the chat should end.
bool RunCommand(const std::string& line, TurnRunner& runner, bool color) {
  const size_t space = line.find(' ');
  const std::string name = line.substr(0, space);
  const std::string arg = space == std::string::npos ? "" : Trim(line.substr(space + 1));
  if (name == "/exit" || name == "/quit") return false;
  if (name == "/help") {
    std::fputs(kHelp, stderr);
  } else if (name == "/clear") {
    ClearConversation(runner.session());
    std::fprintf(stderr, "%s\n", Styled("[conversation cleared]", "2", color).c_str());
  } else if (name == "/regen") {
    ReportTurn(runner.Regenerate(), color);
  } else if (name == "/system") {
    SetSystemMessage(runner.session(), arg);
    std::fprintf(stderr, "%s\n",
                 Styled(arg.empty() ? "[system message removed]" : "[system message set]", "2", color).c_str());
  } else {
    std::fprintf(stderr, "unknown command %s (/help lists them)\n", name.c_str());
  }
  return true;
}

}  // namespace

int RunChatRepl(TurnRunner& runner, bool color) {
  std::fprintf(stderr, "Enter your prompt (/help for commands, Ctrl-D to quit):\n");
  const std::string prompt = Styled(">", "1;32", color) + " ";
  bool interrupted_at_prompt = false;
  for (;;) {
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    std::string line;
    const ReadStatus status = ReadLine(&line);
    if (status == ReadStatus::kEndOfInput) {
      std::fputc('\n', stderr);
      return 0;
    }
    if (status == ReadStatus::kInterrupted) {
      std::fputc('\n', stderr);
      if (interrupted_at_prompt) return 0;
      interrupted_at_prompt = true;
      continue;
    }
    interrupted_at_prompt = false;
    line = Trim(line);
    if (line.empty()) continue;
    if (line[0] == '/') {
      if (!RunCommand(line, runner, color)) return 0;
      continue;
    }
    ReportTurn(runner.Ask(line), color);
  }
}

}  // namespace litertlm::cli
