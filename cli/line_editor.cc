#include "line_editor.h"

#include <histedit.h>
#include <langinfo.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <cwchar>

namespace litertlm::cli {
namespace {

constexpr char kPasteOn[] = "\x1b[?2004h";
constexpr char kPasteOff[] = "\x1b[?2004l";
constexpr char kPromptEscape = '\1';  // libedit: text between two of these takes no columns

// ---- terminal settings restored on exit and on fatal signals ----
struct termios g_saved_termios;
volatile sig_atomic_t g_termios_saved = 0;
volatile sig_atomic_t g_paste_mode_on = 0;  // ESC [?2004h sent, not yet undone
constexpr int kFatalSignals[] = {SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_previous_fatal[3];

void RestoreTerminal() {
  if (g_termios_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  if (g_paste_mode_on && write(STDERR_FILENO, kPasteOff, sizeof(kPasteOff) - 1) < 0) {
    // nothing more can be done from here
  }
  g_paste_mode_on = 0;
}

void OnFatalSignal(int signo) {
  RestoreTerminal();  // tcsetattr and write are async-signal-safe
  signal(signo, SIG_DFL);
  raise(signo);
}

// libedit works in wide characters; UTF-8 input needs a UTF-8 LC_CTYPE.
void UseUtf8Ctype() {
  const char* set = std::setlocale(LC_CTYPE, "");
  if (set == nullptr || std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
}

// Wraps the SGR sequences of `prompt` in kPromptEscape so libedit counts only visible columns.
std::string MarkEscapes(const std::string& prompt) {
  std::string out;
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] == '\x1b') {
      const size_t end = prompt.find('m', i);
      if (end != std::string::npos) {
        out += kPromptEscape;
        out.append(prompt, i, end - i + 1);
        out += kPromptEscape;
        i = end;
        continue;
      }
    }
    out += prompt[i];
  }
  return out;
}

std::string WideToUtf8(const std::wstring& text) {
  std::string out;
  std::mbstate_t state{};
  char buf[MB_LEN_MAX];
  for (wchar_t wc : text) {
    const size_t n = std::wcrtomb(buf, wc, &state);
    if (n != static_cast<size_t>(-1)) out.append(buf, n);
  }
  return out;
}

}  // namespace

struct LineEditor::State {
  EditLine* el = nullptr;
  History* history = nullptr;
  std::string prompt;
};

namespace {

const char* PromptFn(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<LineEditor::State*>(data)->prompt.c_str();
}

// Bound to ESC [200~: reads up to ESC [201~ and inserts the pasted text as it is (newlines
// included; terminals send Enter as CR).
unsigned char PasteFn(EditLine* el, int) {
  static const std::wstring kEnd = L"\x1b[201~";
  std::wstring text;
  wchar_t wc = 0;
  while (el_wgetc(el, &wc) == 1) {
    text.push_back(wc);
    if (text.size() >= kEnd.size() && text.compare(text.size() - kEnd.size(), kEnd.size(), kEnd) == 0) {
      text.resize(text.size() - kEnd.size());
      break;
    }
  }
  std::wstring clean;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == L'\r') {
      clean.push_back(L'\n');
      if (i + 1 < text.size() && text[i + 1] == L'\n') ++i;
    } else {
      clean.push_back(text[i]);
    }
  }
  if (!clean.empty() && el_winsertstr(el, clean.c_str()) != 0) return CC_ERROR;
  return CC_REFRESH;
}

}  // namespace

TerminalRestorer::TerminalRestorer() {
  if (tcgetattr(STDIN_FILENO, &g_saved_termios) == 0) g_termios_saved = 1;
  struct sigaction action = {};
  action.sa_handler = OnFatalSignal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kFatalSignals[i], &action, &g_previous_fatal[i]);
}

TerminalRestorer::~TerminalRestorer() {
  RestoreTerminal();
  for (int i = 0; i < 3; ++i) sigaction(kFatalSignals[i], &g_previous_fatal[i], nullptr);
  g_termios_saved = 0;
}

std::unique_ptr<LineEditor> LineEditor::Open() {
  if (isatty(STDIN_FILENO) != 1 || isatty(STDERR_FILENO) != 1) return nullptr;
  UseUtf8Ctype();
  auto state = std::make_unique<State>();
  state->el = el_init("litert-lm-cli", stdin, stderr, stderr);
  if (state->el == nullptr) return nullptr;
  state->history = history_init();
  if (state->history != nullptr) {
    HistEvent event;
    history(state->history, &event, H_SETSIZE, 1000);
    history(state->history, &event, H_SETUNIQUE, 1);
    el_set(state->el, EL_HIST, history, state->history);
  }
  el_set(state->el, EL_EDITOR, "emacs");
  el_set(state->el, EL_CLIENTDATA, state.get());
  el_set(state->el, EL_PROMPT_ESC, PromptFn, kPromptEscape);
  // The wide call: libedit keeps these pointers (the narrow el_set copies them and never frees).
  el_wset(state->el, EL_ADDFN, L"litertlm-paste", L"Insert a bracketed paste", PasteFn);
  el_set(state->el, EL_BIND, "\x1b[200~", "litertlm-paste", nullptr);
  el_source(state->el, nullptr);  // the user's ~/.editrc, if any
  return std::unique_ptr<LineEditor>(new LineEditor(std::move(state)));
}

LineEditor::LineEditor(std::unique_ptr<State> state) : state_(std::move(state)) {}

LineEditor::~LineEditor() {
  el_end(state_->el);
  if (state_->history != nullptr) history_end(state_->history);
}

ReadStatus LineEditor::Read(const std::string& prompt, std::string* line) {
  state_->prompt = MarkEscapes(prompt);
  const char* term = std::getenv("TERM");
  const bool paste_mode = term != nullptr && std::strcmp(term, "dumb") != 0;
  if (paste_mode) {
    std::fputs(kPasteOn, stderr);
    g_paste_mode_on = 1;
  }
  std::fflush(stderr);
  InterruptGuard::TakeInterrupt();
  int count = 0;
  const wchar_t* text = el_wgets(state_->el, &count);
  if (paste_mode) {
    std::fputs(kPasteOff, stderr);
    g_paste_mode_on = 0;
  }
  std::fflush(stderr);
  if (InterruptGuard::TakeInterrupt()) {
    el_reset(state_->el);  // cooked mode again, the typed line forgotten
    return ReadStatus::kInterrupted;
  }
  if (text == nullptr || count <= 0) return ReadStatus::kEndOfInput;
  std::wstring wide(text, static_cast<size_t>(count));
  if (!wide.empty() && wide.back() == L'\n') wide.pop_back();
  *line = WideToUtf8(wide);
  return ReadStatus::kLine;
}

void LineEditor::AddHistory(const std::string& line) {
  if (state_->history == nullptr || line.empty()) return;
  HistEvent event;
  history(state_->history, &event, H_ENTER, line.c_str());
}

namespace {
struct termios g_before_hold;  // one AnswerInputHold at a time
}  // namespace

AnswerInputHold::AnswerInputHold() {
  if (isatty(STDIN_FILENO) != 1 || tcgetattr(STDIN_FILENO, &g_before_hold) != 0) return;
  struct termios t = g_before_hold;
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  t.c_lflag |= ISIG | NOFLSH;  // Ctrl-C still stops the answer, and leaves the input to count
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  active_ = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

AnswerInputHold::~AnswerInputHold() {
  if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &g_before_hold);
}

size_t AnswerInputHold::DiscardTypeAhead() {
  if (!active_) return 0;
  int pending = 0;
  if (ioctl(STDIN_FILENO, FIONREAD, &pending) != 0) pending = 0;
  tcflush(STDIN_FILENO, TCIFLUSH);
  return pending > 0 ? static_cast<size_t>(pending) : 0;
}

}  // namespace litertlm::cli
