// `litert-lm-cli perplexity MODEL (--ids 1,2,3 | --file TEXT) [--ctx-size N]
//  [--kv-cache-dtype f32|f16|int8] [--json]`
//
// --ctx-size N: non-overlapping windows of N tokens, each scored in a fresh context (llama.cpp's
// `perplexity -c N` cuts the text the same way); the first token of each window is context only,
// and for --file texts that start with the tokenizer's BOS every later window starts with BOS
// too. Progress (tokens scored, running perplexity) goes to stderr: a redrawn line on a
// terminal, a line per 10 % otherwise.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fstream>

#include "command.h"
#include "flag_ranges.h"
#include "hub_cli.h"
#include "int8_activations_flag.h"
#include "litertlm/engine.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "litertlm/tokenizer.h"

namespace litertlm::cli {
namespace {

struct PerplexityArgs {
  std::string model;
  std::string ids;
  std::string file;
  bool json = false;
  int threads = 0;
  std::string kv_cache_dtype = "f32";
  std::string int8_activations = "exact";
  int ctx_size = 0;
};

// Progress on stderr: "\rperplexity: 1024/23000 tokens (4 %), running ppl 12.3, 8s, ETA 3m" on a
// terminal; outside one, the same as a plain line at every 10 %.
std::function<bool(int, int, double)> MakeProgressPrinter() {
  const bool fancy = FancyProgress();
  const auto start = std::chrono::steady_clock::now();
  auto last_decile = std::make_shared<int>(0);
  return [fancy, start, last_decile](int scored, int total, double ppl) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int percent = total ? static_cast<int>(int64_t{scored} * 100 / total) : 100;
    const std::string eta = scored ? FormatDuration(elapsed * (total - scored) / scored) : "--";
    if (fancy) {
      std::fprintf(stderr, "\rperplexity: %d/%d tokens (%d %%), running ppl %.4f, %s, ETA %s\033[K%s",
                   scored, total, percent, ppl, FormatDuration(elapsed).c_str(), eta.c_str(),
                   scored == total ? "\n" : "");
    } else if (percent / 10 > *last_decile || scored == total) {
      *last_decile = percent / 10;
      std::fprintf(stderr, "perplexity: %d/%d tokens (%d %%), running ppl %.4f, %s, ETA %s\n",
                   scored, total, percent, ppl, FormatDuration(elapsed).c_str(), eta.c_str());
    }
    std::fflush(stderr);
    return true;
  };
}

StatusOr<std::vector<TokenId>> ParseIds(const std::string& text) {
  std::vector<TokenId> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b == std::string::npos) return InvalidArgumentError("--ids: empty item in '" + text + "'");
    item = item.substr(b, e - b + 1);
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || v > 0x7fffffff)
      return InvalidArgumentError("--ids: '" + item + "' is not a token id");
    ids.push_back(static_cast<TokenId>(v));
  }
  return ids;
}

// The text of --file tokenized with the model's own tokenizer (its special tokens added, e.g.
// Gemma's <bos>), the model to score it with, and its BOS id when the text starts with it.
StatusOr<std::vector<TokenId>> TokenizeFile(const std::string& model_path, const std::string& file,
                                            int threads, Int8Activations int8_activations,
                                            std::shared_ptr<const Model>* model,
                                            std::optional<TokenId>* bos) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFoundError("--file: cannot open '" + file + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EngineOptions options;
  options.num_threads = threads;
  options.int8_activations = int8_activations;
  auto engine = Engine::Create(model_path, options);
  if (!engine.ok()) return engine.status();
  *model = (*engine)->model();
  StatusOr<std::vector<TokenId>> ids = (*engine)->tokenizer().Encode(text, /*add_special_tokens=*/true);
  if (ids.ok() && !ids->empty() && (*engine)->tokenizer().bos_id() == ids->front())
    *bos = ids->front();
  return ids;
}

int Run(const PerplexityArgs& args) {
  if (args.ids.empty() == args.file.empty())
    return ReportError("perplexity: give exactly one of --ids or --file");
  if (args.ctx_size == 1) return ReportError("--ctx-size: must be 0 (whole text) or at least 2, got 1");
  std::shared_ptr<const Model> model;
  std::optional<TokenId> bos;
  StatusOr<std::vector<TokenId>> ids = std::vector<TokenId>{};
  if (!args.file.empty()) {
    ids = TokenizeFile(args.model, args.file, args.threads, Int8ActivationsFromFlag(args.int8_activations), &model,
                       &bos);
    if (!ids.ok()) return ReportError(ids.status());
    if (ids->size() < 2) return ReportError("--file: the text has fewer than 2 tokens");
  } else {
    ids = ParseIds(args.ids);
    if (!ids.ok()) return ReportError(ids.status());
    if (ids->size() < 2) return ReportError("--ids: need at least 2 tokens to measure perplexity");
    LoadOptions load;
    load.num_threads = args.threads;
    load.int8_activations = Int8ActivationsFromFlag(args.int8_activations);
    auto loaded = ModelLoader::Load(args.model, load);
    if (!loaded.ok()) return ReportError(loaded.status());
    model = *loaded;
  }
  auto kv_dtype = KvCacheDTypeFromName(args.kv_cache_dtype);
  if (!kv_dtype.ok()) return ReportError(kv_dtype.status());
  SessionOptions options;
  options.kv_cache_dtype = *kv_dtype;
  options.num_threads = args.threads;
  PerplexityOptions perplexity;
  perplexity.window_tokens = args.ctx_size;
  perplexity.window_prefix = bos;
  perplexity.on_progress = MakeProgressPrinter();
  auto result = ComputePerplexity(model, *ids, options, perplexity);
  if (!result.ok()) return ReportError(result.status());
  if (args.json) {
    std::printf("{\"perplexity\": %.9g, \"tokens\": %zu, \"windows\": %d, \"nll\": [",
                result->perplexity, ids->size(), result->windows);
    for (size_t i = 0; i < result->nll.size(); ++i)
      std::printf("%s%.9g", i ? ", " : "", result->nll[i]);
    std::printf("]}\n");
  } else {
    std::printf("%.6f\n", result->perplexity);
    std::fprintf(stderr, "tokens: %zu, scored: %zu in %d window(s), mean nll: %.6f\n", ids->size(),
                 result->nll.size(), result->windows, std::log(result->perplexity));
  }
  return 0;
}

}  // namespace

Command RegisterPerplexityCommand(CLI::App& app) {
  auto args = std::make_shared<PerplexityArgs>();
  CLI::App* sub = app.add_subcommand("perplexity", "Perplexity of a token sequence or text under a model");
  sub->add_option("MODEL", args->model, "Checkpoint directory or .litertlm file")->required();
  sub->add_option("--ids", args->ids, "Comma-separated token ids, e.g. 1,2,3");
  sub->add_option("--file", args->file, "Text file to tokenize and score");
  sub->add_flag("--json", args->json, "Print one JSON object with perplexity, tokens and nll");
  sub->add_option("--threads", args->threads, "Worker threads (default: physical cores)")
      ->check(IntegerIn(0, kMaxThreadsFlag));
  AddInt8ActivationsFlag(sub, &args->int8_activations);
  sub->add_option("--kv-cache-dtype", args->kv_cache_dtype,
                  "KV cache element type: f32 (exact, default), f16 or int8")
      ->check(CLI::IsMember({"f32", "f16", "int8"}));
  sub->add_option("-c,--ctx-size", args->ctx_size,
                  "Score in non-overlapping windows of N tokens, each in a fresh context (as "
                  "llama.cpp's perplexity -c N); 0 = the whole text in one context (default)")
      ->check(CLI::NonNegativeNumber);
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
