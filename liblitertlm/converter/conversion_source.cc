#include "converter/conversion_source.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "converter/gguf_bpe_tokenizer.h"
#include "converter/gguf_tokenizer.h"
#include "format/gguf_hf_config.h"
#include "format/gguf_vocab.h"
#include "format/gguf_weight_source.h"
#include "format/hf_checkpoint.h"
#include "format/model_family.h"
#include "format/config_parser.h"
#include "format/tokenizer_config.h"
#include "model/tensor_table.h"
#include "util/status_macros.h"

namespace litertlm::converter {
namespace {

namespace fs = std::filesystem;

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return DataLossError(path + ": read error");
  return out.str();
}

StatusOr<ConversionSource> OpenCheckpoint(const std::string& path) {
  ConversionSource s;
  s.path = path;
  // The architecture first: an unsupported model is reported as such, not as missing weights.
  const std::string config_path = (fs::path(path) / "config.json").string();
  ASSIGN_OR_RETURN(std::string config_text, ReadWholeFile(config_path));
  RETURN_IF_ERROR(CheckModelArchitecture(config_text, config_path));
  ASSIGN_OR_RETURN(HfCheckpoint ckpt, OpenHfCheckpoint(path));
  ASSIGN_OR_RETURN(s.config, ParseModelConfig(config_text, config_path,
                                              static_cast<int64_t>(ckpt.weights->TensorNames().size())));
  s.config_json = std::move(ckpt.config_json);
  s.weights = std::move(ckpt.weights);
  const fs::path dir(path);
  std::error_code ec;
  if (fs::exists(dir / "tokenizer.model", ec)) {
    s.tokenizer_kind = format::TokenizerKind::kSentencePiece;
    ASSIGN_OR_RETURN(s.tokenizer_bytes, ReadWholeFile((dir / "tokenizer.model").string()));
  } else if (fs::exists(dir / "tokenizer.json", ec)) {
    s.tokenizer_kind = format::TokenizerKind::kHfTokenizerJson;
    ASSIGN_OR_RETURN(s.tokenizer_bytes, ReadWholeFile((dir / "tokenizer.json").string()));
  } else {
    return NotFoundError(path + ": no tokenizer.model or tokenizer.json in the checkpoint");
  }
  ASSIGN_OR_RETURN(const TokenizerConfig tokenizer_config, ReadTokenizerConfig(path));
  s.chat_template = tokenizer_config.chat_template.value_or("");
  return s;
}

StatusOr<ConversionSource> OpenGguf(const std::string& path) {
  ConversionSource s;
  s.path = path;
  ASSIGN_OR_RETURN(std::unique_ptr<GgufWeightSource> gguf, GgufWeightSource::Open(path, GgufTensorNames));
  ASSIGN_OR_RETURN(s.config_json, GgufToHfConfigJson(gguf->gguf(), GgufTensorNames));
  ASSIGN_OR_RETURN(s.config, ParseModelConfig(s.config_json, path + " (config from GGUF metadata)",
                                              static_cast<int64_t>(gguf->TensorNames().size())));
  ASSIGN_OR_RETURN(GgufVocab vocab, ReadGgufVocab(gguf->gguf()));
  if (vocab.model == "gpt2") {  // byte-level BPE (Qwen, Llama 3, ...): a tokenizer.json
    ASSIGN_OR_RETURN(s.tokenizer_bytes, BuildHfTokenizerJson(vocab, path));
    s.tokenizer_kind = format::TokenizerKind::kHfTokenizerJson;
  } else {
    ASSIGN_OR_RETURN(s.tokenizer_bytes, BuildSentencePieceModel(vocab, path));
    s.tokenizer_kind = format::TokenizerKind::kSentencePiece;
  }
  s.chat_template = vocab.chat_template;
  s.gguf = gguf.get();
  s.weights = std::move(gguf);
  return s;
}

}  // namespace

std::string ConversionSource::model_type() const {
  const ModelFamily* family = FindFamilyByHfArchitecture(config.architecture);
  return family == nullptr ? std::string() : std::string(family->model_types[0]);
}

StatusOr<ConversionSource> OpenConversionSource(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return NotFoundError(path + ": no such file or directory");
  if (fs::is_directory(path, ec)) {
    if (!IsHfCheckpointDir(path)) {
      return InvalidArgumentError(path + ": not a Hugging Face checkpoint (no config.json)");
    }
    return OpenCheckpoint(path);
  }
  if (fs::path(path).extension() == ".gguf") return OpenGguf(path);
  return InvalidArgumentError(path + ": not a checkpoint directory or a .gguf file");
}

}  // namespace litertlm::converter
