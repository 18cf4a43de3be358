// The LlmMetadata a conversion writes, per model family, from the family records
// (format/model_family.cc), with the defaults the seed documents give (litertlm-format.md §2,
// issue 5):
//   Qwen3  — no start token; stop 151645 "<|im_end|>"; top-p sampler k=20 p=0.95 T=0.6;
//            "<|im_start|>{user,assistant,system}\n" … "<|im_end|>\n"; llm_model_type qwen3 {}.
//   Gemma3 — start 2 "<bos>"; stops 1 "<eos>" and 106 "<end_of_turn>"; greedy (top-k k=1)
//            p=0.95 T=1.0; "<start_of_turn>{user,model}\n" … "<end_of_turn>\n"; gemma3 {}.
//   Llama 3 — start "<|begin_of_text|>"; stops "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>";
//            top-p k=50 p=0.9 T=0.6; "<|start_header_id|>{role}<|end_header_id|>\n\n" …
//            "<|eot_id|>"; generic_model {}. Llama checkpoints with ChatML tokens (SmolLM2): Qwen3's
//            turns and "<|im_end|>", no start token.
// max_num_tokens = min(family maximum (Qwen3 40960, Gemma3 4096), kv_cache_max_len): the file can
// never promise more context than its KV cache holds.
// Every default token id is checked against the tokenizer (TokenLookup); a mismatch is an error,
// never silently written.
#ifndef LITERTLM_FORMAT_LLM_METADATA_DEFAULTS_H_
#define LITERTLM_FORMAT_LLM_METADATA_DEFAULTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/llm_metadata.pb.h"
#include "litertlm/status.h"

namespace litertlm::format {

struct MetadataOptions {
  int kv_cache_max_len = 1280;
  std::vector<int> prefill_seq_lens = {256};  // each in [1, kv_cache_max_len]
  std::string quantization;       // recorded in conversion_info
  std::string source_model;       // Hugging Face id or directory, recorded in conversion_info
  std::string converter_version;  // recorded in conversion_info
  std::string jinja_template;     // the source's chat template (converter); empty = none
  // false: the seed ids above are written after checking the tokenizer agrees. true: the ids are
  // the tokenizer's own for the same token texts (small test vocabularies, resized vocabularies);
  // a missing token is still an error. The converter then checks them against config.json.
  bool ids_from_tokenizer = false;
};

// The id the tokenizer gives the special token `text`, or nullopt if it has none.
using TokenLookup = std::function<std::optional<int32_t>(std::string_view text)>;

// `model_type` is config.json's "model_type": "qwen3", "gemma3", "gemma3_text" or "llama" (the
// Llama row is chosen by the tokens `lookup` knows).
// UNIMPLEMENTED for other families; INVALID_ARGUMENT for bad lengths; FAILED_PRECONDITION when the
// tokenizer disagrees with a default token id (message names the token and both ids).
StatusOr<litert::lm::proto::LlmMetadata> BuildDefaultLlmMetadata(std::string_view model_type,
                                                                 const MetadataOptions& options,
                                                                 const TokenLookup& lookup);

// The prefill lengths recorded in a file: the seed list 8,64,128,256,512,1024 plus
// `prefill_seq_lens`, keeping those ≤ kv_cache_max_len, ascending, unique.
std::vector<int32_t> PrefillSeqLens(const std::vector<int>& prefill_seq_lens, int kv_cache_max_len);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_LLM_METADATA_DEFAULTS_H_
