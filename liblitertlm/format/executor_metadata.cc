#include "format/executor_metadata.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "format/tflite_schema_generated.h"

namespace litertlm::format {
namespace {

namespace pb = ::litert::lm::proto;

constexpr std::string_view kDecode = "decode";

std::vector<std::string> PrefillKeys(const TfliteModel& model) {
  std::vector<std::string> keys;
  for (const std::string& key : model.SignatureKeys()) {
    if (key.starts_with("prefill")) keys.push_back(key);
  }
  return keys;
}

// The shape of tensor `name` among signature `key`'s inputs (or outputs); nullopt when the
// signature has no tensor of that name.
std::optional<std::vector<int32_t>> SignatureShape(const TfliteModel& model, std::string_view key,
                                                   std::string_view name, bool input) {
  const std::optional<int32_t> index = model.SignatureTensor(key, name, input);
  const tflite::SubGraph* subgraph = model.SignatureSubgraph(key);
  if (!index || subgraph == nullptr || subgraph->tensors() == nullptr || *index < 0 ||
      static_cast<uint32_t>(*index) >= subgraph->tensors()->size()) {
    return std::nullopt;
  }
  const tflite::Tensor* tensor = subgraph->tensors()->Get(static_cast<uint32_t>(*index));
  std::vector<int32_t> shape;
  if (tensor->shape() != nullptr) shape.assign(tensor->shape()->begin(), tensor->shape()->end());
  return shape;
}

std::string InOut(bool input) { return input ? "input" : "output"; }

// The buffer's first non-empty name, for messages.
std::string BufferName(const pb::StateBuffer& b) {
  for (const std::string* name : {&b.prefill_input_name(), &b.prefill_output_name(), &b.decode_input_name(),
                                  &b.decode_output_name()}) {
    if (!name->empty()) return *name;
  }
  return "unnamed";
}

// One name field of a StateBuffer and where it must be found.
struct NameUse {
  const char* field;
  const std::string* name;
  bool prefill;
  bool input;
};

}  // namespace

StatusOr<pb::ExecutorMetadata> ExecutorMetadataForTfliteLlm(const TfliteModel& model) {
  const std::string where = model.origin() + ": ";
  std::vector<std::string> signatures = PrefillKeys(model);
  if (signatures.empty()) return FailedPreconditionError(where + "no prefill_* signature");
  if (model.SignatureSubgraph(kDecode) == nullptr) return FailedPreconditionError(where + "no decode signature");
  signatures.emplace_back(kDecode);

  pb::ExecutorMetadata out;
  pb::LlmExecutorMetadata* llm = out.mutable_llm_executor_metadata();
  std::optional<int32_t> length;
  std::string length_from;  // the tensor `length` was read from, for messages
  for (int layer = 0;; ++layer) {
    const std::string key_name = "kv_cache_k_" + std::to_string(layer);
    if (!model.SignatureTensor(kDecode, key_name, /*input=*/true)) break;
    struct Cache {
      std::string name;
      int axis;
      pb::StateBuffer::Type type;
    };
    const Cache caches[] = {{key_name, kKeyCacheSequenceAxis, pb::StateBuffer::TYPE_GLOBAL_KEY_CACHE},
                            {"kv_cache_v_" + std::to_string(layer), kValueCacheSequenceAxis,
                             pb::StateBuffer::TYPE_GLOBAL_VALUE_CACHE}};
    for (const Cache& cache : caches) {
      for (const std::string& signature : signatures) {
        for (bool input : {true, false}) {
          const std::string tensor = "signature " + signature + " " + InOut(input) + " " + cache.name;
          const auto shape = SignatureShape(model, signature, cache.name, input);
          if (!shape) return FailedPreconditionError(where + "no " + tensor);
          if (shape->size() != 4) {
            return FailedPreconditionError(where + tensor + " has rank " + std::to_string(shape->size()) +
                                           "; a KV cache is [1, heads, length, dim] (V: [1, heads, dim, length])");
          }
          const int32_t n = (*shape)[static_cast<size_t>(cache.axis)];
          if (!length) {
            length = n;
            length_from = tensor;
          } else if (n != *length) {
            return FailedPreconditionError(where + tensor + " has size " + std::to_string(n) + " on axis " +
                                           std::to_string(cache.axis) + " but " + length_from + " has " +
                                           std::to_string(*length) +
                                           " (not the export_hf cache layout K [1,KV,L,D], V [1,KV,D,L])");
          }
        }
      }
      pb::StateBuffer* buffer = llm->add_state_buffers();
      buffer->set_prefill_input_name(cache.name);
      buffer->set_prefill_output_name(cache.name);
      buffer->set_decode_input_name(cache.name);
      buffer->set_decode_output_name(cache.name);
      buffer->set_type(cache.type);
      buffer->set_sequence_axis(cache.axis);
    }
  }
  if (!length) return FailedPreconditionError(where + "signature decode has no input kv_cache_k_0");
  if (*length <= 0) {
    return FailedPreconditionError(where + length_from + " holds " + std::to_string(*length) + " positions");
  }
  llm->set_max_history_size(*length);
  for (pb::StateBuffer& buffer : *llm->mutable_state_buffers()) buffer.set_maximum_sequence_length(*length);
  return out;
}

Status CheckExecutorMetadata(const pb::ExecutorMetadata& metadata, const TfliteModel& model) {
  if (!metadata.has_llm_executor_metadata()) return Status::Ok();
  const pb::LlmExecutorMetadata& llm = metadata.llm_executor_metadata();
  const std::vector<std::string> prefill_keys = PrefillKeys(model);
  const std::vector<std::string> decode_keys = {std::string(kDecode)};
  int32_t longest = 0;
  for (int i = 0; i < llm.state_buffers_size(); ++i) {
    const pb::StateBuffer& b = llm.state_buffers(i);
    const std::string label = model.origin() + ": ExecutorMetadata state buffer " + std::to_string(i) + " (" +
                              BufferName(b) + ")";
    const NameUse uses[] = {{"prefill_input_name", &b.prefill_input_name(), true, true},
                            {"prefill_output_name", &b.prefill_output_name(), true, false},
                            {"decode_input_name", &b.decode_input_name(), false, true},
                            {"decode_output_name", &b.decode_output_name(), false, false}};
    for (const NameUse& use : uses) {
      if (use.name->empty()) continue;
      const std::vector<std::string>& keys = use.prefill ? prefill_keys : decode_keys;
      if (keys.empty()) {
        return DataLossError(label + ": " + use.field + " is set but the model has no prefill_* signature");
      }
      for (const std::string& key : keys) {
        const std::string tensor = "signature " + key + " " + InOut(use.input) + " " + *use.name;
        const auto shape = SignatureShape(model, key, *use.name, use.input);
        if (!shape) {
          return DataLossError(label + ": " + use.field + " '" + *use.name + "' is not an " + InOut(use.input) +
                               " of signature " + key);
        }
        if (!b.has_sequence_axis()) continue;
        const int32_t axis = b.sequence_axis();
        if (axis < 0 || static_cast<size_t>(axis) >= shape->size()) {
          return DataLossError(label + ": sequence_axis " + std::to_string(axis) + " is outside " + tensor +
                               " (rank " + std::to_string(shape->size()) + ")");
        }
        const int32_t size = (*shape)[static_cast<size_t>(axis)];
        if (b.has_maximum_sequence_length() && b.maximum_sequence_length() > size) {
          return DataLossError(label + ": maximum_sequence_length " + std::to_string(b.maximum_sequence_length()) +
                               " > " + std::to_string(size) + ", the size of axis " + std::to_string(axis) +
                               " of " + tensor);
        }
        if (b.has_minimum_sequence_length() && b.minimum_sequence_length() > size) {
          return DataLossError(label + ": minimum_sequence_length " + std::to_string(b.minimum_sequence_length()) +
                               " > " + std::to_string(size) + ", the size of axis " + std::to_string(axis) +
                               " of " + tensor);
        }
      }
    }
    if (b.has_maximum_sequence_length()) longest = std::max(longest, b.maximum_sequence_length());
  }
  if (llm.has_max_history_size()) {
    const int32_t history = llm.max_history_size();
    if (history < -1 || (longest > 0 && history > longest)) {
      return DataLossError(model.origin() + ": ExecutorMetadata max_history_size " + std::to_string(history) +
                           (history < -1 ? " is negative (only -1, chosen by the client, is)"
                                         : " > " + std::to_string(longest) +
                                               ", the longest maximum_sequence_length of its state buffers"));
    }
  }
  return Status::Ok();
}

std::string ExecutorMetadataSummary(const pb::ExecutorMetadata& metadata) {
  if (!metadata.has_llm_executor_metadata()) return "no llm_executor_metadata";
  const pb::LlmExecutorMetadata& llm = metadata.llm_executor_metadata();
  struct Group {
    std::string text;
    int count = 0;
  };
  std::vector<Group> groups;
  for (const pb::StateBuffer& b : llm.state_buffers()) {
    std::string text = pb::StateBuffer::Type_Name(b.type());
    if (text.empty()) text = "type " + std::to_string(static_cast<int>(b.type()));
    std::vector<std::string> details;
    if (b.has_sequence_axis()) details.push_back("axis " + std::to_string(b.sequence_axis()));
    if (b.has_minimum_sequence_length()) {
      details.push_back("length >= " + std::to_string(b.minimum_sequence_length()));
    }
    if (b.has_maximum_sequence_length()) {
      details.push_back("length <= " + std::to_string(b.maximum_sequence_length()));
    }
    if (!details.empty()) {
      text += " (";
      for (size_t i = 0; i < details.size(); ++i) text += (i ? ", " : "") + details[i];
      text += ")";
    }
    auto it = std::find_if(groups.begin(), groups.end(), [&text](const Group& g) { return g.text == text; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{text, 0});
    ++it->count;
  }
  std::string out = std::to_string(llm.state_buffers_size()) + " state buffers";
  for (size_t i = 0; i < groups.size(); ++i) {
    out += (i ? ", " : ": ") + std::to_string(groups[i].count) + " " + groups[i].text;
  }
  if (llm.has_max_history_size()) out += "; max history " + std::to_string(llm.max_history_size());
  if (llm.has_attention_mask_settings()) out += "; attention mask settings";
  return out;
}

}  // namespace litertlm::format
