#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/engine_impl.h"
#include "api/model_impl.h"
#include "util/status_macros.h"

namespace litertlm {
namespace fs = std::filesystem;

namespace {

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The checkpoint's chat template; the family's prompt templates when it has none we support.
StatusOr<std::unique_ptr<ChatTemplate>> CheckpointChatTemplate(const std::string& dir, Arch arch) {
  const std::string path = (fs::path(dir) / "tokenizer_config.json").string();
  std::error_code ec;
  if (fs::exists(path, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    auto tmpl = ChatTemplate::FromTokenizerConfig(text, path);
    if (tmpl.ok()) return std::move(tmpl).value();
    const StatusCode code = tmpl.status().code();
    if (code != StatusCode::kNotFound && code != StatusCode::kUnimplemented) return tmpl.status();
  }
  return ChatTemplate::FromPromptTemplates(arch == Arch::kGemma3 ? PromptTemplates::GemmaTurns()
                                                                 : PromptTemplates::ChatML());
}

void AddUnique(std::vector<TokenId>* ids, TokenId id) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
}

}  // namespace

StatusOr<ModelDefaults> FamilyDefaults(const Model& model, const Tokenizer& tokenizer,
                                       bool template_writes_bos) {
  const ModelConfig& c = model.impl().config;
  ModelDefaults d;
  d.sampler = DefaultSamplerOptions(c.architecture).value_or(SamplerOptions{});
  d.max_context = c.max_position_embeddings;
  auto require = [&](const char* token) -> StatusOr<TokenId> {
    auto id = tokenizer.TokenToId(token);
    if (!id) return FailedPreconditionError(std::string("the tokenizer has no '") + token + "' token");
    return *id;
  };
  if (c.arch == Arch::kQwen3) {
    ASSIGN_OR_RETURN(TokenId im_end, require("<|im_end|>"));
    AddUnique(&d.stop_token_ids, im_end);
  } else {
    ASSIGN_OR_RETURN(TokenId eos, require("<eos>"));
    ASSIGN_OR_RETURN(TokenId end_of_turn, require("<end_of_turn>"));
    AddUnique(&d.stop_token_ids, eos);
    AddUnique(&d.stop_token_ids, end_of_turn);
    ASSIGN_OR_RETURN(TokenId bos, require("<bos>"));
    if (!template_writes_bos) d.start_token_id = bos;
    d.max_tokens = 4096;
  }
  for (int id : c.eos_token_ids) {
    if (id >= 0 && id < c.vocab_size) AddUnique(&d.stop_token_ids, id);
  }
  return d;
}

StatusOr<std::shared_ptr<const Engine>> Engine::Create(const std::string& path,
                                                       const EngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  LoadOptions load;
  load.num_threads = options.num_threads;
  ASSIGN_OR_RETURN(impl->model, ModelLoader::Load(path, load));
  const ModelConfig& c = impl->model->impl().config;
  ASSIGN_OR_RETURN(impl->tokenizer, Tokenizer::FromFile(path));
  if (impl->tokenizer->vocab_size() > c.vocab_size) {
    return InvalidArgumentError(path + ": the tokenizer has " +
                                std::to_string(impl->tokenizer->vocab_size()) +
                                " tokens but the model's vocab_size is " + std::to_string(c.vocab_size));
  }
  ASSIGN_OR_RETURN(impl->chat_template, CheckpointChatTemplate(path, c.arch));
  ASSIGN_OR_RETURN(impl->defaults,
                   FamilyDefaults(*impl->model, *impl->tokenizer, impl->chat_template->writes_bos()));
  return std::shared_ptr<const Engine>(std::make_shared<Engine>(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;
const std::shared_ptr<const Model>& Engine::model() const { return impl_->model; }
const Tokenizer& Engine::tokenizer() const { return *impl_->tokenizer; }
const ChatTemplate& Engine::chat_template() const { return *impl_->chat_template; }
const ModelDefaults& Engine::defaults() const { return impl_->defaults; }

}  // namespace litertlm
