#include <algorithm>
#include <filesystem>
#include <future>

#include "api/engine_impl.h"
#include "api/model_file_kind.h"
#include "format/litertlm_reader.h"
#include "format/tflite_weight_source.h"
#include "format/litertlm_weight_source.h"
#include "format/llm_metadata.pb.h"
#include "format/model_family.h"
#include "format/tokenizer_config.h"
#include "model/loaded_model.h"
#include "tokenizer/tokenizer_factory.h"
#include "util/status_macros.h"

namespace litertlm {
namespace fs = std::filesystem;

namespace {

// The family's turns as prompt templates (the fallback when a model has no template we render).
PromptTemplates FamilyPromptTemplates(const ModelFamily& f) {
  auto affix = [&](std::string_view role) {
    return PromptAffix{std::string(f.turns.turn_start) + std::string(role) + std::string(f.turns.role_end),
                       std::string(f.turns.turn_end)};
  };
  PromptTemplates pt;
  if (f.turns.has_system_role) pt.system = affix("system");
  pt.user = affix("user");
  pt.assistant = affix(f.turns.model_role);
  return pt;
}

// The family of a loaded model, chosen among the rows of its architecture by the tokens the
// tokenizer has.
StatusOr<const ModelFamily*> FamilyOf(const ModelConfig& c, const Tokenizer& tokenizer) {
  const ModelFamily* family = FindFamilyByHfArchitecture(
      c.architecture, [&](std::string_view text) -> std::optional<int32_t> { return tokenizer.TokenToId(text); });
  if (family == nullptr) return InternalError(c.architecture + ": no model family record");
  return family;
}

// The checkpoint's chat template (tokenizer_config.json or chat_template.jinja); the family's
// prompt templates when it has none we support. `*own` tells whether the checkpoint has a chat
// template at all (even one we do not implement).
StatusOr<std::unique_ptr<ChatTemplate>> CheckpointChatTemplate(const TokenizerConfig& config,
                                                               const ModelFamily& family, bool* own) {
  *own = config.chat_template.has_value();
  if (config.chat_template) {
    auto tmpl = ChatTemplate::Create(*config.chat_template, config.bos_text(), config.eos_text());
    if (tmpl.ok()) return std::move(tmpl).value();
    if (tmpl.status().code() != StatusCode::kUnimplemented)
      return Status(tmpl.status().code(), config.chat_template_origin + ": " + tmpl.status().message());
  }
  return ChatTemplate::FromPromptTemplates(FamilyPromptTemplates(family));
}

void AddUnique(std::vector<TokenId>* ids, TokenId id) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
}

}  // namespace

StatusOr<ModelDefaults> FamilyDefaults(const Model& model, const Tokenizer& tokenizer,
                                       bool /*template_writes_bos*/) {
  const ModelConfig& c = ImplOf(model).config;
  ModelDefaults d;
  d.sampler = DefaultSamplerOptions(c.architecture).value_or(SamplerOptions{});
  d.max_context = c.max_position_embeddings;
  auto require = [&](std::string_view token) -> StatusOr<TokenId> {
    auto id = tokenizer.TokenToId(token);
    if (!id) return FailedPreconditionError("the tokenizer has no '" + std::string(token) + "' token");
    return *id;
  };
  ASSIGN_OR_RETURN(const ModelFamily* family, FamilyOf(c, tokenizer));
  for (const FamilyToken& stop : family->stops) {
    if (stop.optional && !tokenizer.TokenToId(stop.text)) continue;
    ASSIGN_OR_RETURN(TokenId id, require(stop.text));
    AddUnique(&d.stop_token_ids, id);
  }
  if (family->start) {
    ASSIGN_OR_RETURN(TokenId bos, require(family->start->text));
    d.start_token_id = bos;  // Generate/Complete write it unless the prompt starts with it
  }
  d.max_tokens = family->checkpoint_max_tokens;
  for (int id : c.eos_token_ids) {
    if (id >= 0 && id < c.vocab_size) AddUnique(&d.stop_token_ids, id);
  }
  return d;
}

namespace {

namespace proto = litert::lm::proto;

// A TokenUnion of the metadata: ids as given, or a token string looked up in the tokenizer.
StatusOr<std::vector<TokenId>> TokenUnionIds(const proto::TokenUnion& u, const Tokenizer& tok,
                                             const std::string& where) {
  std::vector<TokenId> ids;
  if (u.has_token_ids()) {
    for (int id : u.token_ids().ids()) ids.push_back(id);
  } else if (u.has_token_str()) {
    auto id = tok.TokenToId(u.token_str());
    if (!id) return InvalidArgumentError(where + ": token '" + u.token_str() + "' is not in the tokenizer");
    ids.push_back(*id);
  }
  return ids;
}

SamplerOptions SamplerFromMetadata(const proto::SamplerParameters& p, SamplerOptions fallback) {
  SamplerOptions s = fallback;
  if (p.type() == proto::SamplerParameters::GREEDY) {
    s.top_k = 1;
    return s;
  }
  if (p.k() > 0) s.top_k = p.k();
  if (p.p() > 0 && p.p() <= 1) s.top_p = p.p();
  if (p.temperature() >= 0) s.temperature = p.temperature();
  if (p.has_seed()) s.seed = static_cast<uint64_t>(p.seed());
  return s;
}

std::unique_ptr<ChatTemplate> TemplateFromAffixes(const proto::PromptTemplates& t, const ModelFamily& family) {
  PromptTemplates pt = FamilyPromptTemplates(family);
  if (t.has_user()) pt.user = {t.user().prefix(), t.user().suffix()};
  if (t.has_model()) pt.assistant = {t.model().prefix(), t.model().suffix()};
  if (t.has_system()) pt.system = PromptAffix{t.system().prefix(), t.system().suffix()};
  return ChatTemplate::FromPromptTemplates(std::move(pt));
}

// A .litertlm file's tokenizer, read through a reader of its own: it does not depend on the
// weights, so Engine::Create builds it while the model loads (parsing Gemma 3's 262,144-token
// tokenizer.json takes about as long as mapping the model's weights).
StatusOr<std::unique_ptr<Tokenizer>> LitertlmTokenizer(const std::string& path) {
  format::ReaderOptions sections_only;  // the model's sections are the loader's to check
  sections_only.require_model_sections = false;
  ASSIGN_OR_RETURN(auto reader, format::LitertlmReader::Open(path, sections_only));
  const TokenizerKind kind = reader->tokenizer_kind() == format::TokenizerKind::kSentencePiece
                                 ? TokenizerKind::kSentencePiece
                                 : TokenizerKind::kHfTokenizerJson;
  ASSIGN_OR_RETURN(std::string bytes, reader->TokenizerBytes());
  return Tokenizer::FromBytes(kind, bytes, path + ":tokenizer");
}

// Template and defaults from a .litertlm file's LlmMetadata; `tokenizer` is the file's own
// (LitertlmTokenizer).
Status FillFromLitertlm(const std::string& path, std::unique_ptr<Tokenizer> tokenizer, Engine::Impl* impl) {
  const WeightSource* weights = ImplOf(*impl->model).source.get();
  const format::LitertlmReader* file = nullptr;
  if (const auto* own = dynamic_cast<const format::LitertlmWeightSource*>(weights)) file = &own->reader();
  if (const auto* google = dynamic_cast<const format::TfliteWeightSource*>(weights)) file = google->litertlm();
  if (file == nullptr) return InternalError(path + ": model was not loaded from a .litertlm file");
  const format::LitertlmReader& reader = *file;
  impl->tokenizer = std::move(tokenizer);
  ASSIGN_OR_RETURN(const ModelFamily* family, FamilyOf(ImplOf(*impl->model).config, *impl->tokenizer));
  const proto::LlmMetadata* md = reader.metadata();
  if (md == nullptr) return InvalidArgumentError(path + ": no LlmMetadata section");
  auto token_text = [&](std::optional<TokenId> id) {
    return id ? impl->tokenizer->IdToToken(*id).value_or("") : std::string();
  };
  impl->chat_template = nullptr;
  // liblitertlm's converter always writes the family's prompt templates; only a Jinja template
  // says the model has one of its own. Other writers' prompt templates are the model's.
  impl->own_chat_template = (md->has_jinja_prompt_template() && !md->jinja_prompt_template().empty()) ||
                            (md->has_prompt_templates() && !md->has_conversion_info());
  if (md->has_jinja_prompt_template() && !md->jinja_prompt_template().empty()) {
    auto tmpl = ChatTemplate::Create(md->jinja_prompt_template(), token_text(impl->tokenizer->bos_id()),
                                     token_text(impl->tokenizer->eos_id()));
    if (tmpl.ok()) {
      impl->chat_template = std::move(tmpl).value();
    } else if (tmpl.status().code() != StatusCode::kUnimplemented) {
      return Status(tmpl.status().code(), path + ": jinja_prompt_template: " + tmpl.status().message());
    }
  }
  if (impl->chat_template == nullptr) impl->chat_template = TemplateFromAffixes(md->prompt_templates(), *family);
  ASSIGN_OR_RETURN(impl->defaults,
                   FamilyDefaults(*impl->model, *impl->tokenizer, impl->chat_template->writes_bos()));
  ModelDefaults& d = impl->defaults;
  if (md->has_sampler_params()) d.sampler = SamplerFromMetadata(md->sampler_params(), d.sampler);
  if (md->stop_tokens_size() > 0) d.stop_token_ids.clear();
  for (const auto& stop : md->stop_tokens()) {
    // Google's files also list multi-token texts ("<end_of_turn>\n"); those are not stop tokens.
    if (stop.has_token_str() && !impl->tokenizer->TokenToId(stop.token_str())) continue;
    ASSIGN_OR_RETURN(auto ids, TokenUnionIds(stop, *impl->tokenizer, path + ": stop_tokens"));
    for (TokenId id : ids) AddUnique(&d.stop_token_ids, id);
  }
  if (md->has_start_token()) {
    ASSIGN_OR_RETURN(auto ids, TokenUnionIds(md->start_token(), *impl->tokenizer, path + ": start_token"));
    if (!ids.empty()) d.start_token_id = ids[0];
  }
  if (md->max_num_tokens() > 0) d.max_tokens = md->max_num_tokens();
  if (md->conversion_info().kv_cache_max_len() > 0) d.max_context = md->conversion_info().kv_cache_max_len();
  return Status::Ok();
}

Status FillFromCheckpoint(const std::string& path, Engine::Impl* impl) {
  const ModelConfig& c = ImplOf(*impl->model).config;
  ASSIGN_OR_RETURN(const TokenizerConfig files, ReadTokenizerConfig(path));
  ASSIGN_OR_RETURN(impl->tokenizer, TokenizerFromFile(path, files));
  ASSIGN_OR_RETURN(const ModelFamily* family, FamilyOf(c, *impl->tokenizer));
  ASSIGN_OR_RETURN(impl->chat_template, CheckpointChatTemplate(files, *family, &impl->own_chat_template));
  ASSIGN_OR_RETURN(impl->defaults,
                   FamilyDefaults(*impl->model, *impl->tokenizer, impl->chat_template->writes_bos()));
  return Status::Ok();
}

}  // namespace

StatusOr<std::shared_ptr<const Engine>> Engine::Create(const std::string& path,
                                                       const EngineOptions& options) {
  if (options.num_threads < 0) return InvalidArgumentError("EngineOptions.num_threads must be >= 0");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  LoadOptions load;
  load.num_threads = options.num_threads;
  load.lock_in_memory = options.lock_in_memory;
  load.int8_activations = options.int8_activations;
  const ModelFileKind kind = DetectModelFileKind(path);
  std::future<StatusOr<std::unique_ptr<Tokenizer>>> tokenizer;
  if (kind == ModelFileKind::kLitertlm) tokenizer = std::async(std::launch::async, LitertlmTokenizer, path);
  auto model = ModelLoader::Load(path, load);
  // A model that fails to load is the error to report (a damaged file fails both).
  if (!model.ok()) return model.status();
  impl->model = std::move(model).value();
  switch (kind) {
    case ModelFileKind::kLitertlm: {
      ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> own, tokenizer.get());
      RETURN_IF_ERROR(FillFromLitertlm(path, std::move(own), impl.get()));
      break;
    }
    case ModelFileKind::kCheckpointDir:
      RETURN_IF_ERROR(FillFromCheckpoint(path, impl.get()));
      break;
    case ModelFileKind::kTflite: {
      // A plain .tflite file: tokenizer.json / tokenizer.model (and tokenizer_config.json for the
      // chat template and special tokens) beside it say what LlmMetadata would have said.
      const std::string dir = std::filesystem::path(impl->model->info().source_path).parent_path().string();
      std::error_code ec;
      if (!std::filesystem::exists(std::filesystem::path(dir) / "tokenizer.json", ec) &&
          !std::filesystem::exists(std::filesystem::path(dir) / "tokenizer.model", ec)) {
        return NotFoundError(impl->model->info().source_path +
                             ": no tokenizer.json or tokenizer.model beside it (a plain .tflite file needs "
                             "its tokenizer in the same directory)");
      }
      RETURN_IF_ERROR(FillFromCheckpoint(dir.empty() ? "." : dir, impl.get()));
      break;
    }
    default:
      return InvalidArgumentError(path + ": chat needs a .litertlm file, a checkpoint directory or a .tflite "
                                         "file with its tokenizer (convert a .gguf file first)");
  }
  const int model_vocab = ImplOf(*impl->model).config.vocab_size;
  // Special tokens past the model's vocabulary are allowed (Gemma 3's <image_soft_token> is id
  // 262144 of a 262144-row model): the model never emits them, and a prompt holding one is
  // refused by the session (INVALID_ARGUMENT naming the id). Ordinary tokens there are an error.
  for (TokenId id = model_vocab; id < impl->tokenizer->vocab_size(); ++id) {
    if (!impl->tokenizer->IsSpecial(id)) {
      return InvalidArgumentError(path + ": the tokenizer has " + std::to_string(impl->tokenizer->vocab_size()) +
                                  " tokens but the model's vocab_size is " + std::to_string(model_vocab) +
                                  " (token " + std::to_string(id) + " is not a special token)");
    }
  }
  return std::shared_ptr<const Engine>(std::make_shared<Engine>(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;
const std::shared_ptr<const Model>& Engine::model() const { return impl_->model; }
const Tokenizer& Engine::tokenizer() const { return *impl_->tokenizer; }
const ChatTemplate& Engine::chat_template() const { return *impl_->chat_template; }
const ModelDefaults& Engine::defaults() const { return impl_->defaults; }
bool Engine::has_own_chat_template() const { return impl_->own_chat_template; }

}  // namespace litertlm
