// `litert-lm-cli run MODEL`: chat with a model — interactively on a terminal, one turn per line
// of piped stdin, or once with --prompt. Only the model's text goes to stdout.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "chat_repl.h"
#include "chat_turn.h"
#include "command.h"
#include "flag_ranges.h"
#include "int8_activations_flag.h"
#include "hub_cli.h"
#include "line_reader.h"
#include "model_resolution.h"
#include "litertlm/engine.h"
#include "litertlm/converter.h"
#include "litertlm/hub.h"
#include "litertlm/sampler.h"
#include "litertlm/session.h"
#include "run_stats.h"
#include "terminal_style.h"

namespace litertlm::cli {
namespace {

struct RunArgs {
  std::string model;
  std::string prompt;
  std::string prompt_file;
  std::string system;
  int max_tokens = 0;
  float temperature = 0;
  int top_k = 0;
  float top_p = 0;
  uint64_t seed = 0;
  int threads = 0;
  int max_context = 0;
  std::string kv_cache_dtype = "f32";
  std::string int8_activations = "exact";
  bool mlock = false;
  std::vector<std::string> stop;
  bool think = false;
  bool no_think = false;
  bool stats = false;
  bool json = false;
  bool no_chat_template = false;
  bool no_context_shift = false;
  bool no_color = false;
  ModelStoreFlags store;
  // Set by RegisterRunCommand; count() > 0 when the flag was given.
  CLI::Option* prompt_opt = nullptr;
  CLI::Option* file_opt = nullptr;
  CLI::Option* temperature_opt = nullptr;
  CLI::Option* top_k_opt = nullptr;
  CLI::Option* top_p_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
};

// Each given sampler flag alone through Sampler::Create, so a bad value fails before the model
// loads and the error names the flag ("--top-p: SamplerOptions.top_p must be in (0, 1], got 2").
Status ValidateSamplerFlags(const RunArgs& args) {
  auto check = [](const char* flag, const SamplerOptions& alone) -> Status {
    auto sampler = Sampler::Create(alone);
    if (sampler.ok()) return Status::Ok();
    return Status(sampler.status().code(), std::string(flag) + ": " + sampler.status().message());
  };
  SamplerOptions o;
  if (args.temperature_opt->count()) {
    o = {};
    o.temperature = args.temperature;
    if (Status s = check("--temperature", o); !s.ok()) return s;
  }
  if (args.top_k_opt->count()) {
    o = {};
    o.top_k = args.top_k;
    if (Status s = check("--top-k", o); !s.ok()) return s;
  }
  if (args.top_p_opt->count()) {
    o = {};
    o.top_p = args.top_p;
    if (Status s = check("--top-p", o); !s.ok()) return s;
  }
  return Status::Ok();
}

// The model's sampler defaults with the given flags applied field by field.
SamplerOptions ApplySamplerFlags(const RunArgs& args, SamplerOptions sampler) {
  if (args.temperature_opt->count()) sampler.temperature = args.temperature;
  if (args.top_k_opt->count()) sampler.top_k = args.top_k;
  if (args.top_p_opt->count()) sampler.top_p = args.top_p;
  if (args.seed_opt->count()) sampler.seed = args.seed;
  return sampler;
}

// A path to a .litertlm file or a checkpoint directory is loaded as is. Anything else goes
// through the models directory: local first, else downloaded; a checkpoint (Qwen/*, google/*) or a
// .gguf file is converted with the default options first (litertlm::EnsureRunnableModel; each step
// printed by EnsureRunnableModelWithProgress).
StatusOr<std::string> ResolveModelPath(const RunArgs& args) {
  ConvertOptions convert;
  convert.num_threads = args.threads;
  return EnsureRunnableModelWithProgress(args.model, args.store, convert);
}

bool OnePrompt(const RunArgs& args) { return args.prompt_opt->count() + args.file_opt->count() > 0; }

bool ReadsTerminal(const RunArgs& args) { return !OnePrompt(args) && isatty(STDIN_FILENO) == 1; }

// --file PROMPT.txt: the whole file, newlines included, is one prompt.
StatusOr<std::string> ReadPromptFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return InvalidArgumentError("--file: '" + path + "' is a directory, not a prompt file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("--file: cannot open '" + path + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return UnknownError("--file: cannot read '" + path + "'");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgumentError("--file: '" + path + "' is empty");
  return text;
}

// Each line of stdin is a user turn of one conversation; empty lines are skipped. A line too long
// for the context even alone is reported and skipped (exit code 1 at the end); other errors end
// the run.
int RunPiped(TurnRunner& runner) {
  std::string line;
  int rc = 0;
  while (ReadLine(&line) == ReadStatus::kLine) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto result = runner.Ask(line, /*typed_line=*/true);
    if (result.ok()) continue;
    if (result.status().code() != StatusCode::kOutOfRange) return ReportError(result.status());
    rc = ReportError(result.status().message() + " (line skipped)");
  }
  return rc;
}

// A model without a chat template of its own (a base model, e.g. converted from a GGUF file
// without one) continues plain text, as with --no-chat-template; said once on stderr.
bool UsePlainContinuation(const RunArgs& args, const Engine& engine) {
  if (args.no_chat_template) return true;
  if (engine.has_own_chat_template()) return false;
  std::fprintf(stderr,
               "note: this model has no chat template of its own (a base model): its input is "
               "continued as plain text, as with --no-chat-template\n");
  return true;
}

int Run(const RunArgs& args) {
  if (args.think && args.no_think) return ReportError("--think and --no-think exclude each other");
  if (args.no_chat_template && !args.system.empty())
    return ReportError("--system needs the chat template (drop --no-chat-template)");
  if (Status s = ValidateSamplerFlags(args); !s.ok()) return ReportError(s);
  std::string prompt = args.prompt;
  if (args.file_opt->count()) {
    StatusOr<std::string> text = ReadPromptFile(args.prompt_file);
    if (!text.ok()) return ReportError(text.status());
    prompt = *std::move(text);
  }
  const bool color_err = ColorAllowed(STDERR_FILENO, args.no_color);
  auto path = ResolveModelPath(args);
  if (!path.ok()) return ReportMultilineError(path.status());
  const auto load_start = std::chrono::steady_clock::now();
  EngineOptions engine_options;
  engine_options.num_threads = args.threads;
  engine_options.lock_in_memory = args.mlock;
  engine_options.int8_activations = Int8ActivationsFromFlag(args.int8_activations);
  auto engine = Engine::Create(*path, engine_options);
  if (!engine.ok()) return ReportError(engine.status());
  const bool raw = UsePlainContinuation(args, **engine);
  if (raw && !args.system.empty())
    return ReportError("--system needs a chat template, and this model has none of its own");
  SessionOptions session_options;
  session_options.num_threads = args.threads;
  session_options.max_context = args.max_context;
  session_options.context_overflow =
      args.no_context_shift ? ContextOverflow::kStop : ContextOverflow::kDropOldest;
  auto kv_dtype = KvCacheDTypeFromName(args.kv_cache_dtype);
  if (!kv_dtype.ok()) return ReportError(kv_dtype.status());
  session_options.kv_cache_dtype = *kv_dtype;
  auto session = Session::Create(*engine, session_options);
  if (!session.ok()) return ReportError(session.status());
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  TurnConfig config;
  config.options.sampler = ApplySamplerFlags(args, (*engine)->defaults().sampler);
  config.options.max_tokens = args.max_tokens;
  config.options.stop_strings = args.stop;
  if (args.think) config.options.enable_thinking = true;
  if (args.no_think) config.options.enable_thinking = false;
  config.json = args.json;
  config.stats = args.stats;
  config.raw_completion = raw;
  config.color_stderr = color_err;
  config.load_seconds = load_seconds;
  const bool interactive = ReadsTerminal(args);
  config.cancellable = interactive;
  config.hold_input = interactive;
  if (args.stats) PrintLoadStats(load_seconds, color_err);
  if (!args.system.empty()) (*session)->AddMessage(Role::kSystem, args.system);
  TurnRunner runner(session->get(), config);

  if (OnePrompt(args)) {
    auto result = runner.Ask(prompt);
    return result.ok() ? 0 : ReportError(result.status());
  }
  if (!interactive) return RunPiped(runner);
  InterruptGuard guard;
  return RunChatRepl(runner, color_err);
}

}  // namespace

Command RegisterRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "Chat with a model: interactive on a terminal, one turn per line of piped stdin, or --prompt");
  sub->add_option("MODEL", args->model,
                  "A .litertlm file, a checkpoint directory, litert-community/NAME (downloaded), "
                  "Qwen/NAME, google/NAME (downloaded and converted) or a .gguf file (converted)")
      ->required();
  args->prompt_opt = sub->add_option("-p,--prompt", args->prompt, "Answer this one prompt and exit");
  args->file_opt = sub->add_option("-f,--file", args->prompt_file,
                                   "Answer the whole text of this file as one prompt and exit")
                       ->excludes(args->prompt_opt);
  sub->add_option("--system", args->system, "System message (Gemma merges it into the first user turn)");
  sub->add_option("-n,--max-tokens", args->max_tokens,
                  "Most tokens per answer (default: the model's, else until the context is full)")
      ->check(IntegerIn(0, kMaxIntFlag));
  args->temperature_opt = sub->add_option("--temperature", args->temperature,
                                          "Sampling temperature; 0 = greedy (default: the model's)");
  args->top_k_opt = sub->add_option("--top-k", args->top_k, "Keep the k most likely tokens; 1 = greedy (default: the model's)")
      ->check(IntegerIn(0, kMaxIntFlag));
  args->top_p_opt = sub->add_option("--top-p", args->top_p, "Nucleus sampling mass in (0, 1] (default: the model's)");
  args->seed_opt = sub->add_option("--seed", args->seed,
                                   "Random seed; the n-th answer of a run uses seed+n (default: the model's, 0)")
      ->check(IntegerIn(0, std::numeric_limits<int64_t>::max()));
  sub->add_option("-t,--threads", args->threads, "Worker threads (default: physical cores)")
      ->check(IntegerIn(0, kMaxThreadsFlag));
  sub->add_option("--max-context,--kv-cache-max-len", args->max_context,
                  "Most tokens the conversation may hold (default: the model's limit; memory grows "
                  "only with the tokens used)")
      ->check(IntegerIn(0, kMaxIntFlag));
  sub->add_option("--kv-cache-dtype", args->kv_cache_dtype,
                  "KV cache element type: f32 (exact, default), f16 (half the memory and attention "
                  "reads) or int8 (28 %, one scale per 32 values)")
      ->check(CLI::IsMember({"f32", "f16", "int8"}));
  sub->add_option("--stop", args->stop, "Stop the answer before this text (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--mlock", args->mlock,
                "Lock the weights in memory so the OS cannot page them out (.litertlm files; "
                "needs RLIMIT_MEMLOCK / ulimit -l)");
  AddInt8ActivationsFlag(sub, &args->int8_activations);
  sub->add_flag("--think", args->think, "Qwen3: let the model think (<think>...</think>) first");
  sub->add_flag("--no-think", args->no_think, "Qwen3: answer without thinking (enable_thinking=false)");
  sub->add_flag("--stats", args->stats,
                "Print load time, time to first token, prefill/decode tokens/s, tokens and peak "
                "memory on stderr");
  sub->add_flag("--json", args->json,
                "Print one JSON object per answer (text, finish_reason, token counts, stats) "
                "instead of streaming the text");
  sub->add_flag("--no-chat-template", args->no_chat_template,
                "Send the raw text to the model and continue it (no chat template; the default for "
                "a model without a chat template of its own)");
  sub->add_flag("--no-context-shift", args->no_context_shift,
                "When the conversation fills the context, stop (the answer ends, a prompt that does "
                "not fit is an error) instead of dropping the oldest turns");
  sub->add_flag("--no-color", args->no_color, "No colour (also when NO_COLOR is set or not a terminal)");
  AddModelStoreFlags(sub, &args->store);
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
