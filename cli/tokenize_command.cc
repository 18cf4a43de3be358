// `litert-lm-cli tokenize MODEL (--text TEXT | --file PATH) [--add-special-tokens]`
//   prints the token ids as a JSON array, e.g. [9707, 1879].
// `litert-lm-cli detokenize MODEL --ids 1,2,3 [--skip-special-tokens]`
//   prints the text (followed by a newline only when stdout is a terminal).
// MODEL is a tokenizer file (tokenizer.json / tokenizer.model) or a directory holding one.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "litertlm/engine.h"
#include "litertlm/tokenizer.h"

namespace litertlm::cli {
namespace {

// Where a command's MODEL argument finds its tokenizer: a tokenizer file, a directory that holds
// one, a .litertlm file (its tokenizer section) or a .tflite file (the tokenizer beside it), the
// last two through an Engine that owns the tokenizer.
StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizerForModel(const std::string& model) {
  if ((model.size() > 9 && model.compare(model.size() - 9, 9, ".litertlm") == 0) ||
      (model.size() > 7 && model.compare(model.size() - 7, 7, ".tflite") == 0)) {
    auto engine = Engine::Create(model);
    if (!engine.ok()) return engine.status();
    std::shared_ptr<const Engine> owner = *engine;
    return std::shared_ptr<const Tokenizer>(owner, &owner->tokenizer());
  }
  auto tok = Tokenizer::FromFile(model);
  if (!tok.ok()) return tok.status();
  return std::shared_ptr<const Tokenizer>(std::move(tok).value());
}

// "1,2,3", "1 2 3" or a JSON array "[1, 2, 3]".
StatusOr<std::vector<TokenId>> ParseIdList(const std::string& text) {
  std::vector<TokenId> ids;
  std::string item;
  auto flush = [&]() -> Status {
    if (item.empty()) return Status::Ok();
    char* end = nullptr;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || v > 0x7fffffff)
      return InvalidArgumentError("--ids: '" + item + "' is not a token id");
    ids.push_back(static_cast<TokenId>(v));
    item.clear();
    return Status::Ok();
  };
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '[' || c == ']') {
      Status s = flush();
      if (!s.ok()) return s;
    } else {
      item.push_back(c);
    }
  }
  Status s = flush();
  if (!s.ok()) return s;
  return ids;
}

struct TokenizeArgs {
  std::string model, text, file;
  bool text_given = false;
  bool add_special_tokens = false;
};

int RunTokenize(const TokenizeArgs& args) {
  if (args.text_given == !args.file.empty())
    return ReportError("tokenize: give exactly one of --text or --file");
  std::string text = args.text;
  if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) return ReportError("--file: cannot open '" + args.file + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto tok = LoadTokenizerForModel(args.model);
  if (!tok.ok()) return ReportError(tok.status());
  auto ids = (*tok)->Encode(text, args.add_special_tokens);
  if (!ids.ok()) return ReportError(ids.status());
  std::string out = "[";
  for (size_t i = 0; i < ids->size(); ++i) {
    if (i) out += ", ";
    out += std::to_string((*ids)[i]);
  }
  out += "]\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

struct DetokenizeArgs {
  std::string model, ids;
  bool skip_special_tokens = false;
};

int RunDetokenize(const DetokenizeArgs& args) {
  auto ids = ParseIdList(args.ids);
  if (!ids.ok()) return ReportError(ids.status());
  auto tok = LoadTokenizerForModel(args.model);
  if (!tok.ok()) return ReportError(tok.status());
  auto text = (*tok)->Decode(*ids, args.skip_special_tokens);
  if (!text.ok()) return ReportError(text.status());
  std::fwrite(text->data(), 1, text->size(), stdout);
  if (isatty(fileno(stdout))) std::fputc('\n', stdout);
  return 0;
}

}  // namespace

Command RegisterTokenizeCommand(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* sub = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
  sub->add_option("MODEL", args->model, "tokenizer.json / tokenizer.model, or a directory holding one")
      ->required();
  sub->add_option("--text", args->text, "The text to tokenize")
      ->each([args](const std::string&) { args->text_given = true; });
  sub->add_option("--file", args->file, "Read the text from this file (bytes as is)");
  sub->add_flag("--add-special-tokens", args->add_special_tokens,
                "Add what the tokenizer's post-processing adds (e.g. Gemma's <bos>)");
  return {sub, [args] { return RunTokenize(*args); }};
}

Command RegisterDetokenizeCommand(CLI::App& app) {
  auto args = std::make_shared<DetokenizeArgs>();
  CLI::App* sub = app.add_subcommand("detokenize", "Print the text of token ids");
  sub->add_option("MODEL", args->model, "tokenizer.json / tokenizer.model, or a directory holding one")
      ->required();
  sub->add_option("--ids", args->ids, "Token ids: 1,2,3 or [1, 2, 3]")->required();
  sub->add_flag("--skip-special-tokens", args->skip_special_tokens, "Drop special tokens");
  return {sub, [args] { return RunDetokenize(*args); }};
}

}  // namespace litertlm::cli
