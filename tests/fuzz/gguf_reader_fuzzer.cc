// libFuzzer target: GgufFile::Parse on arbitrary bytes, then every reader built on it (typed
// metadata getters, vocabulary, HF config, tensor name mapping, dequantization of small tensors).
// Any crash, sanitizer report or hang is a bug: malformed input must come back as a Status.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "format/gguf_dequant.h"
#include "format/gguf_hf_config.h"
#include "format/gguf_reader.h"
#include "format/gguf_vocab.h"
#include "format/gguf_weight_source.h"
#include "model/tensor_table.h"

namespace {

void ExerciseMetadata(const litertlm::GgufFile& g) {
  for (const litertlm::GgufKeyValue& kv : g.metadata()) {
    (void)g.GetString(kv.key);
    (void)g.GetInt(kv.key);
    (void)g.GetUint(kv.key);
    (void)g.GetFloat(kv.key);
    (void)g.GetBool(kv.key);
    (void)g.GetStringArray(kv.key);
    (void)g.GetFloatArray(kv.key);
    (void)g.GetIntArray(kv.key);
    (void)g.GetBoolArray(kv.key);
  }
  (void)litertlm::ReadGgufVocab(g);
  (void)litertlm::GgufToHfConfigJson(g, litertlm::GgufTensorNames);
}

void ExerciseTensors(const litertlm::GgufFile& g) {
  std::vector<float> out;
  for (const litertlm::GgufTensorInfo& t : g.tensors()) {
    (void)litertlm::GgufToHfTensorName("gemma3", t.name);
    (void)litertlm::GgufToHfTensorName("qwen3", t.name);
    if (t.n_elements > (1 << 16)) continue;  // bounded work per input
    out.assign(static_cast<size_t>(t.n_elements), 0.0f);
    (void)litertlm::DequantizeGgml(*t.type, g.TensorData(t), out, t.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = litertlm::GgufFile::Parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
  if (!file.ok()) return 0;
  ExerciseMetadata(**file);
  ExerciseTensors(**file);
  auto source = litertlm::GgufWeightSource::FromFile(std::move(file).value(), litertlm::GgufTensorNames);
  if (!source.ok()) return 0;
  for (const std::string& name : (*source)->TensorNames()) {
    const litertlm::GgufTensorInfo* t = (*source)->SourceTensor(name);
    if (t != nullptr && t->n_elements <= (1 << 16)) (void)(*source)->Tensor(name);
  }
  return 0;
}
