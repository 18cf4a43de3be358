// Google-made .litertlm files (tests/golden/google/, made by tests/tools/make_google_fixtures.py
// with litert-torch export_hf from the tiny checkpoints of tests/golden/models/): imported by
// graph pattern, they must run exactly as Google's TFLite runtime ran them (the committed
// reference: greedy tokens and the logits behind them, 32 steps), their fp32 weights must be the
// checkpoint's, and a file we cannot run must say which op / signature / tensor is at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <span>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "format/litertlm_format.h"
#include "format/litertlm_reader.h"
#include "format/safetensors.h"
#include "format/tflite_importer.h"
#include "format/tflite_model.h"
#include "format/tflite_schema_generated.h"
#include "format/tflite_weight_source.h"
#include "litertlm/model.h"
#include "litertlm/session.h"
#include "kernels/xnnpack_float.h"
#include "unit/test_util.h"
#include "unit/xnnpack_fixtures.h"
#include "util/half.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

std::string GoogleDir() { return testing::GoldenDir() + "/google"; }

// A committed Google-made fixture (no weights section of ours: a TFLite model section).
StatusOr<std::unique_ptr<format::LitertlmReader>> OpenFixture(const std::string& name) {
  format::ReaderOptions relaxed;
  relaxed.require_model_sections = false;
  return format::LitertlmReader::Open(GoogleDir() + "/" + name + ".litertlm", relaxed);
}

std::vector<std::string> Fixtures() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(GoogleDir(), ec)) {
    if (e.path().extension() == ".litertlm") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

template <typename T>
std::vector<T> Values(const SafetensorsFile& f, const std::string& name) {
  const TensorView& v = f.tensors().at(name);
  std::vector<T> out(v.data.size() / sizeof(T));
  std::memcpy(out.data(), v.data.data(), v.data.size());
  return out;
}

// A fixture's reference from Google's runtime (base.reference.safetensors, made by
// tests/tools/make_google_fixtures.py): the prompt, the greedy ids, and the file for the logits.
struct GoogleReference {
  std::unique_ptr<SafetensorsFile> file;
  std::vector<int32_t> prompt, ids;
};
StatusOr<GoogleReference> LoadReference(const std::string& base) {
  GoogleReference r;
  ASSIGN_OR_RETURN(r.file, SafetensorsFile::Open(base + ".reference.safetensors"));
  r.prompt = Values<int32_t>(*r.file, "prompt_ids");
  r.ids = Values<int32_t>(*r.file, "decode_ids");
  if (r.prompt.empty() || r.ids.empty()) return InvalidArgumentError(base + ".reference.safetensors: no prompt or decode ids");
  return r;
}

// The file at `path` loaded with `load`, run teacher-forced as the reference was made: the whole
// prompt in one prefill, then each of `ids` fed after its step. The logits of every step
// (ids.size() rows of vocab floats, one after another).
StatusOr<std::vector<float>> TeacherForcedLogits(const std::string& path, const LoadOptions& load,
                                                 std::span<const int32_t> prompt,
                                                 std::span<const int32_t> ids) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, ModelLoader::Load(path, load));
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(model));
  RETURN_IF_ERROR(session->Prefill(prompt));
  std::vector<float> all;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::span<const float> logits = session->LastLogits();
    all.insert(all.end(), logits.begin(), logits.end());
    if (i + 1 < ids.size()) RETURN_IF_ERROR(session->Prefill(ids.subspan(i, 1)));
  }
  return all;
}

int ArgMax(std::span<const float> v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

class GoogleFixtureTest : public ::testing::TestWithParam<std::string> {};

// Tolerance on the logits: fp32 files max |Δ| ≤ 1e-4 × max |logit| (measured ≤ 2.5e-6: summation
// order only). int8 files hold dynamic-range FULLY_CONNECTEDs, whose activations Google's runtime
// (XNNPACK) quantizes per row asymmetrically: we round them the same way (without it the logits
// differ by ~4 % of their range and the greedy tokens part within 8 steps), and multiply in
// integers as XNNPACK does. Then they agree to ≤ 5e-7 until fp32 summation order upstream (our
// batched prefill vs its token-by-token decode) moves one activation across a rounding boundary,
// which moves it by a whole int8 step: measured once in these fixtures (classic Gemma int8, steps
// 29–31: 0.94 %), hence 2e-2 for int8. The greedy tokens must be identical.
// int4 files (ai_edge_quantizer's blockwise / per-channel INT4 weights) are imported exactly: every
// weight keeps its value q · s (WeightsAreTheCheckpoints, Int4WeightsKeepTheFilesValues). Google's
// runtime multiplies them with XNNPACK's qd8 activations (per row, asymmetric int8); we round them
// the same way (Matrix::asymmetric_activations for kI4Block*). Measured worst over the eight int4
// fixtures: 1.6e-2 (qwen3_wide_classic_int4b128, one activation across a rounding boundary, as for
// int8), all others ≤ 1e-2. Without that rounding the Qwen int4 tokens part at step 4 / 9.
constexpr float kInt4LogitTolerance = 2e-2f;

TEST_P(GoogleFixtureTest, GreedyTokensAndLogitsMatchGoogleRuntime) {
  const std::string base = GoogleDir() + "/" + GetParam();
  auto ref = LoadReference(base);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  // Google's rounding of int8 projections' activations (our default takes them at 16 bits, which
  // is closer to the fp32 the recipe names but not XNNPACK's integers).
  LoadOptions like_google;
  like_google.int8_activations = Int8Activations::kLikeGoogleRuntime;
  const std::vector<int32_t>& ids = ref->ids;
  auto got = TeacherForcedLogits(base + ".litertlm", like_google, ref->prompt, ids);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const auto logits_ref = Values<float>(*ref->file, "decode_logits");
  ASSERT_EQ(got->size(), logits_ref.size());
  ASSERT_EQ(logits_ref.size() % ids.size(), 0u);
  const size_t vocab = logits_ref.size() / ids.size();
  const float tol = GetParam().find("int8") != std::string::npos   ? 2e-2f
                    : GetParam().find("int4") != std::string::npos ? kInt4LogitTolerance
                                                                   : 1e-4f;
  float worst = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto logits = std::span<const float>(*got).subspan(i * vocab, vocab);
    auto want = std::span<const float>(logits_ref).subspan(i * vocab, vocab);
    float max_ref = 0, max_diff = 0;
    for (size_t v = 0; v < vocab; ++v) {
      max_ref = std::max(max_ref, std::abs(want[v]));
      max_diff = std::max(max_diff, std::abs(logits[v] - want[v]));
    }
    worst = std::max(worst, max_diff / max_ref);
    EXPECT_LE(max_diff, tol * max_ref) << GetParam() << " step " << i;
    ASSERT_EQ(ArgMax(logits), ids[i]) << GetParam() << " greedy token " << i;
  }
  std::cout << GetParam() << ": worst max|Δlogit| / max|logit| = " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(Files, GoogleFixtureTest, ::testing::ValuesIn(Fixtures()),
                         [](const auto& p) { return p.param; });

// Google mode runs a Google-made file bit for bit as XNNPACK does on this host: the file's
// `decode` signature run by ai_edge_litert over the reference's prompt and greedy ids
// (teacher-forced), every step's logits, tests/golden/xnnpack_float/<set>/google_<name>.f32
// (tests/tools/make_xnnpack_float_fixtures.py GOOGLE_FILE_CASES; made on the avx2 set's host
// only). Whole prompt in one prefill, then one token at a time. Before google mode took the
// file's own RoPE inverse frequencies (litert-torch computes them in fp32; 4-5 of 16 differ in
// the last bit from ours in double), some steps' logits differed in the last bits.
class GoogleFileXnnpackTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoogleFileXnnpackTest, GoogleModeIsXnnpackBitForBit) {
  const xnnpack_float::KernelSet set = xnnpack_float::HostKernelSet();
  if (set == xnnpack_float::KernelSet::kNone) {
    GTEST_SKIP() << "XNNPACK's kernels on this CPU (no AVX2/FMA3) are not reproduced";
  }
  if (const std::string why = testing::RsqrtDiffersReason(set); !why.empty()) {
    GTEST_SKIP() << why;
  }
  const std::vector<float> want = testing::XnnpackFixture(set, std::string("google_") + GetParam());
  if (want.empty()) {
    GTEST_SKIP() << testing::XnnpackFixtureDir(set) << "/google_" << GetParam()
                 << ".f32 is missing: made on an AVX2 host only (run make_xnnpack_float_fixtures.py on a "
                 << xnnpack_float::KernelSetName(set) << " host)";
  }
  const std::string base = GoogleDir() + "/" + GetParam();
  auto ref = LoadReference(base);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const std::vector<int32_t>& ids = ref->ids;
  for (Int8Activations mode : {Int8Activations::kLikeGoogleRuntime, Int8Activations::kExact}) {
    LoadOptions load;
    load.num_threads = 2;
    load.int8_activations = mode;
    auto got = TeacherForcedLogits(base + ".litertlm", load, ref->prompt, ids);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want.size());
    const size_t vocab = want.size() / ids.size();
    int differing = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      int row = 0;
      for (size_t v = i * vocab; v < (i + 1) * vocab; ++v) {
        row += std::memcmp(&(*got)[v], &want[v], sizeof(float)) != 0;
      }
      if (mode == Int8Activations::kLikeGoogleRuntime) {
        EXPECT_EQ(row, 0) << GetParam() << " step " << i;
      }
      differing += row;
    }
    // The default mode is not XNNPACK's arithmetic (16-bit activations, its own fp32 ops).
    if (mode == Int8Activations::kExact) {
      EXPECT_GT(differing, 0) << GetParam();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, GoogleFileXnnpackTest,
                         ::testing::Values("gemma3_sliding_export_hf_int8", "gemma3_sliding_classic_maskin_int8",
                                           "qwen3_gqa_export_hf_int8", "gemma3_sliding_export_hf_fp32"),
                         [](const auto& p) { return std::string(p.param); });

// Every file holds the checkpoint's weights: every imported tensor equals its Hugging Face
// counterpart (Gemma's norms as 1 + w) — exactly in fp32 files, within half a quantization step
// in int8 ones — so every weight was found in its right place. One exception, the file's own
// doing: the classic Gemma 3 converter fuses Q/K/V interleaved per KV group ([q_g, k_g, v_g] for
// each group g) while its graph slices the fused rows as q | k | v; with 2 KV heads the file's
// "q_proj" rows are therefore the checkpoint's interleaved rows (the real 270M has 1 KV head, where
// both orders agree). The import follows the graph, and so does Google's runtime.
std::vector<float> ClassicGemmaFusedQkv(const std::map<std::string, TensorView>& hf, int layer, int kv_heads) {
  auto rows = [&](const char* n) {
    const TensorView& t = hf.at("model.layers." + std::to_string(layer) + ".self_attn." + n + "_proj.weight");
    return std::pair(reinterpret_cast<const float*>(t.data.data()), t.shape);
  };
  auto [q, qs] = rows("q");
  auto [k, ks] = rows("k");
  auto [v, vs] = rows("v");
  const int64_t cols = qs[1], qg = qs[0] / kv_heads, kg = ks[0] / kv_heads;
  std::vector<float> fused;
  for (int g = 0; g < kv_heads; ++g) {
    fused.insert(fused.end(), q + g * qg * cols, q + (g + 1) * qg * cols);
    fused.insert(fused.end(), k + g * kg * cols, k + (g + 1) * kg * cols);
    fused.insert(fused.end(), v + g * kg * cols, v + (g + 1) * kg * cols);
  }
  return fused;
}

// Element i (row-major) of a kI4Block32 / kI4Block128 view (kernels/quantize.h's layout) and its
// block scale.
float Int4Value(const TensorView& t, int64_t i, float* scale) {
  const int64_t cols = t.shape[1], block = t.dtype == DType::kI4Block32 ? 32 : 128;
  const int64_t r = i / cols, k = i % cols;
  const uint8_t byte = t.data[static_cast<size_t>(r * cols / 2 + (k / 128) * 64 + (k % 128) % 64)];
  const int nibble = (k % 128) < 64 ? (byte & 0xF) : (byte >> 4);
  *scale = t.scales[static_cast<size_t>(r * (cols / block) + k / block)];
  return static_cast<float>(nibble - 8) * *scale;
}

TEST(TfliteImportTest, WeightsAreTheCheckpoints) {
  int checked_files = 0;
  for (const std::string& name : Fixtures()) {
    const std::string ckpt = name.substr(0, std::min(name.find("_export"), name.find("_classic")));
    const std::string ckpt_dir = std::filesystem::exists(GoogleDir() + "/models/" + ckpt)
                                     ? GoogleDir() + "/models/" + ckpt
                                     : testing::GoldenDir() + "/models/" + ckpt;
    auto reader = OpenFixture(name);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto source = format::TfliteWeightSource::Create(std::move(reader).value());
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    auto hf = SafetensorsFile::Open(ckpt_dir + "/model.safetensors");
    ASSERT_TRUE(hf.ok()) << hf.status().ToString();
    const bool gemma = ckpt.find("gemma") != std::string::npos;
    const auto& want_all = (*hf)->tensors();
    for (const std::string& tensor : (*source)->TensorNames()) {
      SCOPED_TRACE(name + " " + tensor);
      auto got = (*source)->Tensor(tensor);
      ASSERT_TRUE(got.ok());
      ASSERT_TRUE(want_all.count(tensor));
      const TensorView& want = want_all.at(tensor);
      ASSERT_EQ(got->shape, want.shape);
      const float* w = reinterpret_cast<const float*>(want.data.data());
      std::vector<float> fused;
      const bool qkv = tensor.ends_with("q_proj.weight") || tensor.ends_with("k_proj.weight") ||
                       tensor.ends_with("v_proj.weight");
      if (gemma && qkv && name.find("classic") != std::string::npos) {
        const int layer = std::stoi(tensor.substr(std::string("model.layers.").size()));
        const int64_t q_rows = want_all.at("model.layers.0.self_attn.q_proj.weight").shape[0];
        const int64_t kv_rows = want_all.at("model.layers.0.self_attn.k_proj.weight").shape[0];
        const int64_t head_dim = want_all.at("model.layers.0.self_attn.q_norm.weight").shape[0];
        fused = ClassicGemmaFusedQkv(want_all, layer, static_cast<int>(kv_rows / head_dim));
        const int64_t begin = tensor.ends_with("q_proj.weight") ? 0 : tensor.ends_with("k_proj.weight") ? q_rows : q_rows + kv_rows;
        w = fused.data() + begin * want.shape[1];
      }
      const bool plus_one = gemma && tensor.ends_with("norm.weight");
      const int64_t cols = want.shape.size() == 2 ? want.shape[1] : want.NumElements();
      for (int64_t i = 0; i < want.NumElements(); ++i) {
        const float expected = plus_one ? 1.0f + w[i] : w[i];
        if (got->dtype == DType::kF32) {
          ASSERT_FLOAT_EQ(reinterpret_cast<const float*>(got->data.data())[i], expected) << "element " << i;
        } else if (got->dtype == DType::kI4Block32 || got->dtype == DType::kI4Block128) {
          // Half a step, plus the quantizer's rounding of each block scale to bfloat16 (≤ 2^-9
          // relative, times |q| ≤ 8).
          float scale = 0;
          const float value = Int4Value(*got, i, &scale);
          ASSERT_LE(std::abs(value - expected), 0.52f * scale) << "element " << i;
        } else {
          ASSERT_EQ(got->dtype, DType::kI8);
          const float scale = got->scales[static_cast<size_t>(i / cols)];
          const float value = static_cast<float>(static_cast<int8_t>(got->data[static_cast<size_t>(i)])) * scale;
          ASSERT_LE(std::abs(value - expected), 0.5001f * scale) << "element " << i;
        }
      }
    }
    EXPECT_EQ((*source)->TensorNames().size(), want_all.size());
    ++checked_files;
  }
  EXPECT_GE(checked_files, 2);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loads `bytes` from a scratch file and returns the load error ("" when it loads).
std::string LoadError(const std::string& bytes) {
  const std::string path = testing::ScratchDir() + "/patched.litertlm";
  testing::WriteFile(path, bytes);
  auto model = ModelLoader::Load(path);
  return model.ok() ? "" : model.status().ToString();
}

// Replaces every occurrence of `from` by `to` (same length) in `bytes`; returns the count.
int Patch(std::string* bytes, const std::string& from, const std::string& to) {
  int n = 0;
  for (size_t at = bytes->find(from); at != std::string::npos; at = bytes->find(from, at + 1), ++n)
    bytes->replace(at, to.size(), to);
  return n;
}

TEST(TfliteImportTest, UnsupportedCompositeIsNamed) {
  const std::string name = Fixtures().empty() ? "" : Fixtures()[0];
  ASSERT_FALSE(name.empty());
  std::string bytes = ReadAll(GoogleDir() + "/" + name + ".litertlm");
  ASSERT_GT(Patch(&bytes, "odml.rms_norm", "odml.rms_nrm!"), 0);
  EXPECT_THAT(LoadError(bytes), ::testing::HasSubstr("unsupported composite 'odml.rms_nrm!'"));
  EXPECT_THAT(LoadError(bytes), ::testing::HasSubstr("of signature 'decode'"));
}

TEST(TfliteImportTest, MissingDecodeSignatureIsNamed) {
  std::string bytes = ReadAll(GoogleDir() + "/" + Fixtures().at(0) + ".litertlm");
  ASSERT_GT(Patch(&bytes, std::string("\x06\0\0\0decode", 10), std::string("\x06\0\0\0decodX", 10)), 0);
  EXPECT_THAT(LoadError(bytes), ::testing::HasSubstr("no 'decode' signature"));
}

TEST(TfliteImportTest, MissingKvCacheInputIsNamed) {
  std::string bytes = ReadAll(GoogleDir() + "/" + Fixtures().at(0) + ".litertlm");
  ASSERT_GT(Patch(&bytes, "kv_cache_k_0", "kv_cache_q_0"), 0);
  EXPECT_THAT(LoadError(bytes), ::testing::HasSubstr("no input kv_cache_k_0"));
}

}  // namespace
}  // namespace litertlm

namespace litertlm {
namespace {

TEST(TfliteImportTest, NotATfliteModelIsNamed) {
  std::string bytes = ReadAll(GoogleDir() + "/" + Fixtures().at(0) + ".litertlm");
  ASSERT_GT(Patch(&bytes, "TFL3", "TFL9"), 0);
  EXPECT_THAT(LoadError(bytes), ::testing::HasSubstr("not a TFLite model (no \"TFL3\" identifier)"));
}

}  // namespace
}  // namespace litertlm

// --- int4: the file's own values, and INT4 layouts we cannot run -------------------------------

namespace litertlm {
namespace {

std::string PlainDir() { return GoogleDir() + "/plain/gemma3_wide_classic_int4b32"; }
std::string PlainTflite() { return PlainDir() + "/gemma3_wide_classic_int4b32.tflite"; }

// The EMBEDDING_LOOKUP table of the 'decode' signature (an INT4 tensor in the int4 fixtures).
const tflite::Tensor* EmbeddingTable(const format::TfliteModel& m) {
  const tflite::SubGraph* sg = m.SignatureSubgraph("decode");
  if (sg == nullptr) return nullptr;
  for (const tflite::Operator* op : *sg->operators()) {
    if (m.OpCode(*op) == static_cast<int32_t>(format::TfliteOp::kEmbeddingLookup))
      return sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(op->inputs()->Get(1)));
  }
  return nullptr;
}

// The offset in the bytes of `m` of scalar field `vt` (a vtable offset: 4 + 2 · field id) of
// `table`, or npos when the field is absent (default value).
size_t FieldOffset(const format::TfliteModel& m, const void* table, flatbuffers::voffset_t vt) {
  const auto* t = reinterpret_cast<const flatbuffers::Table*>(table);
  const uint8_t* at = t->GetAddressOf(vt);
  if (at == nullptr) return std::string::npos;
  return static_cast<size_t>(at - m.bytes().data());
}

// The import re-lays the INT4 nibbles out without changing a value: the imported embedding equals
// the file's table (two's-complement nibbles, element 2i low, FLOAT16 block scales) bit for bit.
TEST(TfliteImportTest, Int4WeightsKeepTheFilesValues) {
  auto source = format::TfliteWeightSource::OpenTflite(PlainTflite());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const std::string bytes = ReadAll(PlainTflite());
  auto model = format::TfliteModel::Open(
      std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "plain");
  ASSERT_TRUE(model.ok());
  const tflite::Tensor* table = EmbeddingTable(**model);
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->type(), tflite::TensorType_INT4);
  const auto* bq = table->quantization()->details_as_BlockwiseQuantization();
  ASSERT_NE(bq, nullptr);
  ASSERT_EQ(bq->block_size(), 32);
  const tflite::SubGraph* sg = (*model)->SignatureSubgraph("decode");
  const tflite::Tensor* scales = sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(bq->scales()));
  ASSERT_EQ(scales->type(), tflite::TensorType_FLOAT16);
  const auto q = (*model)->TensorBytes(*table);
  const auto s = (*model)->TensorBytes(*scales);
  auto got = (*source)->Tensor("model.embed_tokens.weight");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->dtype, DType::kI4Block32);
  const int64_t rows = table->shape()->Get(0), cols = table->shape()->Get(1);
  ASSERT_EQ(got->shape, (std::vector<int64_t>{rows, cols}));
  int nonzero = 0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    const int nib = (q[static_cast<size_t>(i / 2)] >> (4 * (i % 2))) & 0xF;
    uint16_t h;
    std::memcpy(&h, s.data() + 2 * ((i / cols) * (cols / 32) + (i % cols) / 32), 2);
    const float want = static_cast<float>(nib >= 8 ? nib - 16 : nib) * F16ToF32(h);
    float scale = 0;
    ASSERT_EQ(Int4Value(*got, i, &scale), want) << "element " << i;
    nonzero += want != 0;
  }
  EXPECT_GT(nonzero, rows * cols / 2);
}

// A copy of the plain int4 fixture with `patch` applied, loaded: the load error ("" if it loads).
std::string PatchedTfliteError(const std::function<void(const format::TfliteModel&, std::string*)>& patch) {
  std::string bytes = ReadAll(PlainTflite());
  {
    auto model = format::TfliteModel::Open(
        std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "plain");
    if (!model.ok()) return "cannot open the fixture: " + model.status().ToString();
    std::string patched = bytes;
    patch(**model, &patched);
    bytes = std::move(patched);
  }
  const std::string path = testing::ScratchDir() + "/patched.tflite";
  testing::WriteFile(path, bytes);
  auto loaded = ModelLoader::Load(path);
  return loaded.ok() ? "" : loaded.status().ToString();
}

TEST(TfliteImportTest, UnsupportedInt4BlockSizeIsNamed) {
  const std::string error = PatchedTfliteError([](const format::TfliteModel& m, std::string* bytes) {
    const auto* bq = EmbeddingTable(m)->quantization()->details_as_BlockwiseQuantization();
    const size_t at = FieldOffset(m, bq, tflite::BlockwiseQuantization::VT_BLOCK_SIZE);
    ASSERT_NE(at, std::string::npos);
    const int32_t block = 48;
    std::memcpy(bytes->data() + at, &block, 4);
  });
  EXPECT_THAT(error, ::testing::HasSubstr("(model.embed_tokens.weight)"));
  EXPECT_THAT(error, ::testing::HasSubstr("INT4 block size 48 does not divide its 128 columns"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(TfliteImportTest, Int4BlockSizeNotAMultipleOf32IsNamed) {
  const std::string error = PatchedTfliteError([](const format::TfliteModel& m, std::string* bytes) {
    const auto* bq = EmbeddingTable(m)->quantization()->details_as_BlockwiseQuantization();
    const size_t at = FieldOffset(m, bq, tflite::BlockwiseQuantization::VT_BLOCK_SIZE);
    ASSERT_NE(at, std::string::npos);
    const int32_t block = 16;  // the scales tensor no longer fits: refused before the block size
    std::memcpy(bytes->data() + at, &block, 4);
  });
  EXPECT_THAT(error, ::testing::HasSubstr("(model.embed_tokens.weight): INT4 block scales tensor"));
  EXPECT_THAT(error, ::testing::HasSubstr("is not a constant of shape [512, 8]"));
}

TEST(TfliteImportTest, UnknownInt4QuantizationDetailsAreNamed) {
  const std::string error = PatchedTfliteError([](const format::TfliteModel& m, std::string* bytes) {
    const size_t at = FieldOffset(m, EmbeddingTable(m)->quantization(),
                                  tflite::QuantizationParameters::VT_DETAILS_TYPE);
    ASSERT_NE(at, std::string::npos);
    (*bytes)[at] = 3;  // MultiAxisQuantization
  });
  EXPECT_THAT(error, ::testing::HasSubstr("(model.embed_tokens.weight) is INT4 with quantization details of type 3"));
}

TEST(TfliteImportTest, UnsupportedWeightTypeIsNamed) {
  const std::string error = PatchedTfliteError([](const format::TfliteModel& m, std::string* bytes) {
    const size_t at = FieldOffset(m, EmbeddingTable(m), tflite::Tensor::VT_TYPE);
    ASSERT_NE(at, std::string::npos);
    (*bytes)[at] = static_cast<char>(tflite::TensorType_UINT8);
  });
  // UINT8 would need twice the bytes the INT4 table holds: refused naming the tensor.
  EXPECT_THAT(error, ::testing::HasSubstr("(model.embed_tokens.weight) has shape [512, 128], which its 32768 bytes"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

}  // namespace
}  // namespace litertlm

// --- what the import leaves of the file: the FlatBuffer is read once, then dropped --------------

namespace litertlm {
namespace {

// The TFLite model bytes of a .litertlm reader (its prefill_decode TFLiteModel section).
std::span<const uint8_t> TfliteSectionBytes(const format::LitertlmReader& reader) {
  for (const format::SectionInfo& s : reader.sections()) {
    if (s.type == static_cast<uint8_t>(format::SectionType::kTfliteModel)) return reader.SectionBytes(s);
  }
  return {};
}

bool Inside(const void* p, size_t n, std::span<const uint8_t> range) {
  const auto a = reinterpret_cast<uintptr_t>(p), lo = reinterpret_cast<uintptr_t>(range.data());
  return n != 0 && a >= lo && a + n <= lo + range.size();
}

bool Overlaps(const void* p, size_t n, std::span<const uint8_t> range) {
  const auto a = reinterpret_cast<uintptr_t>(p), lo = reinterpret_cast<uintptr_t>(range.data());
  return n != 0 && a < lo + range.size() && lo < a + n;
}

// Every view of the import stays out of UnreferencedRanges; int8 scales are copies (no view into
// the FlatBuffer); the FlatBuffer's root and every decode tensor's scale and zero-point vectors
// are unreferenced (what a loader drops: 14 MB of a Qwen3-0.6B file, mostly those vectors).
TEST(TfliteImportTest, UnreferencedRangesHoldTheFlatBufferAndNoView) {
  int int8_files = 0;
  for (const std::string& name : Fixtures()) {
    SCOPED_TRACE(name);
    auto reader = OpenFixture(name);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const std::span<const uint8_t> bytes = TfliteSectionBytes(**reader);
    auto model = format::TfliteModel::Open(bytes, name);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto import = format::ImportTfliteLlm(**model, nullptr);
    ASSERT_TRUE(import.ok()) << import.status().ToString();
    const auto ranges = format::UnreferencedRanges(**import, bytes);
    auto unreferenced = [&](const void* p, size_t n) {
      return std::any_of(ranges.begin(), ranges.end(), [&](auto r) { return Inside(p, n, r); });
    };
    bool int8 = false;
    for (const auto& [tensor, view] : (*import)->tensors) {
      SCOPED_TRACE(tensor);
      for (auto r : ranges) {
        EXPECT_FALSE(Overlaps(view.data.data(), view.data.size(), r));
        EXPECT_FALSE(Overlaps(view.scales.data(), view.scales.size_bytes(), r));
      }
      if (view.dtype == DType::kI8) {
        int8 = true;
        EXPECT_FALSE(Overlaps(view.scales.data(), view.scales.size_bytes(), bytes)) << "scales not copied";
      }
    }
    int8_files += int8;
    EXPECT_TRUE(unreferenced(bytes.data(), 8));  // root offset and "TFL3"
    int quantized = 0;
    for (const tflite::Tensor* t : *(*model)->SignatureSubgraph("decode")->tensors()) {
      const tflite::QuantizationParameters* q = t->quantization();
      if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) continue;
      ++quantized;
      EXPECT_TRUE(unreferenced(q->scale()->data(), q->scale()->size() * sizeof(float))) << t->name()->str();
      if (q->zero_point() != nullptr && q->zero_point()->size() != 0) {
        EXPECT_TRUE(unreferenced(q->zero_point()->data(), q->zero_point()->size() * sizeof(int64_t)));
      }
    }
    if (int8) {
      EXPECT_GT(quantized, 0);  // int8 weights have per-channel scale vectors (int4c files too)
    }
  }
  EXPECT_GE(int8_files, 4);
}

// Whether the page holding `p` is mapped in this process (/proc/self/pagemap bit 63; the page
// frame numbers need privileges, the present bit does not).
bool PageMapped(const void* p) {
  static const uintptr_t kPage = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const int fd = ::open("/proc/self/pagemap", O_RDONLY);
  uint64_t entry = 0;
  const auto at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / kPage * sizeof(entry));
  const bool read = fd >= 0 && ::pread(fd, &entry, sizeof(entry), at) == static_cast<ssize_t>(sizeof(entry));
  if (fd >= 0) ::close(fd);
  EXPECT_TRUE(read) << "cannot read /proc/self/pagemap";
  return (entry >> 63) & 1;
}

// The pages lying wholly inside `ranges`: how many there are and how many of them are mapped.
std::pair<int, int> WholePagesMapped(const std::vector<std::span<const uint8_t>>& ranges) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  int pages = 0, mapped = 0;
  for (std::span<const uint8_t> r : ranges) {
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(r.data()) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(r.data()) + r.size()) / page * page;
    for (uintptr_t p = begin; p < end; p += page) {
      ++pages;
      mapped += PageMapped(reinterpret_cast<const void*>(p));
    }
  }
  return {pages, mapped};
}

// After the import (the verifier and the graph analysis read the whole FlatBuffer, mapping its
// pages) the loader's weight source has dropped every page no view points into: .litertlm files
// (TfliteWeightSource::Create) and a plain .tflite file (OpenTflite).
TEST(TfliteImportTest, UnreferencedPagesAreNotMappedAfterTheImport) {
  int checked = 0;
  auto check = [&](const format::TfliteWeightSource& source) {
    const auto ranges = format::UnreferencedRanges(source.import(), source.model_bytes());
    const auto [pages, mapped] = WholePagesMapped(ranges);
    EXPECT_EQ(mapped, 0) << "of " << pages << " unreferenced pages";
    checked += pages > 0;
  };
  for (const std::string& name : Fixtures()) {
    SCOPED_TRACE(name);
    auto reader = OpenFixture(name);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto source = format::TfliteWeightSource::Create(std::move(reader).value());
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    EXPECT_EQ((*source)->model_bytes().data(), TfliteSectionBytes(*(*source)->litertlm()).data());
    check(**source);
  }
  auto plain = format::TfliteWeightSource::OpenTflite(PlainTflite());
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  check(**plain);
  EXPECT_EQ(checked, static_cast<int>(Fixtures().size()) + 1);
}

}  // namespace
}  // namespace litertlm
