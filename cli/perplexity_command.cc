// `litert-lm-cli perplexity MODEL (--ids 1,2,3 | --file TEXT) [--kv-cache-dtype f32|f16|int8] [--json]`
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fstream>

#include "command.h"
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
};

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
// Gemma's <bos>), and the model to score it with.
StatusOr<std::vector<TokenId>> TokenizeFile(const std::string& model_path, const std::string& file,
                                            int threads, std::shared_ptr<const Model>* model) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFoundError("--file: cannot open '" + file + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EngineOptions options;
  options.num_threads = threads;
  auto engine = Engine::Create(model_path, options);
  if (!engine.ok()) return engine.status();
  *model = (*engine)->model();
  return (*engine)->tokenizer().Encode(text, /*add_special_tokens=*/true);
}

int Run(const PerplexityArgs& args) {
  if (args.ids.empty() == args.file.empty())
    return ReportError("perplexity: give exactly one of --ids or --file");
  std::shared_ptr<const Model> model;
  StatusOr<std::vector<TokenId>> ids = std::vector<TokenId>{};
  if (!args.file.empty()) {
    ids = TokenizeFile(args.model, args.file, args.threads, &model);
    if (!ids.ok()) return ReportError(ids.status());
    if (ids->size() < 2) return ReportError("--file: the text has fewer than 2 tokens");
  } else {
    ids = ParseIds(args.ids);
    if (!ids.ok()) return ReportError(ids.status());
    if (ids->size() < 2) return ReportError("--ids: need at least 2 tokens to measure perplexity");
    LoadOptions load;
    load.num_threads = args.threads;
    auto loaded = ModelLoader::Load(args.model, load);
    if (!loaded.ok()) return ReportError(loaded.status());
    model = *loaded;
  }
  auto kv_dtype = KvCacheDTypeFromName(args.kv_cache_dtype);
  if (!kv_dtype.ok()) return ReportError(kv_dtype.status());
  SessionOptions options;
  options.kv_cache_dtype = *kv_dtype;
  options.num_threads = args.threads;
  auto result = ComputePerplexity(model, *ids, options);
  if (!result.ok()) return ReportError(result.status());
  if (args.json) {
    std::printf("{\"perplexity\": %.9g, \"tokens\": %zu, \"nll\": [", result->perplexity, ids->size());
    for (size_t i = 0; i < result->nll.size(); ++i)
      std::printf("%s%.9g", i ? ", " : "", result->nll[i]);
    std::printf("]}\n");
  } else {
    std::printf("%.6f\n", result->perplexity);
    std::fprintf(stderr, "tokens: %zu, mean nll: %.6f\n", ids->size(), std::log(result->perplexity));
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
  sub->add_option("--threads", args->threads, "Threads (default: physical cores this process may use)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--kv-cache-dtype", args->kv_cache_dtype,
                  "KV cache element type: f32 (exact, default), f16 or int8")
      ->check(CLI::IsMember({"f32", "f16", "int8"}));
  return {sub, [args] { return Run(*args); }};
}

}  // namespace litertlm::cli
