#include "format/gguf_weight_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "format/gguf_hf_config.h"
#include "format/gguf_vocab.h"
#include "model/tensor_table.h"
#include "unit/format/gguf_test_util.h"
#include "util/half.h"
#include "util/json.h"

namespace litertlm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::GgufBuilder;
using testing::kF32;
using testing::kI32;
using testing::kU8;

constexpr int kHidden = 64, kHeads = 2, kKvHeads = 1, kHeadDim = 32, kFfn = 96, kVocab = 5;

std::vector<float> Ramp(size_t n, float start) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + 0.5f * static_cast<float>(i);
  return v;
}

// A tiny model in llama.cpp's layout: ne[0] is the input dimension of each projection.
GgufBuilder TinyModel(const std::string& arch, int layers) {
  GgufBuilder b;
  b.AddString("general.architecture", arch);
  b.AddU32(arch + ".block_count", layers);
  b.AddU32(arch + ".embedding_length", kHidden);
  b.AddU32(arch + ".feed_forward_length", kFfn);
  b.AddU32(arch + ".attention.head_count", kHeads);
  b.AddU32(arch + ".attention.head_count_kv", kKvHeads);
  b.AddU32(arch + ".attention.key_length", kHeadDim);
  b.AddU32(arch + ".attention.value_length", kHeadDim);
  b.AddF32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
  b.AddF32(arch + ".rope.freq_base", 1000000.0f);
  b.AddU32(arch + ".context_length", 32768);
  if (arch == "gemma3") b.AddU32(arch + ".attention.sliding_window", 512);
  b.AddString("tokenizer.ggml.model", "llama");
  b.AddStringArray("tokenizer.ggml.tokens", {"<pad>", "<eos>", "<bos>", "<unk>", "\xe2\x96\x81hi"});
  b.AddArray<float>("tokenizer.ggml.scores", kF32, {0, 0, 0, 0, -1.5f});
  b.AddArray<int32_t>("tokenizer.ggml.token_type", kI32, {3, 3, 3, 2, 1});
  b.AddU32("tokenizer.ggml.bos_token_id", 2);
  b.AddU32("tokenizer.ggml.eos_token_id", 1);
  b.AddU32("tokenizer.ggml.padding_token_id", 0);
  b.AddBool("tokenizer.ggml.add_bos_token", true);
  b.AddString("tokenizer.chat_template", "{{ bos_token }}");
  // token_embd as F16: ne = [hidden, vocab].
  std::vector<float> embd = Ramp(kHidden * kVocab, -3.0f);
  std::vector<uint8_t> embd_bytes(embd.size() * 2);
  for (size_t i = 0; i < embd.size(); ++i) {
    uint16_t h = F32ToF16(embd[i] / 64.0f);
    std::memcpy(&embd_bytes[2 * i], &h, 2);
  }
  b.AddTensor({"token_embd.weight", {kHidden, kVocab}, 1, embd_bytes, std::nullopt});
  for (int l = 0; l < layers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    b.AddF32Tensor(p + "attn_q.weight", {kHidden, kHeads * kHeadDim}, Ramp(kHidden * kHeads * kHeadDim, 0));
    b.AddF32Tensor(p + "attn_k.weight", {kHidden, kKvHeads * kHeadDim}, Ramp(kHidden * kHeadDim, 1));
    b.AddF32Tensor(p + "attn_v.weight", {kHidden, kKvHeads * kHeadDim}, Ramp(kHidden * kHeadDim, 2));
    b.AddF32Tensor(p + "attn_output.weight", {kHeads * kHeadDim, kHidden}, Ramp(kHidden * kHeads * kHeadDim, 3));
    b.AddF32Tensor(p + "attn_q_norm.weight", {kHeadDim}, Ramp(kHeadDim, 1.0f));
    b.AddF32Tensor(p + "attn_k_norm.weight", {kHeadDim}, Ramp(kHeadDim, 1.0f));
    b.AddF32Tensor(p + "ffn_gate.weight", {kHidden, kFfn}, Ramp(kHidden * kFfn, 4));
    b.AddF32Tensor(p + "ffn_up.weight", {kHidden, kFfn}, Ramp(kHidden * kFfn, 5));
    b.AddF32Tensor(p + "ffn_down.weight", {kFfn, kHidden}, Ramp(kHidden * kFfn, 6));
    b.AddF32Tensor(p + "attn_norm.weight", {kHidden}, Ramp(kHidden, 1.0f));
    b.AddF32Tensor(p + "ffn_norm.weight", {kHidden}, Ramp(kHidden, 2.0f));
    if (arch == "gemma3") {
      b.AddF32Tensor(p + "post_attention_norm.weight", {kHidden}, Ramp(kHidden, 3.0f));
      b.AddF32Tensor(p + "post_ffw_norm.weight", {kHidden}, Ramp(kHidden, 4.0f));
    }
  }
  b.AddF32Tensor("output_norm.weight", {kHidden}, Ramp(kHidden, 7.0f));
  return b;
}

StatusOr<std::unique_ptr<GgufWeightSource>> OpenBuilt(const GgufBuilder& b, const std::string& name) {
  return GgufWeightSource::Open(testing::WriteTempFile(name, b.Build()), GgufTensorNames);
}

std::vector<float> Floats(const TensorView& v) {
  std::vector<float> out(v.data.size() / 4);
  std::memcpy(out.data(), v.data.data(), v.data.size());
  return out;
}

TEST(GgufTensorNameTest, Gemma3AndQwen3Tables) {
  EXPECT_EQ(GgufToHfTensorName("gemma3", "token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(GgufToHfTensorName("qwen3", "output.weight"), "lm_head.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.17.attn_q.weight"),
            "model.layers.17.self_attn.q_proj.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.0.attn_output.weight"),
            "model.layers.0.self_attn.o_proj.weight");
  EXPECT_EQ(GgufToHfTensorName("qwen3", "blk.3.attn_k_norm.weight"),
            "model.layers.3.self_attn.k_norm.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.2.ffn_down.weight"),
            "model.layers.2.mlp.down_proj.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.2.attn_norm.weight"),
            "model.layers.2.input_layernorm.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.2.ffn_norm.weight"),
            "model.layers.2.pre_feedforward_layernorm.weight");
  EXPECT_EQ(GgufToHfTensorName("qwen3", "blk.2.ffn_norm.weight"),
            "model.layers.2.post_attention_layernorm.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.2.post_attention_norm.weight"),
            "model.layers.2.post_attention_layernorm.weight");
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.2.post_ffw_norm.weight"),
            "model.layers.2.post_feedforward_layernorm.weight");
  EXPECT_EQ(GgufToHfTensorName("qwen3", "blk.2.attn_q.bias"), "model.layers.2.self_attn.q_proj.bias");
  EXPECT_EQ(GgufToHfTensorName("qwen3", "blk.2.post_ffw_norm.weight"), std::nullopt);
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.02.attn_q.weight"), std::nullopt);
  EXPECT_EQ(GgufToHfTensorName("gemma3", "blk.x.attn_q.weight"), std::nullopt);
  EXPECT_EQ(GgufToHfTensorName("gemma3", "rope_freqs.weight"), std::nullopt);
  EXPECT_EQ(GgufToHfTensorName("falcon", "token_embd.weight"), std::nullopt);
}

TEST(GgufWeightSourceTest, Gemma3NamesShapesAndNormShift) {
  auto src = OpenBuilt(TinyModel("gemma3", 2), "tiny_gemma3.gguf");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  const GgufWeightSource& s = **src;
  EXPECT_EQ(s.architecture(), "gemma3");
  EXPECT_EQ(s.TensorNames().size(), 1u + 2 * 13 + 1);
  EXPECT_FALSE(s.HasTensor("lm_head.weight"));  // tied
  auto q = s.Tensor("model.layers.1.self_attn.q_proj.weight");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->dtype, DType::kF32);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{kHeads * kHeadDim, kHidden}));  // [out, in]
  EXPECT_EQ(Floats(*q)[kHidden + 1], 0.5f * (kHidden + 1));  // row 1, col 1: bytes unchanged
  auto down = s.Tensor("model.layers.0.mlp.down_proj.weight");
  EXPECT_EQ(down->shape, (std::vector<int64_t>{kHidden, kFfn}));
  // Norms: stored (1 + w) → w.
  for (const char* name : {"model.layers.0.input_layernorm.weight", "model.norm.weight",
                           "model.layers.1.self_attn.q_norm.weight",
                           "model.layers.1.pre_feedforward_layernorm.weight",
                           "model.layers.1.post_feedforward_layernorm.weight"}) {
    auto n = s.Tensor(name);
    ASSERT_TRUE(n.ok()) << name;
    const GgufTensorInfo* info = s.SourceTensor(name);
    float stored;
    std::memcpy(&stored, s.gguf().TensorData(*info).data() + 4, 4);
    EXPECT_EQ(Floats(*n)[1], stored - 1.0f) << name;
  }
  auto embd = s.Tensor("model.embed_tokens.weight");
  ASSERT_TRUE(embd.ok());
  EXPECT_EQ(embd->shape, (std::vector<int64_t>{kVocab, kHidden}));
  EXPECT_EQ(Floats(*embd)[3], F16ToF32(F32ToF16((-3.0f + 1.5f) / 64.0f)));
}

TEST(GgufWeightSourceTest, Qwen3NoShiftUntiedAndRelease) {
  GgufBuilder b = TinyModel("qwen3", 1);
  b.AddF32Tensor("output.weight", {kHidden, kVocab}, Ramp(kHidden * kVocab, 0));
  auto src = OpenBuilt(b, "tiny_qwen3.gguf");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  GgufWeightSource& s = **src;
  EXPECT_TRUE(s.HasTensor("lm_head.weight"));
  EXPECT_TRUE(s.HasTensor("model.layers.0.post_attention_layernorm.weight"));
  auto norm = s.Tensor("model.layers.0.input_layernorm.weight");
  EXPECT_EQ(Floats(*norm)[0], 1.0f);  // qwen3 norms are plain x * w: no shift
  auto embd = s.Tensor("model.embed_tokens.weight");  // dequantized F16 → owned buffer
  ASSERT_TRUE(embd.ok());
  auto again = s.Tensor("model.embed_tokens.weight");
  EXPECT_EQ(embd->data.data(), again->data.data());  // cached
  std::vector<float> before = Floats(*embd);
  s.Release("model.embed_tokens.weight");  // embd / again now dangle
  auto fresh = s.Tensor("model.embed_tokens.weight");
  EXPECT_EQ(Floats(*fresh), before);
  auto missing = s.Tensor("model.layers.9.mlp.up_proj.weight");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("tiny_qwen3.gguf: no tensor 'model.layers.9"));
}

TEST(GgufWeightSourceTest, RejectsUnmappableFiles) {
  GgufBuilder extra = TinyModel("gemma3", 1);
  extra.AddF32Tensor("rope_freqs.weight", {4}, {1, 2, 3, 4});
  auto s = OpenBuilt(extra, "extra.gguf");
  EXPECT_THAT(s.status().message(),
              HasSubstr("tensor 'rope_freqs.weight' has no Hugging Face equivalent for "
                        "architecture gemma3"));
  GgufBuilder layer = TinyModel("gemma3", 1);
  layer.AddF32Tensor("blk.1.attn_norm.weight", {kHidden}, Ramp(kHidden, 1));
  EXPECT_THAT(OpenBuilt(layer, "layer.gguf").status().message(),
              HasSubstr("tensor 'blk.1.attn_norm.weight' names layer 1 but gemma3.block_count is 1"));
  GgufBuilder arch = TinyModel("falcon", 1);
  auto a = OpenBuilt(arch, "falcon.gguf");
  EXPECT_EQ(a.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(a.status().message(), HasSubstr("GGUF architecture 'falcon' is not supported"));
}

TEST(GgufWeightSourceTest, UnsupportedQuantTypeNamesTensor) {
  GgufBuilder b = TinyModel("qwen3", 1);
  b.AddTensor({"output.weight", {256, 1}, 16 /*IQ2_XXS*/, std::vector<uint8_t>(66), std::nullopt});
  auto src = OpenBuilt(b, "iq.gguf");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto t = (*src)->Tensor("lm_head.weight");
  EXPECT_EQ(t.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(t.status().message(), HasSubstr("iq.gguf: tensor 'output.weight': cannot dequantize "
                                              "GGML type IQ2_XXS"));
}

TEST(GgufHfConfigTest, Gemma3Config) {
  auto f = GgufFile::Open(testing::WriteTempFile("cfg_gemma3.gguf", TinyModel("gemma3", 7).Build()));
  ASSERT_TRUE(f.ok());
  auto json = GgufToHfConfigJson(**f, GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  ASSERT_TRUE(doc.ok()) << *json;
  const rapidjson::Value& c = **doc;
  EXPECT_STREQ(c["architectures"][0].GetString(), "Gemma3ForCausalLM");
  EXPECT_STREQ(c["model_type"].GetString(), "gemma3_text");
  EXPECT_EQ(c["hidden_size"].GetInt(), kHidden);
  EXPECT_EQ(c["intermediate_size"].GetInt(), kFfn);
  EXPECT_EQ(c["num_hidden_layers"].GetInt(), 7);
  EXPECT_EQ(c["num_attention_heads"].GetInt(), kHeads);
  EXPECT_EQ(c["num_key_value_heads"].GetInt(), kKvHeads);
  EXPECT_EQ(c["head_dim"].GetInt(), kHeadDim);
  EXPECT_EQ(c["rms_norm_eps"].GetDouble(), 1e-6);  // shortest float32 text, not 9.99999997e-07
  EXPECT_EQ(c["rope_theta"].GetDouble(), 1e6);
  EXPECT_EQ(c["rope_local_base_freq"].GetDouble(), 10000.0);
  EXPECT_EQ(c["query_pre_attn_scalar"].GetDouble(), kHeadDim);
  EXPECT_EQ(c["sliding_window"].GetInt(), 512);
  EXPECT_EQ(c["sliding_window_pattern"].GetInt(), 6);
  ASSERT_EQ(c["layer_types"].Size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_STREQ(c["layer_types"][i].GetString(), i == 5 ? "full_attention" : "sliding_attention");
  }
  EXPECT_EQ(c["max_position_embeddings"].GetInt(), 32768);
  EXPECT_EQ(c["vocab_size"].GetInt(), kVocab);
  EXPECT_TRUE(c["tie_word_embeddings"].GetBool());
  EXPECT_STREQ(c["hidden_activation"].GetString(), "gelu_pytorch_tanh");
  EXPECT_TRUE(c["rope_scaling"].IsNull());
  EXPECT_TRUE(c["final_logit_softcapping"].IsNull());
  EXPECT_EQ(c["bos_token_id"].GetInt(), 2);
  EXPECT_EQ(c["eos_token_id"].GetInt(), 1);
  EXPECT_EQ(c["pad_token_id"].GetInt(), 0);
}

TEST(GgufHfConfigTest, Gemma3PatternArrayAndScaling) {
  GgufBuilder b = TinyModel("gemma3", 3);
  b.AddArray<uint8_t>("gemma3.attention.sliding_window_pattern", testing::kBool, {1, 0, 1});
  b.AddString("gemma3.rope.scaling.type", "linear");
  b.AddF32("gemma3.rope.scaling.factor", 8.0f);
  b.AddF32("gemma3.rope.freq_base_swa", 20000.0f);
  auto f = GgufFile::Open(testing::WriteTempFile("cfg_gemma3b.gguf", b.Build()));
  ASSERT_TRUE(f.ok());
  auto json = GgufToHfConfigJson(**f, GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  const rapidjson::Value& c = **doc;
  EXPECT_STREQ(c["layer_types"][1].GetString(), "full_attention");
  EXPECT_STREQ(c["layer_types"][2].GetString(), "sliding_attention");
  EXPECT_TRUE(c["sliding_window_pattern"].IsNull());
  EXPECT_STREQ(c["rope_scaling"]["rope_type"].GetString(), "linear");
  EXPECT_EQ(c["rope_scaling"]["factor"].GetDouble(), 8.0);
  EXPECT_EQ(c["rope_local_base_freq"].GetDouble(), 20000.0);
}

TEST(GgufHfConfigTest, Qwen3ConfigAndErrors) {
  GgufBuilder b = TinyModel("qwen3", 2);
  b.AddF32Tensor("output.weight", {kHidden, kVocab}, Ramp(kHidden * kVocab, 0));
  auto f = GgufFile::Open(testing::WriteTempFile("cfg_qwen3.gguf", b.Build()));
  ASSERT_TRUE(f.ok());
  auto json = GgufToHfConfigJson(**f, GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  const rapidjson::Value& c = **doc;
  EXPECT_STREQ(c["architectures"][0].GetString(), "Qwen3ForCausalLM");
  EXPECT_STREQ(c["model_type"].GetString(), "qwen3");
  EXPECT_STREQ(c["hidden_act"].GetString(), "silu");
  EXPECT_FALSE(c["tie_word_embeddings"].GetBool());
  EXPECT_FALSE(c["attention_bias"].GetBool());
  EXPECT_EQ(c["head_dim"].GetInt(), kHeadDim);
  // A q_proj bias in layer 0 (llama.cpp's blk.0.attn_q.bias) makes the config's attention_bias.
  GgufBuilder biased = TinyModel("qwen3", 1);
  biased.AddF32Tensor("blk.0.attn_q.bias", {kHeads * kHeadDim}, Ramp(kHeads * kHeadDim, 0));
  auto fb = GgufFile::Open(testing::WriteTempFile("cfg_qwen3_bias.gguf", biased.Build()));
  ASSERT_TRUE(fb.ok());
  auto biased_json = GgufToHfConfigJson(**fb, GgufTensorNames);
  ASSERT_TRUE(biased_json.ok()) << biased_json.status().ToString();
  auto biased_doc = ParseJson(*biased_json, "config.json");
  ASSERT_TRUE(biased_doc.ok());
  EXPECT_TRUE((**biased_doc)["attention_bias"].GetBool());
  EXPECT_TRUE((**biased_doc)["tie_word_embeddings"].GetBool());

  GgufBuilder bad;
  bad.AddString("general.architecture", "qwen3");
  bad.AddU32("qwen3.embedding_length", 64);
  auto g = GgufFile::Open(testing::WriteTempFile("cfg_bad.gguf", bad.Build()));
  ASSERT_TRUE(g.ok());
  Status s = GgufToHfConfigJson(**g, GgufTensorNames).status();
  EXPECT_THAT(s.message(), HasSubstr("cfg_bad.gguf: no metadata key 'qwen3.feed_forward_length'"));
  GgufBuilder huge;
  huge.AddString("general.architecture", "gemma3");
  huge.AddU32("gemma3.embedding_length", 64);
  huge.AddU32("gemma3.feed_forward_length", 64);
  huge.AddU32("gemma3.block_count", 4000000000u);  // would size a 4e9-entry layer_types array
  huge.AddU32("gemma3.attention.head_count", 2);
  auto hf = GgufFile::Open(testing::WriteTempFile("cfg_huge.gguf", huge.Build()));
  ASSERT_TRUE(hf.ok());
  EXPECT_THAT(GgufToHfConfigJson(**hf, GgufTensorNames).status().message(),
              HasSubstr("'gemma3.block_count' is 4000000000, more than 65536 layers"));
  GgufBuilder typed = TinyModel("qwen3", 1);
  typed.AddString("qwen3.vocab_size", "many");
  auto h = GgufFile::Open(testing::WriteTempFile("cfg_typed.gguf", typed.Build()));
  EXPECT_THAT(GgufToHfConfigJson(**h, GgufTensorNames).status().message(),
              HasSubstr("'qwen3.vocab_size' has type string, expected an integer"));
}

TEST(GgufVocabTest, ReadsTokenizerData) {
  auto f = GgufFile::Open(testing::WriteTempFile("vocab.gguf", TinyModel("gemma3", 1).Build()));
  ASSERT_TRUE(f.ok());
  auto v = ReadGgufVocab(**f);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->model, "llama");
  EXPECT_EQ(v->tokens.size(), 5u);
  EXPECT_EQ(v->tokens[4], "\xe2\x96\x81hi");
  EXPECT_THAT(v->scores, ElementsAre(0, 0, 0, 0, -1.5f));
  EXPECT_THAT(v->token_types, ElementsAre(3, 3, 3, 2, 1));
  EXPECT_EQ(v->bos_id, 2);
  EXPECT_EQ(v->eos_id, 1);
  EXPECT_EQ(v->pad_id, 0);
  EXPECT_FALSE(v->unk_id.has_value());
  EXPECT_EQ(v->add_bos, true);
  EXPECT_FALSE(v->add_eos.has_value());
  EXPECT_EQ(v->chat_template, "{{ bos_token }}");
}

TEST(GgufVocabTest, RejectsInconsistentVocab) {
  auto check = [](GgufBuilder b, const std::string& want) {
    auto f = GgufFile::Open(testing::WriteTempFile("vocab_bad.gguf", b.Build()));
    ASSERT_TRUE(f.ok());
    Status s = ReadGgufVocab(**f).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr(want));
  };
  GgufBuilder scores = TinyModel("gemma3", 1);
  scores.AddArray<float>("tokenizer.ggml.scores", kF32, {1, 2});  // duplicate key is caught first
  auto dup = GgufFile::Open(testing::WriteTempFile("dup.gguf", scores.Build()));
  EXPECT_THAT(dup.status().message(), HasSubstr("duplicate metadata key 'tokenizer.ggml.scores'"));

  GgufBuilder base;
  base.AddString("tokenizer.ggml.model", "llama");
  base.AddStringArray("tokenizer.ggml.tokens", {"a", "b", "c"});
  GgufBuilder short_scores = base;
  short_scores.AddArray<float>("tokenizer.ggml.scores", kF32, {1, 2});
  check(short_scores, "'tokenizer.ggml.scores' has 2 elements, expected 3");
  GgufBuilder u8_scores = base;
  u8_scores.AddArray<uint8_t>("tokenizer.ggml.scores", kU8, {1, 2, 3});
  check(u8_scores, "'tokenizer.ggml.scores' has type array of uint8");
  GgufBuilder bad_type = base;
  bad_type.AddArray<int32_t>("tokenizer.ggml.token_type", kI32, {1, 9, 1});
  check(bad_type, "'tokenizer.ggml.token_type'[1] is 9");
  GgufBuilder bad_bos = base;
  bad_bos.AddU32("tokenizer.ggml.bos_token_id", 3);
  check(bad_bos, "'tokenizer.ggml.bos_token_id' is 3, outside the vocabulary of 3 tokens");
  GgufBuilder no_tokens;
  no_tokens.AddString("tokenizer.ggml.model", "llama");
  auto f = GgufFile::Open(testing::WriteTempFile("vocab_none.gguf", no_tokens.Build()));
  EXPECT_THAT(ReadGgufVocab(**f).status().message(), HasSubstr("no metadata key 'tokenizer.ggml.tokens'"));
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// tiny_gemma3.gguf is written by gguf-py's GGUFWriter the way llama.cpp's converter lays out a
// gemma3 model (tests/tools/make_gguf_fixtures.py): an independent writer for the whole path.
TEST(GgufWeightSourceTest, OpensFileWrittenByGgufPy) {
  std::string path = testing::GoldenPath("gguf/tiny_gemma3.gguf");
  auto src = GgufWeightSource::Open(path, GgufTensorNames);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  const GgufWeightSource& s = **src;
  EXPECT_EQ(s.TensorNames().size(), 15u);
  const std::pair<const char*, std::vector<int64_t>> shapes[] = {
      {"model.embed_tokens.weight", {300, 256}},
      {"model.layers.0.self_attn.q_proj.weight", {256, 256}},
      {"model.layers.0.self_attn.k_proj.weight", {128, 256}},
      {"model.layers.0.self_attn.v_proj.weight", {128, 256}},
      {"model.layers.0.self_attn.o_proj.weight", {256, 256}},
      {"model.layers.0.mlp.gate_proj.weight", {256, 256}},
      {"model.layers.0.mlp.down_proj.weight", {256, 256}},
      {"model.layers.0.self_attn.q_norm.weight", {128}},
      {"model.layers.0.post_feedforward_layernorm.weight", {256}},
      {"model.norm.weight", {256}},
  };
  for (const auto& [name, shape] : shapes) {
    auto t = s.Tensor(name);
    ASSERT_TRUE(t.ok()) << name << ": " << t.status().ToString();
    EXPECT_EQ(t->shape, shape) << name;
    for (float v : Floats(*t)) ASSERT_TRUE(std::isfinite(v)) << name;
  }
  // Norms were written as bf16 w + 1 in fp32; w comes back exactly (low 16 bits zero).
  for (const std::string& name : s.TensorNames()) {
    if (name.find("norm") == std::string::npos) continue;
    auto t = s.Tensor(name);
    ASSERT_TRUE(t.ok());
    for (float v : Floats(*t)) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      ASSERT_EQ(bits & 0xffffu, 0u) << name << " value " << v;
    }
  }
  auto json = GgufToHfConfigJson(s.gguf(), GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((**doc)["num_hidden_layers"].GetInt(), 1);
  EXPECT_EQ((**doc)["head_dim"].GetInt(), 128);
  EXPECT_EQ((**doc)["vocab_size"].GetInt(), 300);
  EXPECT_STREQ((**doc)["layer_types"][0].GetString(), "sliding_attention");
  auto vocab = ReadGgufVocab(s.gguf());
  ASSERT_TRUE(vocab.ok()) << vocab.status().ToString();
  EXPECT_EQ(vocab->tokens.size(), 300u);
  EXPECT_EQ(vocab->tokens[4], "<0x00>");
  EXPECT_EQ(vocab->token_types[4], static_cast<int32_t>(GgufTokenType::kByte));
  EXPECT_EQ(vocab->unk_id, 3);
  EXPECT_EQ(vocab->add_eos, false);
  EXPECT_THAT(vocab->chat_template, HasSubstr("bos_token"));
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

// llama.cpp stores Llama q/k rows permuted for its interleaved rope: within each head of D rows,
// Hugging Face row j*D/2 + i is at row 2i + j. Tensor() must give the Hugging Face order back.
TEST(GgufLlamaTest, QueryKeyRowsAreUnpermutedPerHead) {
  GgufBuilder b = TinyModel("llama", 1);  // its q/k ramps are read as the permuted rows
  auto src = OpenBuilt(b, "tiny_llama_perm.gguf");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  for (const auto& [name, heads, start] :
       {std::tuple<std::string, int, float>{"model.layers.0.self_attn.q_proj.weight", kHeads, 0.0f},
        std::tuple<std::string, int, float>{"model.layers.0.self_attn.k_proj.weight", kKvHeads, 1.0f}}) {
    auto t = (*src)->Tensor(name);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    const std::vector<float> got = Floats(*t);
    const std::vector<float> stored = Ramp(got.size(), start);
    ASSERT_EQ(t->shape, (std::vector<int64_t>{heads * kHeadDim, kHidden})) << name;
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < kHeadDim / 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          const size_t hf_row = h * kHeadDim + j * kHeadDim / 2 + i, gguf_row = h * kHeadDim + 2 * i + j;
          for (int c = 0; c < kHidden; ++c) {
            ASSERT_EQ(got[hf_row * kHidden + c], stored[gguf_row * kHidden + c])
                << name << " head " << h << " row " << hf_row;
          }
        }
      }
    }
  }
  // v is not permuted.
  auto v = (*src)->Tensor("model.layers.0.self_attn.v_proj.weight");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Floats(*v), Ramp(kHidden * kHeadDim, 2));
  // Norms are stored as they are (no 1 + w), and ffn_norm is the post-attention norm.
  auto norm = (*src)->Tensor("model.layers.0.post_attention_layernorm.weight");
  ASSERT_TRUE(norm.ok()) << norm.status().ToString();
  EXPECT_EQ(Floats(*norm), Ramp(kHidden, 2.0f));
}

TEST(GgufLlamaTest, ConfigAndRopeFactorsTensor) {
  auto f = GgufFile::Open(testing::WriteTempFile("cfg_llama.gguf", TinyModel("llama", 1).Build()));
  ASSERT_TRUE(f.ok());
  auto json = GgufToHfConfigJson(**f, GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  const rapidjson::Value& c = **doc;
  EXPECT_STREQ(c["architectures"][0].GetString(), "LlamaForCausalLM");
  EXPECT_STREQ(c["model_type"].GetString(), "llama");
  EXPECT_TRUE(c["tie_word_embeddings"].GetBool());
  EXPECT_FALSE(c.HasMember("rope_freq_factors"));
  // Llama 3 rope scaling as llama.cpp stores it (a rope_freqs tensor of divisors) goes into the
  // config as rope_freq_factors, and is no weight.
  GgufBuilder scaled = TinyModel("llama", 1);
  scaled.AddF32Tensor("rope_freqs.weight", {kHeadDim / 2}, Ramp(kHeadDim / 2, 1.0f));
  const std::string path = testing::WriteTempFile("cfg_llama_freqs.gguf", scaled.Build());
  auto g = GgufFile::Open(path);
  ASSERT_TRUE(g.ok());
  auto scaled_json = GgufToHfConfigJson(**g, GgufTensorNames);
  ASSERT_TRUE(scaled_json.ok()) << scaled_json.status().ToString();
  auto scaled_doc = ParseJson(*scaled_json, "config.json");
  const rapidjson::Value& factors = (**scaled_doc)["rope_freq_factors"];
  ASSERT_EQ(factors.Size(), static_cast<unsigned>(kHeadDim / 2));
  for (int i = 0; i < kHeadDim / 2; ++i) EXPECT_EQ(factors[i].GetDouble(), 1.0 + 0.5 * i);
  auto src = GgufWeightSource::Open(path, GgufTensorNames);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  for (const std::string& name : (*src)->TensorNames()) EXPECT_EQ(name.find("rope"), std::string::npos);
  // Other families have no such tensor: refused, not ignored.
  GgufBuilder gemma = TinyModel("gemma3", 1);
  gemma.AddF32Tensor("rope_freqs.weight", {kHeadDim / 2}, Ramp(kHeadDim / 2, 1.0f));
  auto gg = GgufFile::Open(testing::WriteTempFile("cfg_gemma_freqs.gguf", gemma.Build()));
  ASSERT_TRUE(gg.ok());
  Status s = GgufToHfConfigJson(**gg, GgufTensorNames).status();
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("cfg_gemma_freqs.gguf: tensor 'rope_freqs.weight'"));
}

}  // namespace
}  // namespace litertlm
