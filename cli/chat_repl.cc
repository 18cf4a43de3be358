#include "chat_repl.h"

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "line_editor.h"
#include "line_reader.h"
#include "terminal_style.h"

namespace litertlm::cli {
namespace {

constexpr char kHelp[] =
    "/help          this list\n"
    "/clear         forget the conversation (the system message stays)\n"
    "/regen         generate the last answer again\n"
    "/system TEXT   set or replace the system message (\"/system\" alone removes it)\n"
    "/exit          leave (also /bye, /quit, or Ctrl-D on an empty line)\n"
    "\"\"\"            begin a multi-line message; end it with a line ending in \"\"\"\n"
    "Pasting several lines sends them as one message. Up/Down recall earlier lines.\n"
    "Ctrl-C stops the current answer; at the prompt it clears the line, twice leaves.\n";

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
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
  if (name == "/exit" || name == "/quit" || name == "/bye") return false;
  if (name == "/help") {
    std::fputs(kHelp, stderr);
  } else if (name == "/clear") {
    ClearConversation(runner.session());
    std::fprintf(stderr, "%s\n", Styled("[conversation cleared]", "2", color).c_str());
  } else if (name == "/regen") {
    ReportTurn(runner.Regenerate(), color);
  } else if (name == "/system" && runner.raw_completion()) {
    std::fprintf(stderr, "%s\n",
                 Styled("/system needs the chat template: this chat continues plain text", "31", color).c_str());
  } else if (name == "/system") {
    SetSystemMessage(runner.session(), arg);
    std::fprintf(stderr, "%s\n",
                 Styled(arg.empty() ? "[system message removed]" : "[system message set]", "2", color).c_str());
  } else {
    std::fprintf(stderr, "unknown command %s (/help lists them)\n", name.c_str());
  }
  return true;
}

// The user's input: libedit on a terminal, else plain lines (with our own prompt).
class Input {
 public:
  Input() : editor_(LineEditor::Open()) {}
  ReadStatus Read(const std::string& prompt, std::string* line) {
    if (editor_ != nullptr) return editor_->Read(prompt, line);
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    return ReadLine(line);
  }
  void AddHistory(const std::string& line) {
    if (editor_ != nullptr) editor_->AddHistory(line);
  }

 private:
  std::unique_ptr<LineEditor> editor_;
};

constexpr char kQuotes[] = "\"\"\"";

bool EndsWithQuotes(const std::string& s) { return s.size() >= 3 && s.compare(s.size() - 3, 3, kQuotes) == 0; }

// A message begun with """ (already in `first`): reads lines until one ends with """. The text
// between the quotes, newlines kept. kInterrupted / kEndOfInput abandon it.
ReadStatus ReadMultiline(Input& input, const std::string& first, bool color, std::string* text) {
  std::string body = first.substr(3);
  if (EndsWithQuotes(body)) {
    body.resize(body.size() - 3);
    *text = body;
    return ReadStatus::kLine;
  }
  const std::string more = Styled("...", "2", color) + " ";
  for (;;) {
    std::string line;
    const ReadStatus status = input.Read(more, &line);
    if (status != ReadStatus::kLine) return status;
    body += '\n';
    if (EndsWithQuotes(line)) {
      body.append(line, 0, line.size() - 3);
      *text = body;
      return ReadStatus::kLine;
    }
    body += line;
  }
}

}  // namespace

int RunChatRepl(TurnRunner& runner, bool color) {
  TerminalRestorer restorer;
  Input input;
  std::fprintf(stderr, "Enter your prompt (/help for commands, Ctrl-D to quit):\n");
  const std::string prompt = Styled(">", "1;32", color) + " ";
  bool interrupted_at_prompt = false;
  for (;;) {
    std::string line;
    ReadStatus status = input.Read(prompt, &line);
    if (status == ReadStatus::kLine && Trim(line).rfind(kQuotes, 0) == 0) {
      input.AddHistory(line);
      std::string text;
      status = ReadMultiline(input, Trim(line), color, &text);
      line = text;
    } else if (status == ReadStatus::kLine) {
      input.AddHistory(line);
    }
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
    if (line[0] == '/' && line.find('\n') == std::string::npos) {
      if (!RunCommand(line, runner, color)) return 0;
      continue;
    }
    ReportTurn(runner.Ask(line, /*typed_line=*/true), color);
  }
}

}  // namespace litertlm::cli
